// ResourceQuota admission under concurrency: N simultaneous creates against room for K admit
// exactly K, whatever the interleaving; pods without the constrained requests are refused; a
// deletion frees room; the quota's status follows.
import { strict as assert } from 'node:assert';
import { status } from '@grpc/grpc-js';
import type { ApiError } from '../../../lib/api/errors';
import * as K from '../../../lib/api/kinds';
import type { Clientset } from '../../../lib/client/clientset';
import { Namespace, Pod, ResourceQuota, Service } from '../../../lib/gen/kite/core/v1/types';
import { waitFor } from '../../support/wait';
import { namespaceWith, startSecureApiserver, type SecureApiserver } from './secure-apiserver';

const pod = (name: string, namespace: string, cpu?: string) =>
  Pod.fromPartial({ metadata: { name, namespace }, spec: { containers: [{ name: 'c', image: 'nginx', resources: cpu ? { requests: { cpu, memory: '16Mi' } } : {} }] } });

describe('security: resource quota', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  let admin: Clientset;
  let ns = 0;
  before(async () => {
    s = await startSecureApiserver({ config: { quotaSyncIntervalMs: 200 } });
    admin = await s.admin();
  });
  after(() => s?.stop());

  const namespaceWithQuota = (hard: Record<string, string>, scopes: string[] = []) => {
    const name = `quota-${++ns}`;
    return namespaceWith(admin, K.ResourceQuotas, name, ResourceQuota.fromPartial({ metadata: { name: 'q', namespace: name }, spec: { hard, scopes } }));
  };

  async function race(namespace: string, n: number, cpu?: string): Promise<{ admitted: number; refused: ApiError[] }> {
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => admin.pods.create(pod(`p${i}`, namespace, cpu)).then(() => undefined, (e: ApiError) => e)),
    );
    return { admitted: results.filter((r) => r === undefined).length, refused: results.filter((r): r is ApiError => r !== undefined) };
  }

  it('admits exactly K of N concurrent pod creates under "pods: K"', async () => {
    const namespace = await namespaceWithQuota({ pods: '5' });
    const { admitted, refused } = await race(namespace, 40);
    assert.equal(admitted, 5);
    assert.equal(refused.length, 35);
    for (const e of refused) {
      assert.equal(e.code, status.PERMISSION_DENIED);
      assert.match(e.message, /^pods "p\d+" is forbidden: exceeded quota: q, requested: pods=1, used: pods=5, limited: pods=5$/);
    }
    assert.equal((await admin.pods.list({ namespace })).items.length, 5);
    await waitFor('status.used.pods = 5', async () => (await admin.resource(K.ResourceQuotas).get('q', namespace)).status?.used.pods === '5', 5000);
    assert.deepEqual((await admin.resource(K.ResourceQuotas).get('q', namespace)).status?.hard, { pods: '5' });
  });

  it('sums cpu requests: 2 cpu of quota admit 4 pods of 500m; unspecified requests are refused', async () => {
    const namespace = await namespaceWithQuota({ 'requests.cpu': '2', 'requests.memory': '1Gi' });
    const { admitted, refused } = await race(namespace, 12, '500m');
    assert.equal(admitted, 4);
    assert.match(refused[0].message, /exceeded quota: q, requested: requests.cpu=500m, used: requests.cpu=2, limited: requests.cpu=2/);
    const err = await admin.pods.create(pod('no-requests', namespace)).then(() => undefined, (e: ApiError) => e);
    assert.equal(err?.code, status.PERMISSION_DENIED);
    assert.match(err!.message, /failed quota: q: must specify requests.cpu,requests.memory/);
    await waitFor('status.used cpu', async () => (await admin.resource(K.ResourceQuotas).get('q', namespace)).status?.used['requests.cpu'] === '2', 5000);
  });

  it('frees room when a pod goes away, and never counts a dry run', async () => {
    const namespace = await namespaceWithQuota({ pods: '1' });
    await admin.pods.create(pod('a', namespace), { dryRun: true });
    await admin.pods.create(pod('a', namespace));
    await assert.rejects(admin.pods.create(pod('b', namespace)), /exceeded quota/);
    await admin.pods.delete('a', { namespace });
    await waitFor('room after the deletion', () => admin.pods.create(pod('b', namespace)).then(() => true, () => false), 5000);
  });

  it('leaves namespaces without a quota alone', async () => {
    await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: 'free' } }));
    assert.equal((await race('free', 20)).admitted, 20);
  });

  it('caps node ports: services.nodeports: 1 admits one NodePort service and refuses the second', async () => {
    const namespace = await namespaceWithQuota({ 'services.nodeports': '1', 'services.loadbalancers': '0' });
    const svc = (name: string, type: string) => Service.fromPartial({ metadata: { name, namespace }, spec: { type, selector: { app: name }, ports: [{ port: 80, protocol: 'TCP' }] } });
    await admin.services.create(svc('a', 'NodePort'));
    await admin.services.create(svc('internal', 'ClusterIP'));
    const err = await admin.services.create(svc('b', 'NodePort')).then(() => assert.fail('admitted'), (e: ApiError) => e);
    assert.equal(err.code, status.PERMISSION_DENIED);
    assert.equal(err.message, 'services "b" is forbidden: exceeded quota: q, requested: services.nodeports=1, used: services.nodeports=1, limited: services.nodeports=1');
    const lb = await admin.services.create(svc('lb', 'LoadBalancer')).then(() => assert.fail('admitted'), (e: ApiError) => e);
    assert.match(lb.message, /exceeded quota: q, requested: services.loadbalancers=1,services.nodeports=1, used: services.loadbalancers=0,services.nodeports=1, limited: services.loadbalancers=0,services.nodeports=1$/);
    await waitFor('status.used services.nodeports', async () => (await admin.resource(K.ResourceQuotas).get('q', namespace)).status?.used['services.nodeports'] === '1', 5000);

    // Lowered below what is used, the quota still admits what takes no node port.
    const q = await admin.resource(K.ResourceQuotas).get('q', namespace);
    await admin.resource(K.ResourceQuotas).update({ ...q, spec: { ...q.spec!, hard: { 'services.nodeports': '0' } } });
    await waitFor('the lowered quota in the watch cache', async () => (await admin.resource(K.ResourceQuotas).list({ namespace, resourceVersion: '0' })).items[0]?.spec?.hard['services.nodeports'] === '0', 5000);
    await admin.services.create(svc('internal-2', 'ClusterIP'));
  });

  it('counts what an update or a patch adds: a ClusterIP Service turned NodePort at the limit is refused', async () => {
    const namespace = await namespaceWithQuota({ 'services.nodeports': '1' });
    const svc = (name: string, type: string) => Service.fromPartial({ metadata: { name, namespace }, spec: { type, selector: { app: name }, ports: [{ port: 80, protocol: 'TCP' }] } });
    await admin.services.create(svc('a', 'NodePort'));
    const internal = await admin.services.create(svc('internal', 'ClusterIP'));

    const byUpdate = await admin.services
      .update({ ...internal, spec: { ...internal.spec!, type: 'NodePort' } })
      .then(() => assert.fail('admitted'), (e: ApiError) => e);
    assert.equal(byUpdate.code, status.PERMISSION_DENIED);
    assert.equal(byUpdate.message, 'services "internal" is forbidden: exceeded quota: q, requested: services.nodeports=1, used: services.nodeports=1, limited: services.nodeports=1');
    const byPatch = await admin.services.patch('internal', { spec: { type: 'NodePort' } }, { namespace }).then(() => assert.fail('admitted'), (e: ApiError) => e);
    assert.equal(byPatch.code, status.PERMISSION_DENIED);
    assert.equal((await admin.services.get('internal', namespace)).spec!.type, 'ClusterIP');

    // What adds nothing passes: a label on the ClusterIP Service, a port change on the NodePort one.
    await admin.services.patch('internal', { metadata: { labels: { tier: 'db' } } }, { namespace });
    const a = await admin.services.get('a', namespace);
    await admin.services.update({ ...a, spec: { ...a.spec!, ports: [{ ...a.spec!.ports[0], port: 8080 }] } });

    // Once the NodePort Service goes back to ClusterIP, the other may take the node port.
    const a2 = await admin.services.get('a', namespace);
    await admin.services.update({ ...a2, spec: { ...a2.spec!, type: 'ClusterIP', ports: a2.spec!.ports.map((p) => ({ ...p, nodePort: 0 })) } });
    await waitFor('the node port freed', () => admin.services.patch('internal', { spec: { type: 'NodePort' } }, { namespace }).then(() => true, () => false), 5000);
  });

  it('a BestEffort-scoped quota counts only best-effort pods', async () => {
    const namespace = await namespaceWithQuota({ pods: '1' }, ['BestEffort']);
    await admin.pods.create(pod('burstable-1', namespace, '100m'));
    await admin.pods.create(pod('burstable-2', namespace, '100m'));
    await admin.pods.create(pod('best-effort-1', namespace));
    const err = await admin.pods.create(pod('best-effort-2', namespace)).then(() => assert.fail('admitted'), (e: ApiError) => e);
    assert.equal(err.message, 'pods "best-effort-2" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1');
    await waitFor('status.used.pods = 1', async () => (await admin.resource(K.ResourceQuotas).get('q', namespace)).status?.used.pods === '1', 5000);
  });

  it('refuses a scope that cannot track what the quota caps', async () => {
    const err = await admin.resource(K.ResourceQuotas)
      .create(ResourceQuota.fromPartial({ metadata: { name: 'bad', namespace: 'default' }, spec: { hard: { pods: '1', 'requests.cpu': '1' }, scopes: ['BestEffort'] } }))
      .then(() => assert.fail('admitted'), (e: ApiError) => e);
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.match(err.message, /spec\.scopes: Invalid value: \["BestEffort"\]: unsupported scope applied to resource/);
  });
});
