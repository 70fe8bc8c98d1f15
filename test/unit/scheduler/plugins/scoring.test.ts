import { strict as assert } from 'node:assert';
import { CycleState } from '../../../../services/scheduler/framework/cycle-state';
import { PodInfo } from '../../../../services/scheduler/framework/pod-info';
import { Code } from '../../../../services/scheduler/framework/status';
import { BalancedAllocation, balancedResourceScore } from '../../../../services/scheduler/plugins/balanced-allocation';
import { normalizeSpreadScores, SelectorSpread } from '../../../../services/scheduler/plugins/selector-spread';
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

describe('SelectorSpread', () => {
  const spread = (counts: number[], zones: string[]) => {
    const scores = [...counts];
    normalizeSpreadScores(scores, zones);
    return scores;
  };

  it('scores nodes with fewer siblings higher', () => {
    assert.deepEqual(spread([0, 1, 2], ['', '', '']), [100, 50, 0]);
    assert.deepEqual(spread([0, 0], ['', '']), [100, 100]);
  });

  it('blends in zone spreading with weight 2/3', () => {
    // zone a holds 2 siblings, zone b none: node score 1/3 + zone score 2/3
    const scores = spread([1, 1, 0], ['r\0a', 'r\0a', 'r\0b']);
    assert.deepEqual(scores, [0, 0, 100]);
    const mixed = spread([2, 0, 0], ['r\0a', 'r\0a', 'r\0b']);
    // node0: 0*1/3 + 0*2/3; node1: 100/3 + 0; node2: 100/3 + 200/3
    assert.deepEqual(mixed, [0, 33, 100]);
  });

  it('counts pods with the same controller, not others', () => {
    const plugin = new SelectorSpread();
    const pod = PodInfo.of(makePod('p', { owner: 'web' }));
    const nodes = [
      nodeInfoOf(makeNode('a'), makePod('w1', { owner: 'web' }), makePod('w2', { owner: 'web' })),
      nodeInfoOf(makeNode('b'), makePod('d1', { owner: 'db' }), makePod('lone')),
      nodeInfoOf(makeNode('c'), makePod('w3', { owner: 'web' })),
    ];
    const state = new CycleState();
    assert.equal(plugin.preScore(state, pod).code, Code.Success);
    const scores = nodes.map((n) => plugin.score(state, pod, n));
    assert.deepEqual(scores, [2, 0, 1]);
    plugin.normalizeScore(state, pod, scores, nodes);
    assert.deepEqual(scores, [0, 100, 50]);
  });

  it('skips pods without a controller', () => {
    assert.equal(new SelectorSpread().preScore(new CycleState(), PodInfo.of(makePod('p'))).code, Code.Skip);
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

describe('SelectorSpread: zones', () => {
  const spread = (counts: number[], zones: string[]) => {
    const scores = [...counts];
    normalizeSpreadScores(scores, zones);
    return scores;
  };

  it('scores zones without siblings fully', () => {
    assert.deepEqual(spread([0, 0], ['r\0a', 'r\0b']), [100, 100]);
  });

  it('leaves nodes without a zone out of the zone totals', () => {
    // zone a holds 1 sibling, zone b none; the zoneless nodes' 3 + 3 do not make a zone
    // node0: (100 * 2/3) / 3 + 0 = 22; node1: 100; nodes 2 and 3: node score 0, no zone score
    assert.deepEqual(spread([1, 0, 3, 3], ['r\0a', 'r\0b', '', '']), [22, 100, 0, 0]);
  });

  it("reads the zones from the nodes' topology labels", () => {
    const plugin = new SelectorSpread();
    const pod = PodInfo.of(makePod('p', { owner: 'web' }));
    const zone = (z: string) => ({ 'topology.kubernetes.io/region': 'r', 'topology.kubernetes.io/zone': z });
    const nodes = [
      nodeInfoOf(makeNode('a1', { labels: zone('a') }), makePod('w1', { owner: 'web' })),
      nodeInfoOf(makeNode('a2', { labels: zone('a') })),
      nodeInfoOf(makeNode('b1', { labels: zone('b') })),
    ];
    const state = new CycleState();
    const scores = nodes.map((n) => plugin.score(state, pod, n));
    plugin.normalizeScore(state, pod, scores, nodes);
    // a2 has no sibling but its zone has one: 100/3; b1 is empty in an empty zone
    assert.deepEqual(scores, [0, 33, 100]);
  });
});
