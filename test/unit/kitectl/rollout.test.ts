import { strict as assert } from 'node:assert';
import { Deployment, ReplicaSet } from '../../../lib/gen/kite/apps/v1/types';
import { findNewReplicaSet, revisionOf, templateWithoutHash } from '../../../services/kitectl/deployment-revisions';
import { rolloutStatus } from '../../../services/kitectl/rollout';

const dep = (generation: number, status: object, replicas = 3) =>
  Deployment.fromPartial({ metadata: { name: 'nginx', generation }, spec: { replicas }, status });

describe('rollout status messages (kubectl DeploymentStatusViewer)', () => {
  it('waits for the controller to observe the spec', () => {
    assert.deepEqual(rolloutStatus(dep(2, { observedGeneration: 1 })), { message: 'Waiting for deployment spec update to be observed...\n', done: false });
  });

  it('reports updated, old and available replicas in kubectl words', () => {
    assert.equal(rolloutStatus(dep(1, { observedGeneration: 1, updatedReplicas: 1 })).message, 'Waiting for deployment "nginx" rollout to finish: 1 out of 3 new replicas have been updated...\n');
    assert.equal(rolloutStatus(dep(1, { observedGeneration: 1, updatedReplicas: 3, replicas: 4 })).message, 'Waiting for deployment "nginx" rollout to finish: 1 old replicas are pending termination...\n');
    assert.equal(
      rolloutStatus(dep(1, { observedGeneration: 1, updatedReplicas: 3, replicas: 3, availableReplicas: 1 })).message,
      'Waiting for deployment "nginx" rollout to finish: 1 of 3 updated replicas are available...\n',
    );
    assert.deepEqual(rolloutStatus(dep(1, { observedGeneration: 1, updatedReplicas: 3, replicas: 3, availableReplicas: 3 })), {
      message: 'deployment "nginx" successfully rolled out\n',
      done: true,
    });
  });

  it('fails when the progress deadline is exceeded', () => {
    assert.throws(
      () => rolloutStatus(dep(1, { observedGeneration: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] })),
      /deployment "nginx" exceeded its progress deadline/,
    );
  });
});

describe('deployment revisions', () => {
  const template = (image: string, hash?: string) => ({ metadata: { labels: { app: 'nginx', ...(hash ? { 'pod-template-hash': hash } : {}) } }, spec: { containers: [{ name: 'nginx', image }] } });
  const rs = (name: string, rev: string, image: string) =>
    ReplicaSet.fromPartial({ metadata: { name, annotations: { 'deployment.kubernetes.io/revision': rev } }, spec: { template: template(image, name) } });

  it('finds the new ReplicaSet by template, ignoring pod-template-hash', () => {
    const d = Deployment.fromPartial({ spec: { template: template('nginx:1.22') } });
    const rss = [rs('a', '1', 'nginx:1.21'), rs('b', '2', 'nginx:1.22')];
    assert.equal(findNewReplicaSet(d, rss)?.metadata?.name, 'b');
    assert.equal(revisionOf(rss[0]), 1);
    assert.deepEqual(templateWithoutHash(rss[0]).metadata?.labels, { app: 'nginx' });
    assert.deepEqual(rss[0].spec?.template?.metadata?.labels['pod-template-hash'], 'a', 'the ReplicaSet itself is not modified');
  });
});
