// The scheduler around preemption: a failed high-priority pod nominates a node (status
// nominatedNodeName through the backend), its victims are evicted, and it binds there once they
// are gone; lower-priority pods do not take the room kept for a nominated pod. The PreFilter
// extensions: removing a victim can satisfy the preemptor's anti-affinity or spread constraint,
// and a nominated pod counts for another pod's anti-affinity.
import { strict as assert } from 'node:assert';
import { FakeClock } from '../../support/fake-clock';
import { Nominator } from '../../../services/scheduler/nominator';
import { Scheduler } from '../../../services/scheduler/scheduler';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import { bound, FakeBackend, makeNode, makePod, type PodOpts } from './fixtures';

/** Required anti-affinity against the pods labelled app=`app`, by `topologyKey`. */
function antiAffinity(app: string, topologyKey = 'kubernetes.io/hostname') {
  const term = { labelSelector: { matchLabels: { app }, matchExpressions: [] }, topologyKey, namespaces: [], matchLabelKeys: [], mismatchLabelKeys: [] };
  return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term], preferredDuringSchedulingIgnoredDuringExecution: [] } };
}

/** A pod with one DoNotSchedule zone constraint of maxSkew 1 over the pods labelled app=`app`. */
function zoneSpread(name: string, app: string, o: PodOpts): Pod {
  const pod = makePod(name, { ...o, labels: { app } });
  pod.spec!.topologySpreadConstraints = [
    { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app }, matchExpressions: [] }, matchLabelKeys: [] },
  ];
  return pod;
}

function setup() {
  const clock = new FakeClock();
  const backend = new FakeBackend();
  const sched = new Scheduler({ backend, clock, rng: () => 0, queue: { initialBackoffMs: 1, maxBackoffMs: 1 } });
  backend.onBind = (pod, node) => sched.updatePod(pod, bound(pod, node));
  return { clock, backend, sched };
}

async function drain(sched: Scheduler): Promise<void> {
  while (sched.queue.pending().active > 0) await sched.scheduleOne();
  await sched.waitForBindings();
  await new Promise((r) => setImmediate(r));
}

describe('Scheduler preemption', () => {
  it('nominates a node, evicts the lower-priority pod there and binds the preemptor once it is gone', async () => {
    const { clock, backend, sched } = setup();
    sched.addNode(makeNode('n1', { cpu: '1' }));
    const victim = makePod('low', { cpu: '1', priority: 1, nodeName: 'n1' });
    sched.addPod(victim);
    const urgent = makePod('urgent', { cpu: '1', priority: 1000 });
    sched.addPod(urgent);
    await drain(sched);
    assert.deepEqual(backend.binds, []);
    assert.deepEqual(backend.preempted.map((p) => p.pod), ['default/low']);
    const cond = backend.conditions.find((c) => c.pod === 'default/urgent')!;
    assert.equal(cond.nominatedNodeName, 'n1');
    assert.equal(cond.condition.message, '0/1 nodes are available: 1 Insufficient cpu.');
    // A lower-priority pod created meanwhile must not take the room kept for the nominated pod.
    clock.step(10);
    sched.deletePod(victim);
    sched.addPod(makePod('later', { cpu: '1', priority: 5 }));
    sched.updatePod(urgent, { ...urgent, status: { ...urgent.status!, nominatedNodeName: 'n1' } });
    clock.step(10);
    await drain(sched);
    assert.deepEqual(backend.binds, [{ pod: 'default/urgent', node: 'n1' }]);
  });

  it('keeps the room of a nominated pod from lower-priority pods', async () => {
    const { backend, sched } = setup();
    sched.addNode(makeNode('n1', { cpu: '1' }));
    sched.addPod(makePod('waiting', { cpu: '1', priority: 100, nominatedNodeName: 'n1', schedulingGates: ['example.com/hold'] }));
    sched.addPod(makePod('low', { cpu: '1', priority: 1 }));
    await drain(sched);
    assert.deepEqual(backend.binds, []);
    assert.match(backend.events.find((e) => e.pod === 'default/low')!.message, /^0\/1 nodes are available: 1 Insufficient cpu\./);
  });

  it('does not preempt for a pod with preemptionPolicy Never', async () => {
    const { backend, sched } = setup();
    sched.addNode(makeNode('n1', { cpu: '1' }));
    sched.addPod(makePod('low', { cpu: '1', priority: 1, nodeName: 'n1' }));
    sched.addPod(makePod('polite', { cpu: '1', priority: 1000, preemptionPolicy: 'Never' }));
    await drain(sched);
    assert.deepEqual(backend.preempted, []);
    assert.equal(backend.events.find((e) => e.pod === 'default/polite')!.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..');
  });

  it("preempts the lower-priority pod that the preemptor's required anti-affinity refuses, keeping the others (PreFilter RemovePod/AddPod)", async () => {
    const { backend, sched } = setup();
    sched.addNode(makeNode('n1', { cpu: '4' }));
    sched.addPod(makePod('db', { cpu: '1', priority: 1, nodeName: 'n1', labels: { app: 'db' } }));
    sched.addPod(makePod('web', { cpu: '1', priority: 1, nodeName: 'n1', labels: { app: 'web' } }));
    sched.addPod(makePod('urgent', { cpu: '1', priority: 1000, affinity: antiAffinity('db') }));
    await drain(sched);
    assert.deepEqual(backend.preempted.map((p) => p.pod), ['default/db']);
    const cond = backend.conditions.find((c) => c.pod === 'default/urgent')!;
    assert.equal(cond.nominatedNodeName, 'n1');
    assert.equal(cond.condition.message, "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules.");
  });

  it("preempts one pod of the crowded zone when that satisfies the preemptor's topology spread constraint", async () => {
    const { backend, sched } = setup();
    sched.addNode(makeNode('a1', { cpu: '4', labels: { zone: 'a' } }));
    sched.addNode(makeNode('b1', { cpu: '1', labels: { zone: 'b' } }));
    for (const name of ['low-1', 'low-2']) sched.addPod(makePod(name, { cpu: '1', priority: 1, nodeName: 'a1', labels: { app: 'web' } }));
    sched.addPod(makePod('high', { cpu: '1', priority: 2000, nodeName: 'b1', labels: { app: 'web' } }));
    sched.addPod(zoneSpread('urgent', 'web', { cpu: '1', priority: 1000 }));
    await drain(sched);
    // Zone a holds 2, zone b 1: with one of a's pods gone the skew is 1 again.
    assert.equal(backend.preempted.length, 1);
    assert.match(backend.preempted[0].pod, /^default\/low-[12]$/);
    assert.equal(backend.conditions.find((c) => c.pod === 'default/urgent')!.nominatedNodeName, 'a1');
  });

  it('counts a nominated pod for the required anti-affinity of a lower-priority pod (PreFilter AddPod)', async () => {
    const { backend, sched } = setup();
    sched.addNode(makeNode('n1', { cpu: '4' }));
    sched.addPod(makePod('waiting', { cpu: '1', priority: 100, labels: { app: 'db' }, nominatedNodeName: 'n1', schedulingGates: ['example.com/hold'] }));
    sched.addPod(makePod('low', { cpu: '1', priority: 1, affinity: antiAffinity('db') }));
    await drain(sched);
    assert.deepEqual(backend.binds, []);
    assert.match(backend.events.find((e) => e.pod === 'default/low')!.message, /^0\/1 nodes are available: 1 node\(s\) didn't match pod anti-affinity rules\./);
  });

  it('schedules a gated pod only after its gates are removed', async () => {
    const { backend, sched } = setup();
    sched.addNode(makeNode('n1'));
    const gated = makePod('g', { schedulingGates: ['example.com/hold'] });
    sched.addPod(gated);
    await drain(sched);
    assert.deepEqual([backend.binds, backend.events, backend.conditions], [[], [], []]);
    sched.updatePod(gated, makePod('g'));
    await drain(sched);
    assert.deepEqual(backend.binds, [{ pod: 'default/g', node: 'n1' }]);
  });
});

describe('Nominator', () => {
  it('keeps a fresh nomination through updates that carry none, and follows the status otherwise', () => {
    const n = new Nominator();
    const p = makePod('p', { priority: 10 });
    n.addNominatedPod(p, 'n1');
    const labeled = makePod('p', { priority: 10, labels: { a: 'b' } });
    n.updateFromPod(labeled, p);
    assert.equal(n.nominatedNodeName(labeled), 'n1');
    n.updateFromPod(makePod('p', { nominatedNodeName: 'n2' }), labeled);
    assert.deepEqual([n.nominatedPodsForNode('n1').length, n.nominatedPodsForNode('n2').length], [0, 1]);
    n.updateFromPod(makePod('p'), makePod('p', { nominatedNodeName: 'n2' }));
    assert.equal(n.nominatedNodeName(p), '');
  });
});
