// PodDisruptionBudgets end to end on a real apiserver, scheduler and hollow nodes: the
// disruption controller's status, pods/eviction using it up and refusing with 429 until the
// replacement pod is Ready, and kitectl drain of a node waiting on the budget.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { TooManyRequestsError } from '../../../lib/api/errors';
import { isPodReady } from '../../../lib/api/pods';
import type { Clientset } from '../../../lib/client/clientset';
import { Deployment } from '../../../lib/gen/kite/apps/v1/types';
import { Namespace, type Pod } from '../../../lib/gen/kite/core/v1/types';
import { PodDisruptionBudget } from '../../../lib/gen/kite/policy/v1/types';
import { startControllerManager, type ControllerManager } from '../../../services/controller-manager/manager';
import { HollowNodes } from '../../../services/kubelet/hollow/hollow-nodes';
import { runScheduler } from '../../../services/scheduler/app';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';
import { kitectl } from '../kitectl/run-kitectl';

describe('PodDisruptionBudget (against a real apiserver, scheduler and hollow nodes)', function () {
  this.timeout(90_000);
  let api: TestApiserver;
  let client: Clientset;
  const stop = new AbortController();
  const runs: Promise<void>[] = [];
  let cm: ControllerManager;
  let ns: string;

  before(async () => {
    api = await startTestApiserver();
    client = api.client();
    runs.push(new HollowNodes(api.client(), { count: 2, namePrefix: 'pdb-node-', leaseRenewIntervalMs: 500 }).run(stop.signal));
    await waitFor('the nodes', async () => (await client.nodes.list()).items.length === 2);
    runs.push(runScheduler(api.client(), { event: () => undefined }, stop.signal, { initialBackoffMs: 100, maxBackoffMs: 500 }));
    cm = startControllerManager({ clientset: api.client(), controllers: ['replicaset', 'deployment', 'disruption', 'garbagecollector'], signal: stop.signal });
    assert.equal(await cm.synced, true);
  });

  after(async () => {
    stop.abort();
    await cm?.done;
    await Promise.all(runs);
    await api?.stop();
  });

  beforeEach(async () => {
    ns = `pdb-${randomBytes(3).toString('hex')}`;
    await client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
  });

  const healthy = async (): Promise<Pod[]> => (await client.pods.list({ namespace: ns, labelSelector: 'app=web' })).items.filter((p) => isPodReady(p) && !p.metadata!.deletionTimestamp);
  const budget = () => client.podDisruptionBudgets.get('web', ns);

  /** A Deployment of 3 and a budget minAvailable 2 over it, once the budget allows one disruption. */
  const guarded = async () => {
    const labels = { app: 'web' };
    const spec = { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'nginx:1.22' }] };
    await client.deployments.create(Deployment.fromPartial({ metadata: { name: 'web', namespace: ns }, spec: { replicas: 3, selector: { matchLabels: labels }, template: { metadata: { labels }, spec } } }));
    await client.podDisruptionBudgets.create(PodDisruptionBudget.fromPartial({ metadata: { name: 'web', namespace: ns }, spec: { minAvailable: 2, selector: { matchLabels: labels } } }));
    await waitFor('3 healthy pods', async () => (await healthy()).length === 3);
    const b = await waitFor('the budget allowing one disruption', async () => ((await budget()).status?.disruptionsAllowed === 1 ? budget() : undefined));
    assert.deepEqual([b.status!.expectedPods, b.status!.desiredHealthy, b.status!.currentHealthy], [3, 2, 3]);
  };

  it('one eviction uses up the budget, the next is refused with 429 until the replacement is Ready', async () => {
    await guarded();
    const [first, second] = await healthy();
    await client.pods.evict(first.metadata!.name, { namespace: ns });
    const after = await budget();
    assert.equal(after.status!.disruptionsAllowed, 0);
    assert.ok(first.metadata!.name in after.status!.disruptedPods || after.status!.currentHealthy === 2);
    await assert.rejects(client.pods.evict(second.metadata!.name, { namespace: ns }), (err: Error) => {
      assert.ok(err instanceof TooManyRequestsError, String(err));
      assert.equal(err.message, "Cannot evict pod as it would violate the pod's disruption budget.");
      assert.match(err.causes[0]?.message ?? '', /^The disruption budget web (needs 2 healthy pods and has 2 currently|is still being processed by the server\.)$/);
      return true;
    });
    await waitFor('the replacement Ready and the budget allowing one again', async () => (await healthy()).length === 3 && (await budget()).status?.disruptionsAllowed === 1);
    await client.pods.evict(second.metadata!.name, { namespace: ns });
  });

  it('kitectl drain of a hollow node evicts its pods within the budget and finishes once replacements are Ready elsewhere', async () => {
    const [drained, other] = ['pdb-node-0', 'pdb-node-1'];
    await kitectl(['--server', api.address, 'cordon', other]);
    await guarded();
    const before = await healthy();
    assert.ok(before.every((p) => p.spec!.nodeName === drained));
    await kitectl(['--server', api.address, 'uncordon', other]);
    let fewest = 3;
    const watching = new AbortController();
    const sampling = (async () => {
      while (!watching.signal.aborted) {
        fewest = Math.min(fewest, (await healthy()).length);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const r = await kitectl(['--server', api.address, 'drain', drained, '--timeout', '60s']);
    watching.abort();
    await sampling;
    await kitectl(['--server', api.address, 'uncordon', drained]);
    assert.equal(r.code, 0, r.err);
    for (const p of before) assert.match(r.out, new RegExp(`^pod/${p.metadata!.name} evicted$`, 'm'));
    assert.match(r.err, /\(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
    assert.ok(fewest >= 2, `a poll saw ${fewest} healthy pods`);
    // The drain ends once the last evicted pod is gone; its replacement becomes Ready after that.
    const now = await waitFor('3 healthy pods on the other node', async () => {
      const ps = await healthy();
      return ps.length === 3 ? ps : undefined;
    }, 30_000, 100);
    assert.ok(now.every((p) => p.spec!.nodeName === other), now.map((p) => p.spec!.nodeName).join(' '));
  });
});
