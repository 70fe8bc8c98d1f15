// kubectl's DaemonSetStatusViewer and StatefulSetStatusViewer messages, and findHistory.
import { strict as assert } from 'node:assert';
import { ControllerRevision, DaemonSet, StatefulSet } from '../../../lib/gen/kite/apps/v1/types';
import { daemonSetRolloutStatus, findRevision, statefulSetRolloutStatus } from '../../../services/kitectl/controller-revisions';

const ds = (generation: number, status: object, type = 'RollingUpdate') =>
  DaemonSet.fromPartial({ metadata: { name: 'agent', generation }, spec: { updateStrategy: { type } }, status });
const sts = (status: object, rollingUpdate?: object, replicas = 3) =>
  StatefulSet.fromPartial({ metadata: { name: 'web', generation: 2 }, spec: { replicas, updateStrategy: { type: 'RollingUpdate', rollingUpdate } }, status });

describe('rollout status of daemon sets and stateful sets (kubectl status viewers)', () => {
  it('daemon set: observed generation, updated pods, available pods, done', () => {
    assert.equal(daemonSetRolloutStatus(ds(2, { observedGeneration: 1 })).message, 'Waiting for daemon set spec update to be observed...\n');
    assert.equal(
      daemonSetRolloutStatus(ds(2, { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 1 })).message,
      'Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been updated...\n',
    );
    assert.equal(
      daemonSetRolloutStatus(ds(2, { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 })).message,
      'Waiting for daemon set "agent" rollout to finish: 2 of 3 updated pods are available...\n',
    );
    assert.deepEqual(daemonSetRolloutStatus(ds(2, { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 })), {
      message: 'daemon set "agent" successfully rolled out\n',
      done: true,
    });
    assert.throws(() => daemonSetRolloutStatus(ds(1, {}, 'OnDelete')), /rollout status is only available for RollingUpdate strategy type/);
  });

  it('stateful set: ready pods, the partition, revisions', () => {
    assert.equal(statefulSetRolloutStatus(sts({ observedGeneration: 0 })).message, 'Waiting for statefulset spec update to be observed...\n');
    assert.equal(statefulSetRolloutStatus(sts({ observedGeneration: 2, readyReplicas: 1 })).message, 'Waiting for 2 pods to be ready...\n');
    assert.equal(
      statefulSetRolloutStatus(sts({ observedGeneration: 2, readyReplicas: 3, updatedReplicas: 1 }, { partition: 1 })).message,
      'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...\n',
    );
    assert.deepEqual(statefulSetRolloutStatus(sts({ observedGeneration: 2, readyReplicas: 3, updatedReplicas: 2 }, { partition: 1 })), {
      message: 'partitioned roll out complete: 2 new pods have been updated...\n',
      done: true,
    });
    assert.equal(
      statefulSetRolloutStatus(sts({ observedGeneration: 2, readyReplicas: 3, updatedReplicas: 1, currentRevision: 'web-a', updateRevision: 'web-b' })).message,
      'waiting for statefulset rolling update to complete 1 pods at revision web-b...\n',
    );
    assert.deepEqual(statefulSetRolloutStatus(sts({ observedGeneration: 2, readyReplicas: 3, currentReplicas: 3, currentRevision: 'web-b', updateRevision: 'web-b' })), {
      message: 'statefulset rolling update complete 3 pods at revision web-b...\n',
      done: true,
    });
  });

  it('finds the named revision, or the one before the newest', () => {
    const revs = [1, 2, 5].map((revision) => ControllerRevision.fromPartial({ metadata: { name: `r${revision}` }, revision }));
    assert.equal(findRevision(revs, 0)?.revision, 2);
    assert.equal(findRevision(revs, 1)?.revision, 1);
    assert.equal(findRevision(revs, 3), undefined);
    assert.equal(findRevision(revs.slice(0, 1), 0), undefined);
  });
});
