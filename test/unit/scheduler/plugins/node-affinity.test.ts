import { strict as assert } from 'node:assert';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { CycleState } from '../../../../services/scheduler/framework/cycle-state';
import { PodInfo } from '../../../../services/scheduler/framework/pod-info';
import { Code } from '../../../../services/scheduler/framework/status';
import { ERR_REASON_AFFINITY, NodeAffinity, preferredAffinityScore } from '../../../../services/scheduler/plugins/node-affinity';
import { fitsNodeAffinity, matchesFieldRequirement, matchesRequirement } from '../../../../lib/api/node-selector';
import { makeNode, makePod, nodeInfoOf } from '../fixtures';

const labels = { zone: 'a', disk: 'ssd', cores: '8', 'kubernetes.io/hostname': 'n1' };

function required(...terms: { matchExpressions?: any[]; matchFields?: any[] }[]) {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: terms.map((t) => ({ matchExpressions: t.matchExpressions ?? [], matchFields: t.matchFields ?? [] })),
      },
      preferredDuringSchedulingIgnoredDuringExecution: [],
    },
  };
}

describe('NodeAffinity', () => {
  const requirements: [string, string, string[], boolean][] = [
    ['zone', 'In', ['a', 'b'], true],
    ['zone', 'In', ['b'], false],
    ['missing', 'In', ['a'], false],
    ['zone', 'NotIn', ['b'], true],
    ['zone', 'NotIn', ['a'], false],
    ['missing', 'NotIn', ['a'], true],
    ['disk', 'Exists', [], true],
    ['missing', 'Exists', [], false],
    ['missing', 'DoesNotExist', [], true],
    ['disk', 'DoesNotExist', [], false],
    ['cores', 'Gt', ['4'], true],
    ['cores', 'Gt', ['8'], false],
    ['cores', 'Lt', ['16'], true],
    ['cores', 'Lt', ['8'], false],
    ['zone', 'Gt', ['1'], false],
    ['cores', 'Gt', ['x'], false],
    ['cores', 'Gt', ['1', '2'], false],
    ['missing', 'Lt', ['1'], false],
    ['zone', 'Bogus', ['a'], false],
  ];
  for (const [key, operator, values, want] of requirements) {
    it(`${key} ${operator} ${JSON.stringify(values)} -> ${want}`, () => {
      assert.equal(matchesRequirement({ key, operator, values }, labels), want);
    });
  }

  const fits: { name: string; pod: ReturnType<typeof makePod>; want: boolean }[] = [
    { name: 'no constraints', pod: makePod('p'), want: true },
    { name: 'nodeSelector matches', pod: makePod('p', { nodeSelector: { zone: 'a', disk: 'ssd' } }), want: true },
    { name: 'nodeSelector needs every label', pod: makePod('p', { nodeSelector: { zone: 'a', disk: 'hdd' } }), want: false },
    { name: 'nodeSelector on a missing label', pod: makePod('p', { nodeSelector: { gpu: 'true' } }), want: false },
    {
      name: 'terms are ORed',
      pod: makePod('p', { affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }, { matchExpressions: [{ key: 'disk', operator: 'Exists', values: [] }] }) }),
      want: true,
    },
    {
      name: 'expressions in a term are ANDed',
      pod: makePod('p', {
        affinity: required({
          matchExpressions: [
            { key: 'zone', operator: 'In', values: ['a'] },
            { key: 'disk', operator: 'In', values: ['hdd'] },
          ],
        }),
      }),
      want: false,
    },
    { name: 'an empty term matches nothing', pod: makePod('p', { affinity: required({}) }), want: false },
    { name: 'matchFields metadata.name In', pod: makePod('p', { affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }) }), want: true },
    { name: 'matchFields metadata.name NotIn', pod: makePod('p', { affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }) }), want: false },
    { name: 'matchFields on another field', pod: makePod('p', { affinity: required({ matchFields: [{ key: 'metadata.uid', operator: 'In', values: ['n1'] }] }) }), want: false },
    {
      name: 'nodeSelector and affinity must both match',
      pod: makePod('p', { nodeSelector: { zone: 'b' }, affinity: required({ matchExpressions: [{ key: 'disk', operator: 'Exists', values: [] }] }) }),
      want: false,
    },
  ];
  for (const c of fits) {
    it(`filter: ${c.name}`, () => {
      assert.equal(fitsNodeAffinity(c.pod, 'n1', labels), c.want);
      const plugin = new NodeAffinity();
      const node = nodeInfoOf(makeNode('n1', { labels }));
      const s = plugin.filter(new CycleState(), PodInfo.of(c.pod), node);
      assert.equal(s.code, c.want ? Code.Success : Code.UnschedulableAndUnresolvable);
      if (!c.want) assert.deepEqual(s.reasons, [ERR_REASON_AFFINITY]);
    });
  }

  it('skips the filter for pods without selector or required affinity', () => {
    const plugin = new NodeAffinity();
    assert.equal(plugin.preFilter(new CycleState(), PodInfo.of(makePod('p'))).code, Code.Skip);
    assert.equal(plugin.preFilter(new CycleState(), PodInfo.of(makePod('p', { nodeSelector: { a: 'b' } }))).code, Code.Success);
  });

  it('scores preferred terms by weight and normalizes to 0..100', () => {
    const preferred = [
      { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }], matchFields: [] } },
      { weight: 30, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }], matchFields: [] } },
    ];
    assert.equal(preferredAffinityScore(preferred, 'n1', { zone: 'a', disk: 'ssd' }), 40);
    assert.equal(preferredAffinityScore(preferred, 'n1', { zone: 'a' }), 10);
    assert.equal(preferredAffinityScore(preferred, 'n1', {}), 0);

    const pod = PodInfo.of(
      makePod('p', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: preferred } } }),
    );
    const plugin = new NodeAffinity();
    const state = new CycleState();
    const nodes = [
      nodeInfoOf(makeNode('both', { labels: { zone: 'a', disk: 'ssd' } })),
      nodeInfoOf(makeNode('zone', { labels: { zone: 'a' } })),
      nodeInfoOf(makeNode('none')),
    ];
    assert.equal(plugin.preScore(state, pod).code, Code.Success);
    const scores = nodes.map((n) => plugin.score(state, pod, n));
    plugin.normalizeScore(state, pod, scores);
    assert.deepEqual(scores, [100, 25, 0]);
    assert.equal(plugin.preScore(new CycleState(), PodInfo.of(makePod('q'))).code, Code.Skip);
  });
});

describe('NodeAffinity: Gt and Lt parse integers as Kubernetes does (strconv.ParseInt)', () => {
  const cases: [string, string, string[], boolean][] = [
    ['+5', 'Gt', ['3'], true], // ParseInt accepts a sign
    ['-5', 'Lt', ['-3'], true],
    ['5', 'Gt', ['+3'], true],
    [' 5', 'Gt', ['3'], false], // no spaces
    ['0x10', 'Gt', ['3'], false], // base 10 only
    ['2.5', 'Gt', ['1'], false], // no fractions, in the label
    ['5', 'Gt', ['1.5'], false], // nor in the requirement
    ['5', 'Lt', ['9', '1'], false], // exactly one value
  ];
  for (const [value, operator, values, want] of cases) {
    it(`label ${JSON.stringify(value)} ${operator} ${JSON.stringify(values)} -> ${want}`, () => {
      assert.equal(matchesRequirement({ key: 'n', operator, values }, { n: value }), want);
    });
  }
});

describe('NodeAffinity: matchFields and partial specs', () => {
  const field = (operator: string, values: string[]) => ({ key: 'metadata.name', operator, values });

  it('matchFields NotIn matches the nodes not named', () => {
    assert.equal(matchesFieldRequirement(field('NotIn', ['n2']), 'n1'), true);
    assert.equal(matchesFieldRequirement(field('NotIn', ['n1']), 'n1'), false);
  });

  it('matchFields supports only In and NotIn', () => {
    assert.equal(matchesFieldRequirement(field('Exists', []), 'n1'), false);
    assert.equal(matchesFieldRequirement(field('DoesNotExist', []), 'n1'), false);
  });

  it('a pod without a spec, or with affinity but no node affinity, fits every node and skips', () => {
    const plugin = new NodeAffinity();
    const noSpec = Pod.fromPartial({ metadata: { name: 'p', namespace: 'default' } });
    const podAffinityOnly = makePod('p', { affinity: { podAffinity: {} } });
    const emptyNodeAffinity = makePod('p', { affinity: { nodeAffinity: {} } });
    for (const pod of [noSpec, podAffinityOnly, emptyNodeAffinity]) {
      assert.equal(fitsNodeAffinity(pod, 'n1', labels), true);
      assert.equal(plugin.preFilter(new CycleState(), PodInfo.of(pod)).code, Code.Skip);
      assert.equal(plugin.preScore(new CycleState(), PodInfo.of(pod)).code, Code.Skip);
    }
  });

  it('runs the filter for required affinity alone', () => {
    const pod = makePod('p', { affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }) });
    assert.equal(new NodeAffinity().preFilter(new CycleState(), PodInfo.of(pod)).code, Code.Success);
  });

  it('a preferred term without a preference matches nothing', () => {
    assert.equal(preferredAffinityScore([{ weight: 5, preference: undefined }], 'n1', labels), 0);
  });

  it("reports kube-scheduler's reason", () => {
    assert.equal(ERR_REASON_AFFINITY, "node(s) didn't match Pod's node affinity/selector");
  });
});
