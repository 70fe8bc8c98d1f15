// Queueing hints and scheduling gates: an event moves an unschedulable pod back only when a plugin
// that rejected it registered the event and its hint says Queue; a gated pod stays out of activeQ
// until an update removes its gates.
import { strict as assert } from 'node:assert';
import { FakeClock } from '../../../support/fake-clock';
import { Framework } from '../../../../services/scheduler/framework/framework';
import { SchedulingQueue } from '../../../../services/scheduler/queue/scheduling-queue';
import { defaultProfile, inTreeRegistry } from '../../../../services/scheduler/plugins';
import { FakeBackend, makeNode, makePod } from '../fixtures';

function setup() {
  const clock = new FakeClock(1000);
  const fwk = new Framework(defaultProfile(), inTreeRegistry(), { backend: new FakeBackend() });
  const q = new SchedulingQueue(clock, {
    isPodWorthRequeuing: (pod, rejectors, event, o, n) => fwk.queueingHints.isPodWorthRequeuing(pod, rejectors, event, o, n),
    preEnqueue: (pod) => fwk.runPreEnqueuePlugins(pod),
    initialBackoffMs: 1,
    maxBackoffMs: 1,
  });
  return { clock, q };
}

/** Adds, pops and fails the pod, rejected by `plugins`. */
async function reject(q: SchedulingQueue, pod: ReturnType<typeof makePod>, plugins: string[]): Promise<void> {
  q.add(pod);
  const p = (await q.pop())!;
  q.addUnschedulableIfNotPresent(p.podInfo.key, q.schedulingCycle(), { error: false, plugins });
  q.done(p.podInfo.key);
}

describe('queueing hints', () => {
  it('moves a pod NodeResourcesFit rejected on a pod deletion or a node big enough, not on a label change or a small node', async () => {
    const { clock, q } = setup();
    await reject(q, makePod('p', { cpu: '2' }), ['NodeResourcesFit']);
    clock.step(10);
    q.moveAllToActiveOrBackoffQueue('NodeLabelChange', makeNode('n1'), makeNode('n1', { labels: { a: 'b' } }));
    q.moveAllToActiveOrBackoffQueue('AssignedPodAdd', undefined, makePod('x', { nodeName: 'n1' }));
    q.moveAllToActiveOrBackoffQueue('NodeAdd', undefined, makeNode('small', { cpu: '1' }));
    assert.equal(q.pending().unschedulable, 1);
    q.moveAllToActiveOrBackoffQueue('NodeAdd', undefined, makeNode('big', { cpu: '4' }));
    assert.deepEqual(q.pending(), { active: 1, backoff: 0, unschedulable: 0, gated: 0 });
    await q.pop();
    q.done('default/p');
    await reject(q, makePod('r', { cpu: '2' }), ['NodeResourcesFit']);
    clock.step(10);
    q.moveAllToActiveOrBackoffQueue('AssignedPodDelete', makePod('gone', { nodeName: 'n1' }));
    assert.equal(q.pending().active, 1);
  });

  it('moves a pod TaintToleration rejected only when a node it tolerates appears or loses the taint', async () => {
    const { clock, q } = setup();
    await reject(q, makePod('p'), ['TaintToleration']);
    clock.step(10);
    const tainted = makeNode('n1', { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] });
    q.moveAllToActiveOrBackoffQueue('NodeAdd', undefined, tainted);
    q.moveAllToActiveOrBackoffQueue('AssignedPodDelete', makePod('gone', { nodeName: 'n1' }));
    assert.equal(q.pending().unschedulable, 1);
    q.moveAllToActiveOrBackoffQueue('NodeTaintChange', tainted, makeNode('n1'));
    assert.equal(q.pending().active, 1);
  });

  it('moves a pod NodeAffinity rejected when a node gets the labels it selects', async () => {
    const { clock, q } = setup();
    await reject(q, makePod('p', { nodeSelector: { disk: 'ssd' } }), ['NodeAffinity']);
    clock.step(10);
    q.moveAllToActiveOrBackoffQueue('NodeLabelChange', makeNode('n1'), makeNode('n1', { labels: { disk: 'hdd' } }));
    assert.equal(q.pending().unschedulable, 1);
    q.moveAllToActiveOrBackoffQueue('NodeLabelChange', makeNode('n1'), makeNode('n1', { labels: { disk: 'ssd' } }));
    assert.equal(q.pending().active, 1);
  });

  it('moves a pod NodePorts rejected when a pod holding its host port goes, and pods rejected by no plugin on any event', async () => {
    const { clock, q } = setup();
    await reject(q, makePod('p', { hostPorts: [8080] }), ['NodePorts']);
    await reject(q, makePod('err'), []);
    clock.step(10);
    q.moveAllToActiveOrBackoffQueue('AssignedPodDelete', makePod('other', { nodeName: 'n1', hostPorts: [9090] }));
    assert.deepEqual(q.pending(), { active: 1, backoff: 0, unschedulable: 1, gated: 0 }, 'only the pod with no rejector moved');
    q.moveAllToActiveOrBackoffQueue('AssignedPodDelete', makePod('holder', { nodeName: 'n1', hostPorts: [8080] }));
    assert.equal(q.pending().active, 2);
  });

  it('moves every pod on the unschedulable timeout, and asks plugins without registrations about every event', async () => {
    const { clock, q } = setup();
    await reject(q, makePod('p', { cpu: '2' }), ['NodeResourcesFit']);
    await reject(q, makePod('o'), ['SomeOutOfTreePlugin']);
    clock.step(10);
    q.moveAllToActiveOrBackoffQueue('NodeLabelChange', makeNode('n1'), makeNode('n1'));
    assert.deepEqual([q.pending().active, q.pending().unschedulable], [1, 1]);
    q.moveAllToActiveOrBackoffQueue('UnschedulableTimeout');
    assert.equal(q.pending().active, 2);
  });
});

describe('scheduling gates', () => {
  it('keeps a gated pod out of activeQ until an update removes its last gate', async () => {
    const { q } = setup();
    const gated = makePod('g', { schedulingGates: ['example.com/a', 'example.com/b'] });
    q.add(gated);
    q.moveAllToActiveOrBackoffQueue('NodeAdd', undefined, makeNode('n1'));
    q.flushUnschedulablePodsLeftover();
    assert.deepEqual(q.pending(), { active: 0, backoff: 0, unschedulable: 0, gated: 1 });
    const one = makePod('g', { schedulingGates: ['example.com/b'] });
    q.update(gated, one);
    assert.equal(q.pending().gated, 1);
    q.update(one, makePod('g'));
    assert.deepEqual(q.pending(), { active: 1, backoff: 0, unschedulable: 0, gated: 0 });
    assert.equal((await q.pop())!.podInfo.key, 'default/g');
  });

  it('forgets a gated pod that is deleted', () => {
    const { q } = setup();
    const gated = makePod('g', { schedulingGates: ['example.com/a'] });
    q.add(gated);
    q.delete(gated);
    assert.equal(q.pending().gated, 0);
  });
});
