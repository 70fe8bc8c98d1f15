import { strict as assert } from 'node:assert';
import { CycleState } from '../../../../services/scheduler/framework/cycle-state';
import { Framework } from '../../../../services/scheduler/framework/framework';
import type { FilterPlugin, Plugin, PreFilterPlugin, ScorePlugin } from '../../../../services/scheduler/framework/interfaces';
import { NodeInfo } from '../../../../services/scheduler/framework/node-info';
import { PodInfo } from '../../../../services/scheduler/framework/pod-info';
import type { Profile } from '../../../../services/scheduler/framework/profile';
import { Registry } from '../../../../services/scheduler/framework/registry';
import { Code, Status } from '../../../../services/scheduler/framework/status';
import { defaultProfile, inTreeRegistry } from '../../../../services/scheduler/plugins';
import { FakeBackend, makeNode, makePod, nodeInfoOf } from '../fixtures';

/** A plugin whose filter rejects nodes listed in `reject` and scores by a table. */
function fake(name: string, opts: { reject?: string[]; scores?: Record<string, number>; skip?: boolean; calls?: string[] }): Plugin {
  const p: Plugin & Partial<PreFilterPlugin & FilterPlugin & ScorePlugin> = {
    name,
    preFilter: () => (opts.skip ? Status.skip : Status.success),
    filter: (_s, _p, node) => {
      opts.calls?.push(`${name}:${node.name}`);
      return opts.reject?.includes(node.name) ? Status.unschedulable(`${name} says no`) : Status.success;
    },
  };
  if (opts.scores) p.score = (_s, _p, node) => opts.scores![node.name] ?? 0;
  return p;
}

const binder = { name: 'Binder', bind: async () => Status.success };

function framework(plugins: [Plugin, number?][]): Framework {
  const registry = new Registry({ Binder: () => binder });
  for (const [p] of plugins) registry.register(p.name, () => p);
  const profile: Profile = {
    schedulerName: 'test',
    plugins: [...plugins.map(([p, weight]) => ({ name: p.name, weight })), { name: 'Binder' }],
  };
  return new Framework(profile, registry, { backend: new FakeBackend() });
}

const nodes = ['a', 'b', 'c'].map((n) => nodeInfoOf(makeNode(n)));
const pod = PodInfo.of(makePod('p'));

describe('Framework', () => {
  it('stops at the first filter that rejects a node and names it', () => {
    const calls: string[] = [];
    const fwk = framework([[fake('First', { reject: ['a'], calls })], [fake('Second', { reject: ['a', 'b'], calls })]]);
    const state = new CycleState();
    assert.ok(fwk.runPreFilterPlugins(state, pod).isSuccess());
    const statuses = nodes.map((n) => fwk.runFilterPlugins(state, pod, n));
    assert.deepEqual(
      statuses.map((s) => [s.code, s.plugin, s.message()]),
      [
        [Code.Unschedulable, 'First', 'First says no'],
        [Code.Unschedulable, 'Second', 'Second says no'],
        [Code.Success, '', ''],
      ],
    );
    assert.deepEqual(calls, ['First:a', 'First:b', 'Second:b', 'First:c', 'Second:c']);
  });

  it('does not run the filter of a plugin whose PreFilter skipped', () => {
    const calls: string[] = [];
    const fwk = framework([[fake('Skipper', { reject: ['a'], skip: true, calls })]]);
    const state = new CycleState();
    fwk.runPreFilterPlugins(state, pod);
    assert.ok(fwk.runFilterPlugins(state, pod, nodes[0]).isSuccess());
    assert.deepEqual(calls, []);
  });

  it('sums normalized scores times weights', () => {
    const fwk = framework([
      [fake('One', { scores: { a: 10, b: 20, c: 30 } }), 2],
      [fake('Two', { scores: { a: 100, b: 0, c: 0 } })],
    ]);
    assert.deepEqual(fwk.runScorePlugins(new CycleState(), pod, nodes), [120, 40, 60]);
  });

  it('rejects scores outside 0..100', () => {
    const fwk = framework([[fake('Wild', { scores: { a: 101 } })]]);
    assert.throws(() => fwk.runScorePlugins(new CycleState(), pod, nodes), /Wild scored node a 101/);
  });

  it('turns a throwing bind into an Error status', async () => {
    const failing = { name: 'Failing', bind: async () => { throw new Error('conflict'); } };
    const registry = new Registry({ Failing: () => failing });
    const fwk = new Framework({ schedulerName: 's', plugins: [{ name: 'Failing' }] }, registry, { backend: new FakeBackend() });
    const s = await fwk.runBindPlugins(new CycleState(), pod, 'a');
    assert.equal(s.code, Code.Error);
    assert.equal(s.plugin, 'Failing');
    assert.equal(s.message(), 'conflict');
  });

  it('refuses profiles with unknown or repeated plugins, bad weights or no binder', () => {
    const backend = { backend: new FakeBackend() };
    const r = inTreeRegistry();
    assert.throws(() => new Framework({ schedulerName: 's', plugins: [{ name: 'Nope' }] }, r, backend), /no plugin named "Nope"/);
    assert.throws(
      () => new Framework({ schedulerName: 's', plugins: [{ name: 'NodeName' }, { name: 'NodeName' }] }, r, backend),
      /twice/,
    );
    assert.throws(
      () => new Framework({ schedulerName: 's', plugins: [{ name: 'NodeResourcesFit', weight: 0 }, { name: 'DefaultBinder' }] }, r, backend),
      /weight must be positive/,
    );
    assert.throws(() => new Framework({ schedulerName: 's', plugins: [{ name: 'NodeName' }] }, r, backend), /no Bind plugin/);
    assert.doesNotThrow(() => new Framework(defaultProfile(), r, backend));
  });

  it('registry refuses duplicate names', () => {
    const r = new Registry({ A: () => binder });
    assert.throws(() => r.register('A', () => binder), /already registered/);
    assert.throws(() => r.merge(new Registry({ A: () => binder })), /already registered/);
    assert.deepEqual(r.merge(new Registry({ B: () => binder })).names(), ['A', 'B']);
  });
});

describe('NodeInfo', () => {
  it('keeps totals in step with pods added and removed', () => {
    const ni = new NodeInfo('n');
    ni.setNode(makeNode('n', { cpu: '2', memory: '4Gi', pods: '10' }));
    assert.deepEqual(ni.allocatable, { milliCPU: 2000, memory: 4 * 2 ** 30, pods: 10 });
    ni.addPod(PodInfo.of(makePod('a', { cpu: '500m', memory: '1Gi', owner: 'web' })));
    ni.addPod(PodInfo.of(makePod('b', { owner: 'web' })));
    assert.equal(ni.podCount, 2);
    assert.deepEqual(ni.requested, { milliCPU: 500, memory: 2 ** 30 });
    assert.deepEqual(ni.nonZeroRequested, { milliCPU: 600, memory: 2 ** 30 + 200 * 2 ** 20 });
    assert.equal(ni.removePod('default/a'), true);
    assert.equal(ni.removePod('default/a'), false);
    assert.deepEqual(ni.requested, { milliCPU: 0, memory: 0 });
  });

  it('keeps the pods with pod affinity and with required anti-affinity apart', () => {
    const ni = new NodeInfo('n');
    ni.setNode(makeNode('n'));
    const term = { labelSelector: { matchLabels: { app: 'web' }, matchExpressions: [] }, topologyKey: 'kubernetes.io/hostname', namespaces: [], matchLabelKeys: [], mismatchLabelKeys: [] };
    ni.addPod(PodInfo.of(makePod('plain')));
    ni.addPod(PodInfo.of(makePod('soft', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [], preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term }] } } })));
    ni.addPod(PodInfo.of(makePod('anti', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term], preferredDuringSchedulingIgnoredDuringExecution: [] } } })));
    assert.deepEqual([...ni.podsWithAffinity.keys()], ['default/soft', 'default/anti']);
    assert.deepEqual([...ni.podsWithRequiredAntiAffinity.keys()], ['default/anti']);
    ni.removePod('default/anti');
    assert.deepEqual([...ni.podsWithAffinity.keys()], ['default/soft']);
    assert.equal(ni.podsWithRequiredAntiAffinity.size, 0);
  });
});

describe('the default profile', () => {
  it("names kube-scheduler's plugins and score weights, in its filter order", () => {
    const profile = defaultProfile();
    assert.equal(profile.schedulerName, 'default-scheduler');
    assert.deepEqual(
      profile.plugins.map((p) => [p.name, p.weight]),
      [
        ['SchedulingGates', undefined],
        ['NodeUnschedulable', undefined],
        ['NodeName', undefined],
        ['TaintToleration', 3],
        ['NodeAffinity', 2],
        ['NodePorts', undefined],
        ['NodeResourcesFit', 1],
        ['VolumeBinding', undefined],
        ['PodTopologySpread', 2],
        ['InterPodAffinity', 2],
        ['NodeResourcesBalancedAllocation', 1],
        ['DefaultPreemption', undefined],
        ['DefaultBinder', undefined],
      ],
    );
    const registry = inTreeRegistry();
    for (const p of profile.plugins) assert.equal(registry.get(p.name)!(undefined, { backend: new FakeBackend() } as any).name, p.name);
  });
});
