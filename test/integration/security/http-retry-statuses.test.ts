// The HTTP API's answers that tell a client to come back later, as kube-apiserver writes them and
// client-go reads them: 429 TooManyRequests with a Retry-After header when the max-in-flight
// limit refuses a request, 429 without one (and a DisruptionBudget cause) when a
// PodDisruptionBudget refuses an eviction, and 504 Timeout with Retry-After for a list at a
// resourceVersion the apiserver has not reached (resourceVersionMatch=NotOlderThan); each a
// metav1.Status with the retry in details.retryAfterSeconds.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { issueClientCertificate, type CertKeyPair } from '../../../lib/pki/certificates';
import type { Clientset } from '../../../lib/client/clientset';
import { Namespace, Pod, PodCondition } from '../../../lib/gen/kite/core/v1/types';
import { PodDisruptionBudget } from '../../../lib/gen/kite/policy/v1/types';
import { RoleBinding } from '../../../lib/gen/kite/rbac/v1/types';
import { httpsRequest, type HttpsReply } from '../../support/https-request';
import { uniqueName } from '../../support/names';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

describe('HTTP API: 429 and 504 with Retry-After', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  let admin: Clientset;
  let alice: CertKeyPair;
  let adminPair: CertKeyPair;
  const ns = uniqueName('retry');

  const http = (who: CertKeyPair, method: string, path: string, body?: object) => httpsRequest({ port: s.server.securePort!, ca: s.ca.cert, ...who }, method, path, body);

  before(async () => {
    s = await startSecureApiserver({ config: { securePort: 0, maxMutatingRequestsInflight: 1, enablePriorityAndFairness: false } });
    admin = await s.admin();
    adminPair = { cert: readFileSync(s.pki.admin.cert, 'utf8'), key: readFileSync(s.pki.admin.key, 'utf8') };
    alice = await issueClientCertificate(s.ca, 'alice', []);
    await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
    await admin.roleBindings.create(
      RoleBinding.fromPartial({
        metadata: { name: 'alice-edit', namespace: ns },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }],
      }),
    );
  });
  after(async () => {
    await s?.stop();
  });

  it('refuses writes over the max-in-flight limit with 429 TooManyRequests and Retry-After', async () => {
    const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' } });
    let refused: HttpsReply | undefined;
    for (let round = 0; !refused && round < 50; round++) {
      const replies = await Promise.all(Array.from({ length: 16 }, (_, i) => http(alice, 'POST', `/api/v1/namespaces/${ns}/configmaps`, configMap(`c-${round}-${i}`))));
      for (const r of replies) assert.ok(r.status === 201 || r.status === 429, JSON.stringify(r.json));
      refused = replies.find((r) => r.status === 429);
    }
    assert.ok(refused, 'one concurrent write was refused');
    assert.ok(Number(refused.headers['retry-after']) >= 1, `Retry-After ${refused.headers['retry-after']}`);
    assert.equal(refused.json.kind, 'Status');
    assert.equal(refused.json.reason, 'TooManyRequests');
    assert.equal(refused.json.code, 429);
    assert.equal(refused.json.details.retryAfterSeconds, Number(refused.headers['retry-after']));
  });

  it('refuses an eviction a PodDisruptionBudget forbids with 429, its DisruptionBudget cause and no Retry-After', async () => {
    const created = await admin.pods.create(Pod.fromPartial({ metadata: { name: 'guarded', namespace: ns, labels: { app: 'guarded' } }, spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'nginx' }] } }));
    await admin.pods.updateStatus({ ...created, status: { ...created.status!, phase: 'Running', conditions: [PodCondition.fromPartial({ type: 'Ready', status: 'True' })] } });
    const pdb = await admin.podDisruptionBudgets.create(PodDisruptionBudget.fromPartial({ metadata: { name: 'guard', namespace: ns }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } } }), { namespace: ns });
    // The disruption controller's verdict, written as it writes it.
    await admin.podDisruptionBudgets.updateStatus({ ...pdb, status: { ...pdb.status!, observedGeneration: pdb.metadata!.generation, disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 } });

    const r = await http(adminPair, 'POST', `/api/v1/namespaces/${ns}/pods/guarded/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'guarded', namespace: ns } });
    assert.equal(r.status, 429);
    assert.equal(r.headers['retry-after'], undefined);
    assert.deepEqual(r.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      reason: 'TooManyRequests',
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget guard needs 1 healthy pods and has 1 currently' }] },
      code: 429,
    });
    assert.equal((await admin.pods.get('guarded', ns)).metadata!.deletionTimestamp, '', 'the pod stays');
  });

  it('answers a list at a resourceVersion not reached yet with 504 Timeout and Retry-After', async () => {
    const r = await http(adminPair, 'GET', `/api/v1/namespaces/${ns}/pods?resourceVersion=99999999&resourceVersionMatch=NotOlderThan`);
    assert.equal(r.status, 504);
    assert.equal(r.headers['retry-after'], '1');
    assert.equal(r.json.kind, 'Status');
    assert.equal(r.json.reason, 'Timeout');
    assert.match(r.json.message, /^Timeout: Too large resource version: 99999999, current: \d+$/);
    assert.deepEqual(r.json.details, { retryAfterSeconds: 1 });
  });
});
