import { strict as assert } from 'node:assert';
import { Pod } from '../../../lib/gen/kite/core/v1/types';
import { HollowNodes } from '../../../services/kubelet/hollow/hollow-nodes';
import { NODE_LEASE_NAMESPACE } from '../../../services/kubelet/status/node';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';

describe('hollow nodes (against a real apiserver)', () => {
  let api: TestApiserver;
  const ac = new AbortController();
  let hollow: HollowNodes;
  let run: Promise<void>;

  before(async () => {
    api = await startTestApiserver();
    hollow = new HollowNodes(api.client(), { count: 5, namePrefix: 'hn-', leaseRenewIntervalMs: 200 });
    run = hollow.run(ac.signal);
    await waitFor('5 nodes', async () => (await api.client().nodes.list()).items.length === 5);
  });

  after(async () => {
    ac.abort();
    await run;
    await api.stop();
  });

  it('registers Ready nodes with capacity, addresses and a Lease', async () => {
    const c = api.client();
    const node = await c.nodes.get('hn-3');
    assert.equal(node.status!.capacity.cpu, '4');
    assert.equal(node.status!.allocatable.pods, '110');
    assert.equal(node.status!.conditions.find((x) => x.type === 'Ready')?.status, 'True');
    assert.deepEqual(node.status!.addresses.map((a) => a.type), ['InternalIP', 'Hostname']);
    assert.equal(node.metadata!.labels['kubernetes.io/hostname'], 'hn-3');
    const lease = await c.leases.get('hn-3', NODE_LEASE_NAMESPACE);
    assert.equal(lease.spec!.holderIdentity, 'hn-3');
  });

  it('renews Leases, and stops when paused', async () => {
    const c = api.client();
    const t0 = (await c.leases.get('hn-1', NODE_LEASE_NAMESPACE)).spec!.renewTime;
    await waitFor('a renewal', async () => (await c.leases.get('hn-1', NODE_LEASE_NAMESPACE)).spec!.renewTime !== t0);
    hollow.setPaused('hn-1', true);
    await new Promise((r) => setTimeout(r, 300));
    const t1 = (await c.leases.get('hn-1', NODE_LEASE_NAMESPACE)).spec!.renewTime;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await c.leases.get('hn-1', NODE_LEASE_NAMESPACE)).spec!.renewTime, t1);
    hollow.setPaused('hn-1', false);
  });

  it('runs a bound pod to Running with an IP, and finishes its graceful deletion', async () => {
    const c = api.client();
    await c.pods.create(Pod.fromPartial({ metadata: { name: 'p1' }, spec: { containers: [{ name: 'c', image: 'nginx:1.22' }] } }));
    await c.pods.bind('p1', 'hn-2');
    const running = await waitFor('Running', async () => {
      const p = await c.pods.get('p1');
      return p.status!.phase === 'Running' ? p : undefined;
    });
    assert.match(running.status!.podIP, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(running.status!.conditions.find((x) => x.type === 'Ready')?.status, 'True');
    assert.equal(running.status!.containerStatuses[0].ready, true);
    const deleting = await c.pods.delete('p1');
    assert.ok(deleting.metadata!.deletionTimestamp, 'a bound pod is deleted gracefully');
    await waitFor('pod gone', async () => (await c.pods.list({ namespace: 'default' })).items.every((p) => p.metadata!.name !== 'p1'));
  });

  it('leaves pods bound to other nodes alone', async () => {
    const c = api.client();
    await c.pods.create(Pod.fromPartial({ metadata: { name: 'p2' }, spec: { containers: [{ name: 'c', image: 'x:1' }] } }));
    await c.pods.bind('p2', 'real-node-elsewhere');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal((await c.pods.get('p2')).status!.phase, 'Pending');
  });
});
