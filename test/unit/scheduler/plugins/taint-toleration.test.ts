import { strict as assert } from 'node:assert';
import { Pod, type Taint, type Toleration } from '../../../../lib/gen/kite/core/v1/types';
import { CycleState } from '../../../../services/scheduler/framework/cycle-state';
import { PodInfo } from '../../../../services/scheduler/framework/pod-info';
import { Code } from '../../../../services/scheduler/framework/status';
import { toleratesTaint } from '../../../../lib/api/taints';
import { TaintToleration } from '../../../../services/scheduler/plugins/taint-toleration';
import { makeNode, makePod, nodeInfoOf } from '../fixtures';

const taint = (key: string, value: string, effect: string): Taint => ({ key, value, effect, timeAdded: '' });
const tol = (t: Partial<Toleration>): Toleration => ({ key: '', operator: '', value: '', effect: '', ...t });

describe('TaintToleration', () => {
  const matching: [string, Toleration, Taint, boolean][] = [
    ['Equal with same value', tol({ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }), taint('k', 'v', 'NoSchedule'), true],
    ['empty operator means Equal', tol({ key: 'k', value: 'v' }), taint('k', 'v', 'NoExecute'), true],
    ['Equal with another value', tol({ key: 'k', operator: 'Equal', value: 'w' }), taint('k', 'v', 'NoSchedule'), false],
    ['Exists ignores the value', tol({ key: 'k', operator: 'Exists' }), taint('k', 'v', 'NoSchedule'), true],
    ['effect must match when set', tol({ key: 'k', operator: 'Exists', effect: 'NoExecute' }), taint('k', '', 'NoSchedule'), false],
    ['key must match when set', tol({ key: 'j', operator: 'Exists' }), taint('k', '', 'NoSchedule'), false],
    ['empty key with Exists tolerates everything', tol({ operator: 'Exists' }), taint('k', 'v', 'NoExecute'), true],
    ['unknown operator', tol({ key: 'k', operator: 'Like', value: 'v' }), taint('k', 'v', 'NoSchedule'), false],
  ];
  for (const [name, t, tt, want] of matching) {
    it(`toleratesTaint: ${name}`, () => assert.equal(toleratesTaint(t, tt), want));
  }

  const filters: { name: string; taints: Taint[]; tolerations: Toleration[]; reason?: string }[] = [
    { name: 'untainted node', taints: [], tolerations: [] },
    {
      name: 'control-plane NoSchedule taint with an empty value',
      taints: [taint('node-role.kubernetes.io/control-plane', '', 'NoSchedule')],
      tolerations: [],
      reason: 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }',
    },
    { name: 'NoExecute taint', taints: [taint('dedicated', 'infra', 'NoExecute')], tolerations: [], reason: 'node(s) had untolerated taint {dedicated: infra}' },
    { name: 'PreferNoSchedule does not filter', taints: [taint('soft', 'x', 'PreferNoSchedule')], tolerations: [] },
    { name: 'tolerated taint', taints: [taint('dedicated', 'infra', 'NoSchedule')], tolerations: [tol({ key: 'dedicated', value: 'infra', effect: 'NoSchedule' })] },
    {
      name: 'reports the first untolerated taint',
      taints: [taint('a', '1', 'NoSchedule'), taint('b', '2', 'NoSchedule')],
      tolerations: [tol({ key: 'a', operator: 'Exists' })],
      reason: 'node(s) had untolerated taint {b: 2}',
    },
  ];
  for (const c of filters) {
    it(`filter: ${c.name}`, () => {
      const node = nodeInfoOf(makeNode('n', { taints: c.taints }));
      const s = new TaintToleration().filter(new CycleState(), PodInfo.of(makePod('p', { tolerations: c.tolerations })), node);
      assert.equal(s.code, c.reason ? Code.UnschedulableAndUnresolvable : Code.Success);
      assert.deepEqual(s.reasons, c.reason ? [c.reason] : []);
    });
  }

  it('scores fewer untolerated PreferNoSchedule taints higher', () => {
    const plugin = new TaintToleration();
    const pod = PodInfo.of(makePod('p', { tolerations: [tol({ key: 'ok', operator: 'Exists', effect: 'PreferNoSchedule' })] }));
    const nodes = [
      nodeInfoOf(makeNode('clean')),
      nodeInfoOf(makeNode('one', { taints: [taint('x', '', 'PreferNoSchedule'), taint('ok', '', 'PreferNoSchedule')] })),
      nodeInfoOf(makeNode('two', { taints: [taint('x', '', 'PreferNoSchedule'), taint('y', '', 'PreferNoSchedule')] })),
      nodeInfoOf(makeNode('hard', { taints: [taint('z', '', 'NoSchedule')] })),
    ];
    const state = new CycleState();
    plugin.preScore(state, pod);
    const scores = nodes.map((n) => plugin.score(state, pod, n));
    assert.deepEqual(scores, [0, 1, 2, 0]);
    plugin.normalizeScore(state, pod, scores);
    assert.deepEqual(scores, [100, 50, 0, 100]);
  });

  const preferScores: [string, Toleration[], number][] = [
    ['a toleration with no effect tolerates a PreferNoSchedule taint', [tol({ key: 'x', operator: 'Exists' })], 0],
    ['a toleration of another effect does not', [tol({ key: 'x', operator: 'Exists', effect: 'NoSchedule' })], 1],
    ['nor one of another key', [tol({ key: 'y', operator: 'Exists' })], 1],
  ];
  for (const [name, tolerations, want] of preferScores) {
    it(`score: ${name}`, () => {
      const plugin = new TaintToleration();
      const pod = PodInfo.of(makePod('p', { tolerations }));
      const state = new CycleState();
      plugin.preScore(state, pod);
      assert.equal(plugin.score(state, pod, nodeInfoOf(makeNode('n', { taints: [taint('x', '', 'PreferNoSchedule')] }))), want);
    });
  }
});

describe('TaintToleration: a pod without a spec', () => {
  it('tolerates no taint', () => {
    const pod = PodInfo.of(Pod.fromPartial({ metadata: { name: 'p', namespace: 'default' } }));
    const plugin = new TaintToleration();
    const node = nodeInfoOf(makeNode('n', { taints: [taint('k', 'v', 'NoSchedule'), taint('x', '', 'PreferNoSchedule')] }));
    assert.deepEqual(plugin.filter(new CycleState(), pod, node).reasons, ['node(s) had untolerated taint {k: v}']);
    const state = new CycleState();
    plugin.preScore(state, pod);
    assert.equal(plugin.score(state, pod, node), 1);
  });
});
