import { strict as assert } from 'node:assert';
import { FakeClock } from '../../support/fake-clock';
import { SchedulerCache } from '../../../services/scheduler/cache/scheduler-cache';
import { FitError, NoNodesAvailableError } from '../../../services/scheduler/fit-error';
import { CycleState } from '../../../services/scheduler/framework/cycle-state';
import { Framework } from '../../../services/scheduler/framework/framework';
import { PodInfo } from '../../../services/scheduler/framework/pod-info';
import { defaultProfile, inTreeRegistry } from '../../../services/scheduler/plugins';
import { SchedulingAlgorithm } from '../../../services/scheduler/schedule-pod';
import { FakeBackend, makeNode, makePod } from './fixtures';

function setup(nodes: number, percentageOfNodesToScore = 0) {
  const cache = new SchedulerCache(new FakeClock());
  for (let i = 0; i < nodes; i++) cache.addNode(makeNode(`n${i}`));
  const fwk = new Framework({ ...defaultProfile(), percentageOfNodesToScore }, inTreeRegistry(), { backend: new FakeBackend() });
  return { cache, fwk, algo: new SchedulingAlgorithm(cache, () => 0) };
}

describe('SchedulingAlgorithm', () => {
  it('stops filtering after numFeasibleNodesToFind and resumes where it stopped', () => {
    const { fwk, algo } = setup(250);
    const pod = PodInfo.of(makePod('p'));
    // 250 nodes: 50 - 250/125 = 48% -> 120 nodes per cycle.
    const r1 = algo.schedulePod(fwk, new CycleState(), pod);
    assert.deepEqual([r1.evaluatedNodes, r1.feasibleNodes], [120, 120]);
    const r2 = algo.schedulePod(fwk, new CycleState(), pod);
    assert.equal(r2.evaluatedNodes, 120);
    // With every node equal and rng() = 0, the last tie wins: the window moved by 120 nodes.
    assert.equal(r1.nodeName, 'n119');
    assert.equal(r2.nodeName, 'n239');
    const r3 = algo.schedulePod(fwk, new CycleState(), pod);
    assert.equal(r3.nodeName, 'n109', 'wraps around: n240..n249 then n0..n109');
  });

  it('counts rejected nodes towards the evaluated window', () => {
    const { cache, fwk, algo } = setup(200, 50);
    for (let i = 0; i < 10; i++) cache.updateNode(makeNode(`n${i}`, { unschedulable: true }));
    const r = algo.schedulePod(fwk, new CycleState(), PodInfo.of(makePod('p')));
    assert.deepEqual([r.evaluatedNodes, r.feasibleNodes], [110, 100]);
  });

  it('evaluates every node when none fits and reports each rejection', () => {
    const { fwk, algo } = setup(150);
    assert.throws(
      () => algo.schedulePod(fwk, new CycleState(), PodInfo.of(makePod('big', { cpu: '5' }))),
      (e: unknown) => e instanceof FitError && e.message === '0/150 nodes are available: 150 Insufficient cpu.' && e.diagnosis.unschedulablePlugins.has('NodeResourcesFit'),
    );
  });

  it('fails without nodes', () => {
    const { fwk, algo } = setup(0);
    assert.throws(() => algo.schedulePod(fwk, new CycleState(), PodInfo.of(makePod('p'))), NoNodesAvailableError);
  });

  it('picks the best-scored node', () => {
    const { cache, fwk, algo } = setup(3);
    cache.addPod(PodInfo.of(makePod('a', { cpu: '2', nodeName: 'n0' })));
    cache.addPod(PodInfo.of(makePod('b', { cpu: '1', nodeName: 'n2' })));
    assert.equal(algo.schedulePod(fwk, new CycleState(), PodInfo.of(makePod('p', { cpu: '1' }))).nodeName, 'n1');
  });

  it('breaks ties at random among the best nodes', () => {
    const seen = new Set<string>();
    for (const r of [0, 0.49, 0.99]) {
      const { fwk, cache } = setup(2);
      const algo = new SchedulingAlgorithm(cache, () => r);
      seen.add(algo.schedulePod(fwk, new CycleState(), PodInfo.of(makePod('p'))).nodeName);
    }
    assert.deepEqual([...seen].sort(), ['n0', 'n1']);
  });
});
