import { strict as assert } from 'node:assert';
import { CycleState } from '../../../../services/scheduler/framework/cycle-state';
import { PodInfo } from '../../../../services/scheduler/framework/pod-info';
import { Code } from '../../../../services/scheduler/framework/status';
import {
  fitsRequest,
  leastAllocatedScore,
  leastRequestedScore,
  NodeResourcesFit,
} from '../../../../services/scheduler/plugins/node-resources-fit';
import { makeNode, makePod, nodeInfoOf } from '../fixtures';

describe('NodeResourcesFit', () => {
  const cases: { name: string; pod: ReturnType<typeof makePod>; node: ReturnType<typeof nodeInfoOf>; reasons: string[] }[] = [
    { name: 'fits an empty node', pod: makePod('p', { cpu: '1', memory: '1Gi' }), node: nodeInfoOf(makeNode('n', { cpu: '2', memory: '2Gi' })), reasons: [] },
    {
      name: 'fits exactly the remaining room',
      pod: makePod('p', { cpu: '500m', memory: '1Gi' }),
      node: nodeInfoOf(makeNode('n', { cpu: '1', memory: '2Gi' }), makePod('a', { cpu: '500m', memory: '1Gi' })),
      reasons: [],
    },
    {
      name: 'counts requests of pods already on the node',
      pod: makePod('p', { cpu: '600m' }),
      node: nodeInfoOf(makeNode('n', { cpu: '1' }), makePod('a', { cpu: '500m' })),
      reasons: ['Insufficient cpu'],
    },
    {
      name: 'reports memory',
      pod: makePod('p', { memory: '3Gi' }),
      node: nodeInfoOf(makeNode('n', { memory: '2Gi' })),
      reasons: ['Insufficient memory'],
    },
    {
      name: 'reports every shortage, pods first',
      pod: makePod('p', { cpu: '3', memory: '3Gi' }),
      node: nodeInfoOf(makeNode('n', { cpu: '2', memory: '2Gi', pods: '1' }), makePod('a')),
      reasons: ['Too many pods', 'Insufficient cpu', 'Insufficient memory'],
    },
    {
      name: 'a pod without requests needs only a pod slot',
      pod: makePod('p'),
      node: nodeInfoOf(makeNode('n', { cpu: '1', memory: '1Gi' }), makePod('a', { cpu: '1', memory: '1Gi' })),
      reasons: [],
    },
    {
      name: 'init containers: the largest counts when above the containers sum',
      pod: makePod('p', { cpu: '100m', initCpu: ['1500m', '200m'] }),
      node: nodeInfoOf(makeNode('n', { cpu: '1' })),
      reasons: ['Insufficient cpu'],
    },
    {
      name: 'init containers: the containers sum counts when larger',
      pod: makePod('p', { cpu: '900m', initCpu: ['100m'] }),
      node: nodeInfoOf(makeNode('n', { cpu: '1' })),
      reasons: [],
    },
    {
      name: 'pods capacity',
      pod: makePod('p'),
      node: nodeInfoOf(makeNode('n', { pods: '2' }), makePod('a'), makePod('b')),
      reasons: ['Too many pods'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(fitsRequest(PodInfo.of(c.pod).requests, c.node), c.reasons);
      const s = new NodeResourcesFit().filter(new CycleState(), PodInfo.of(c.pod), c.node);
      assert.equal(s.code, c.reasons.length ? Code.Unschedulable : Code.Success);
      assert.deepEqual(s.reasons, c.reasons);
    });
  }

  it('scores LeastAllocated as Kubernetes does', () => {
    assert.equal(leastRequestedScore(0, 4000), 100);
    assert.equal(leastRequestedScore(1000, 4000), 75);
    assert.equal(leastRequestedScore(3000, 3001), 0);
    assert.equal(leastRequestedScore(5000, 4000), 0);
    assert.equal(leastRequestedScore(10, 0), 0);
    // cpu: (4000-1000-1000)*100/4000 = 50; memory: (8Gi-1Gi-1Gi)/8Gi = 75 -> (50+75)/2 = 62
    const node = nodeInfoOf(makeNode('n', { cpu: '4', memory: '8Gi' }), makePod('a', { cpu: '1', memory: '1Gi' }));
    const pod = PodInfo.of(makePod('p', { cpu: '1', memory: '1Gi' }));
    assert.equal(leastAllocatedScore(pod, node, 1, 1), 62);
    assert.equal(leastAllocatedScore(pod, node, 1, 0), 50);
    assert.equal(new NodeResourcesFit({ scoringStrategy: { resources: [{ name: 'memory', weight: 1 }] } }).score(new CycleState(), pod, node), 75);
  });

  it('scores pods without requests with the default non-zero requests', () => {
    // 100m of 1000m and 200Mi of 1000Mi used after placement: (90 + 80) / 2
    const node = nodeInfoOf(makeNode('n', { cpu: '1', memory: '1000Mi' }));
    assert.equal(new NodeResourcesFit().score(new CycleState(), PodInfo.of(makePod('p')), node), 85);
  });

  it('prefers the emptier node', () => {
    const busy = nodeInfoOf(makeNode('busy'), makePod('a', { cpu: '2', memory: '4Gi' }));
    const idle = nodeInfoOf(makeNode('idle'));
    const pod = PodInfo.of(makePod('p', { cpu: '500m', memory: '512Mi' }));
    const plugin = new NodeResourcesFit();
    assert.ok(plugin.score(new CycleState(), pod, idle) > plugin.score(new CycleState(), pod, busy));
  });
});

describe('NodeResourcesFit: edges', () => {
  it('the last free pod slot fits', () => {
    assert.deepEqual(fitsRequest(PodInfo.of(makePod('p')).requests, nodeInfoOf(makeNode('n', { pods: '2' }), makePod('a'))), []);
  });

  it('a pod requesting no cpu or memory fits a node already overcommitted by bound pods', () => {
    // pods bound by nodeName bypass the scheduler and may exceed allocatable
    const node = nodeInfoOf(makeNode('n', { cpu: '1', memory: '1Gi' }), makePod('a', { cpu: '2', memory: '2Gi' }));
    assert.deepEqual(fitsRequest(PodInfo.of(makePod('p')).requests, node), []);
  });

  it('counts memory already requested on the node', () => {
    const node = nodeInfoOf(makeNode('n', { memory: '4Gi' }), makePod('a', { memory: '3Gi' }));
    assert.deepEqual(fitsRequest(PodInfo.of(makePod('p', { memory: '2Gi' })).requests, node), ['Insufficient memory']);
  });

  it('scores 0 for a resource the node has none of', () => {
    assert.equal(leastRequestedScore(0, 0), 0);
  });

  it('scores 0 when no resource has weight', () => {
    const node = nodeInfoOf(makeNode('n'));
    const pod = PodInfo.of(makePod('p', { cpu: '1' }));
    assert.equal(leastAllocatedScore(pod, node, 0, 0), 0);
    assert.equal(new NodeResourcesFit({ scoringStrategy: { resources: [] } }).score(new CycleState(), pod, node), 0);
  });

  it('weighs each resource with its own configured weight', () => {
    // cpu 50, memory 75 (as above)
    const node = nodeInfoOf(makeNode('n', { cpu: '4', memory: '8Gi' }), makePod('a', { cpu: '1', memory: '1Gi' }));
    const pod = PodInfo.of(makePod('p', { cpu: '1', memory: '1Gi' }));
    const score = (resources: { name: 'cpu' | 'memory'; weight: number }[]) =>
      new NodeResourcesFit({ scoringStrategy: { resources } }).score(new CycleState(), pod, node);
    assert.equal(score([{ name: 'cpu', weight: 1 }]), 50);
    // (50 * 1 + 75 * 3) / 4
    assert.equal(score([{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 3 }]), 68);
  });
});
