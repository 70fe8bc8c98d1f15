import { strict as assert } from 'node:assert';
import { CycleState } from '../../../../services/scheduler/framework/cycle-state';
import { PodInfo } from '../../../../services/scheduler/framework/pod-info';
import { BalancedAllocation, balancedResourceScore } from '../../../../services/scheduler/plugins/balanced-allocation';
import { makeNode, makePod, nodeInfoOf } from '../fixtures';

describe('NodeResourcesBalancedAllocation', () => {
  const cases: [number[], number[], number][] = [
    [[1000, 2 ** 30], [4000, 4 * 2 ** 30], 100], // 25% and 25%
    [[3000, 2 ** 30], [4000, 4 * 2 ** 30], 75], // 75% and 25%: std 0.25
    [[8000, 0], [4000, 4 * 2 ** 30], 50], // cpu capped at 100%
    [[1000, 2 ** 30], [0, 4 * 2 ** 30], 100], // resources the node lacks are skipped
    [[500, 200, 300], [1000, 1000, 1000], 87], // three resources: std of 0.5, 0.2, 0.3 = 0.1247
  ];
  for (const [requested, allocatable, want] of cases) {
    it(`requested ${requested} of ${allocatable} -> ${want}`, () => {
      assert.equal(balancedResourceScore(requested, allocatable), want);
    });
  }

  it('uses actual requests including the pod being placed', () => {
    const node = nodeInfoOf(makeNode('n', { cpu: '4', memory: '4Gi' }), makePod('a', { cpu: '2', memory: '0' }));
    const pod = PodInfo.of(makePod('p', { cpu: '1', memory: '1Gi' }));
    // cpu 3/4 = 0.75, memory 1/4 = 0.25 -> 75
    assert.equal(new BalancedAllocation().score(new CycleState(), pod, node), 75);
  });
});

describe('NodeResourcesBalancedAllocation: nodes without cpu or memory', () => {
  it('scores a node with no allocatable resources as balanced', () => {
    assert.equal(balancedResourceScore([1000, 2 ** 30], [0, 0]), 100);
  });

  it('leaves out the resource the node has none of', () => {
    const pod = PodInfo.of(makePod('p', { cpu: '1', memory: '1Gi' }));
    // only memory counts (1/4): one fraction has no deviation
    const noCpu = nodeInfoOf(makeNode('n', { cpu: '0', memory: '4Gi' }));
    assert.equal(new BalancedAllocation().score(new CycleState(), pod, noCpu), 100);
    const noMemory = nodeInfoOf(makeNode('m', { cpu: '4', memory: '0' }));
    assert.equal(new BalancedAllocation().score(new CycleState(), pod, noMemory), 100);
  });
});
