// Priority and preemption with a real apiserver and hollow nodes: the built-in PriorityClasses,
// the Priority admission, a high-priority pod preempting a low-priority one on a full node (the
// node nominated, the victim deleted with DisruptionTarget, the preemptor bound), a
// PodDisruptionBudget steering preemption to the unprotected pod, a preemptor whose required
// anti-affinity only the victim's removal satisfies, and a gated pod that waits with
// SchedulingGated until its gate is removed.
import { strict as assert } from 'node:assert';
import { Pod } from '../../../lib/gen/kite/core/v1/types';
import { PodDisruptionBudget } from '../../../lib/gen/kite/policy/v1/types';
import { PriorityClass } from '../../../lib/gen/kite/scheduling/v1/types';
import { HollowNodes } from '../../../services/kubelet/hollow/hollow-nodes';
import { runScheduler } from '../../../services/scheduler/app';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';

describe('scheduler priority, preemption and gates with hollow nodes (against a real apiserver)', () => {
  let api: TestApiserver;
  const ac = new AbortController();
  const runs: Promise<void>[] = [];
  const events: { pod: string; reason: string; message: string }[] = [];

  before(async () => {
    api = await startTestApiserver();
    const c = api.client();
    const hollow = new HollowNodes(c, { count: 2, namePrefix: 'pe-', capacity: { cpu: '1', memory: '4Gi', pods: '110' } });
    runs.push(hollow.run(ac.signal));
    await waitFor('2 nodes', async () => (await c.nodes.list()).items.length === 2);
    for (const [name, value] of [['low', 10], ['high', 1000]] as const) await c.priorityClasses.create(PriorityClass.fromPartial({ metadata: { name }, value }));
    runs.push(
      runScheduler(c, { event: (pod, _type, reason, message) => events.push({ pod: pod.metadata!.name!, reason, message }) }, ac.signal, {
        initialBackoffMs: 100,
        maxBackoffMs: 500,
      }),
    );
  });

  after(async () => {
    ac.abort();
    await Promise.all(runs);
    await api.stop();
  });

  const pod = (name: string, priorityClassName: string, cpu: string, labels: Record<string, string> = {}) =>
    Pod.fromPartial({ metadata: { name, labels }, spec: { priorityClassName, containers: [{ name: 'c', image: 'nginx:1.22', resources: { requests: { cpu } } }] } });

  it('has the built-in classes and resolves a pod priority from its class, refusing an unknown class', async () => {
    const c = api.client();
    const classes = (await c.priorityClasses.list()).items.map((pc) => [pc.metadata!.name, pc.value, pc.preemptionPolicy]);
    assert.deepEqual(classes.filter(([n]) => String(n).startsWith('system-')), [
      ['system-cluster-critical', 2000000000, 'PreemptLowerPriority'],
      ['system-node-critical', 2000001000, 'PreemptLowerPriority'],
    ]);
    await assert.rejects(c.pods.create(pod('nameless', 'gold', '10m')), /no PriorityClass with name gold was found/);
  });

  it('preempts the unprotected low-priority pod on a full node and binds the high-priority one there', async () => {
    const c = api.client();
    // A budget with no disruption allowed guards low-0: preemption must take low-1.
    await c.podDisruptionBudgets.create(PodDisruptionBudget.fromPartial({ metadata: { name: 'guard' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } } }));
    await c.pods.create(pod('low-0', 'low', '800m', { app: 'guarded' }));
    await waitFor('low-0 running', async () => (await c.pods.get('low-0')).status!.phase === 'Running');
    await c.pods.create(pod('low-1', 'low', '800m', { app: 'free' }));
    const victim = await waitFor('low-1 running', async () => {
      const p = await c.pods.get('low-1');
      return p.status!.phase === 'Running' ? p : undefined;
    });
    assert.notEqual(victim.spec!.nodeName, (await c.pods.get('low-0')).spec!.nodeName);
    await c.pods.create(pod('urgent', 'high', '800m'));
    const nominated = await waitFor('urgent nominated', async () => (await c.pods.get('urgent')).status!.nominatedNodeName || undefined);
    assert.equal(nominated, victim.spec!.nodeName);
    const bound = await waitFor('urgent bound', async () => (await c.pods.get('urgent')).spec!.nodeName || undefined);
    assert.equal(bound, victim.spec!.nodeName);
    await waitFor('low-1 gone', async () => !(await c.pods.list({ namespace: 'default' })).items.some((p) => p.metadata!.name === 'low-1'));
    assert.ok(!(await c.pods.get('low-0')).metadata!.deletionTimestamp, 'the guarded pod stays');
    const urgent = await c.pods.get('urgent');
    assert.equal(urgent.spec!.priority, 1000);
    assert.ok(events.some((e) => e.pod === 'low-1' && e.reason === 'Preempted' && e.message === `Preempted by pod ${urgent.metadata!.uid} on node ${bound}`));
    assert.ok(events.some((e) => e.pod === 'urgent' && e.reason === 'FailedScheduling' && e.message === '0/2 nodes are available: 2 Insufficient cpu.'));
  });

  it('preempts the low-priority pod that the preemptor\'s required anti-affinity refuses on every node', async () => {
    const c = api.client();
    await c.pods.create(pod('aa-low', 'low', '10m', { app: 'aa' }));
    await waitFor('aa-low bound', async () => !!(await c.pods.get('aa-low')).spec!.nodeName);
    const urgent = pod('aa-urgent', 'high', '10m');
    // Every hollow node has this label with the same value: one domain, which aa-low occupies.
    urgent.spec!.affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { app: 'aa' }, matchExpressions: [] }, topologyKey: 'kite.io/hollow-node', namespaces: [], matchLabelKeys: [], mismatchLabelKeys: [] },
        ],
        preferredDuringSchedulingIgnoredDuringExecution: [],
      },
    };
    await c.pods.create(urgent);
    await waitFor('aa-urgent bound', async () => !!(await c.pods.get('aa-urgent')).spec!.nodeName);
    await waitFor('aa-low gone', async () => !(await c.pods.list({ namespace: 'default' })).items.some((p) => p.metadata!.name === 'aa-low'));
    assert.ok(events.some((e) => e.pod === 'aa-low' && e.reason === 'Preempted'));
    assert.ok(events.some((e) => e.pod === 'aa-urgent' && e.reason === 'FailedScheduling' && e.message === "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules."));
  });

  it('keeps a gated pod Pending with SchedulingGated until its gate is removed', async () => {
    const c = api.client();
    const gated = pod('gated', 'low', '10m');
    gated.spec!.schedulingGates = [{ name: 'example.com/hold' }];
    await c.pods.create(gated);
    // A pod created after it is scheduled first: the scheduler saw the gated pod and left it.
    await c.pods.create(pod('after', 'low', '10m'));
    await waitFor('after bound', async () => !!(await c.pods.get('after')).spec!.nodeName);
    const waiting = await c.pods.get('gated');
    assert.equal(waiting.spec!.nodeName, '');
    const cond = waiting.status!.conditions.find((k) => k.type === 'PodScheduled')!;
    assert.deepEqual([cond.status, cond.reason, cond.message], ['False', 'SchedulingGated', 'Scheduling is blocked due to non-empty scheduling gates']);
    waiting.spec!.schedulingGates = [];
    await c.pods.update(waiting);
    await waitFor('gated bound', async () => !!(await c.pods.get('gated')).spec!.nodeName);
  });
});
