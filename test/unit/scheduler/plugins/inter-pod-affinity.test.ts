// InterPodAffinity against the cases of kube-scheduler's interpodaffinity filtering and scoring
// tests: required affinity, anti-affinity, existing pods' anti-affinity, the first pod of a group,
// topology keys, namespaces and namespaceSelector, preferred terms and hardPodAffinityWeight.
import { strict as assert } from 'node:assert';
import type { Namespace, Pod } from '../../../../lib/gen/kite/core/v1/types';
import { CycleState } from '../../../../services/scheduler/framework/cycle-state';
import { NO_LISTERS, nodeInfoLister, type SchedulerListers } from '../../../../services/scheduler/framework/listers';
import type { NodeInfo } from '../../../../services/scheduler/framework/node-info';
import { PodInfo } from '../../../../services/scheduler/framework/pod-info';
import { Code } from '../../../../services/scheduler/framework/status';
import {
  ERR_REASON_AFFINITY,
  ERR_REASON_ANTI_AFFINITY,
  ERR_REASON_EXISTING_ANTI_AFFINITY,
  InterPodAffinity,
  type InterPodAffinityArgs,
} from '../../../../services/scheduler/plugins/inter-pod-affinity';
import { makeNode, makePod, nodeInfoOf } from '../fixtures';

type Expr = { key: string; operator: string; values?: string[] };
const term = (topologyKey: string, exprs: Expr[], extra: object = {}) => ({
  labelSelector: { matchLabels: {}, matchExpressions: exprs.map((e) => ({ values: [], ...e })) },
  topologyKey,
  namespaces: [],
  matchLabelKeys: [],
  mismatchLabelKeys: [],
  ...extra,
});
const required = (...terms: object[]) => ({ requiredDuringSchedulingIgnoredDuringExecution: terms, preferredDuringSchedulingIgnoredDuringExecution: [] });
const preferred = (...terms: [number, object][]) => ({
  requiredDuringSchedulingIgnoredDuringExecution: [],
  preferredDuringSchedulingIgnoredDuringExecution: terms.map(([weight, podAffinityTerm]) => ({ weight, podAffinityTerm })),
});
const securityS1 = [{ key: 'security', operator: 'In', values: ['S1'] }];

function listers(namespaces: Record<string, Record<string, string>>): SchedulerListers {
  const ns = Object.entries(namespaces).map(([name, labels]) => ({ metadata: { name, labels } }) as unknown as Namespace);
  return { ...NO_LISTERS, getNamespace: (name) => ns.find((n) => n.metadata!.name === name), listNamespaces: () => ns };
}

/** Runs PreFilter and Filter on every node: the status code and reason per node, or 'Skip'. */
function filter(pod: Pod, nodes: NodeInfo[], l: SchedulerListers = NO_LISTERS): string[] | 'Skip' {
  const plugin = new InterPodAffinity(nodeInfoLister(nodes), l);
  const state = new CycleState();
  const pi = PodInfo.of(pod);
  const pre = plugin.preFilter(state, pi);
  if (pre.code === Code.Skip) return 'Skip';
  assert.equal(pre.code, Code.Success);
  return nodes.map((n) => {
    const s = plugin.filter(state, pi, n);
    return s.isSuccess() ? 'fits' : `${s.code}: ${s.message()}`;
  });
}

function score(pod: Pod, nodes: NodeInfo[], args?: InterPodAffinityArgs): number[] | 'Skip' {
  const plugin = new InterPodAffinity(nodeInfoLister(nodes), NO_LISTERS, args);
  const state = new CycleState();
  const pi = PodInfo.of(pod);
  if (plugin.preScore(state, pi).code === Code.Skip) return 'Skip';
  const scores = nodes.map((n) => plugin.score(state, pi, n));
  plugin.normalizeScore(state, pi, scores);
  return scores;
}

const UNRESOLVABLE_AFFINITY = `UnschedulableAndUnresolvable: ${ERR_REASON_AFFINITY}`;
const ANTI = `Unschedulable: ${ERR_REASON_ANTI_AFFINITY}`;
const EXISTING_ANTI = `Unschedulable: ${ERR_REASON_EXISTING_ANTI_AFFINITY}`;

describe('InterPodAffinity filter', () => {
  const zone = (name: string, z: string, ...pods: Pod[]) => nodeInfoOf(makeNode(name, { labels: { zone: z } }), ...pods);

  it('skips a pod without affinity when no existing pod has required anti-affinity', () => {
    assert.equal(filter(makePod('p'), [zone('n1', 'z1', makePod('e', { labels: { security: 'S1' } }))]), 'Skip');
  });

  it('admits the nodes whose zone holds a pod matching the required affinity (In, Exists), refuses the others', () => {
    const pod = makePod('p', { affinity: { podAffinity: required(term('zone', [{ key: 'security', operator: 'In', values: ['S1', 'value2'] }, { key: 'security', operator: 'Exists' }])) } });
    const nodes = [zone('n1', 'z1', makePod('e', { labels: { security: 'S1' } })), zone('n2', 'z1'), zone('n3', 'z2')];
    assert.deepEqual(filter(pod, nodes), ['fits', 'fits', UNRESOLVABLE_AFFINITY]);
  });

  it('refuses every node when no pod matches NotIn affinity and the pod does not match its own term', () => {
    const pod = makePod('p', { labels: { security: 'S1' }, affinity: { podAffinity: required(term('zone', [{ key: 'security', operator: 'NotIn', values: ['S1'] }])) } });
    assert.deepEqual(filter(pod, [zone('n1', 'z1', makePod('e', { labels: { security: 'S1' } }))]), [UNRESOLVABLE_AFFINITY]);
  });

  it('lets the first pod of a group with affinity to itself go anywhere that has the topology key', () => {
    const pod = makePod('p', { labels: { security: 'S1' }, affinity: { podAffinity: required(term('zone', securityS1)) } });
    const bare = nodeInfoOf(makeNode('bare'));
    assert.deepEqual(filter(pod, [zone('n1', 'z1'), zone('n2', 'z2'), bare]), ['fits', 'fits', UNRESOLVABLE_AFFINITY]);
    // Once one member runs, the others must join its zone.
    assert.deepEqual(filter(pod, [zone('n1', 'z1', makePod('e', { labels: { security: 'S1' } })), zone('n2', 'z2')]), ['fits', UNRESOLVABLE_AFFINITY]);
  });

  it('requires every affinity term to match the same pods', () => {
    const pod = makePod('p', { affinity: { podAffinity: required(term('zone', securityS1), term('zone', [{ key: 'wrongkey', operator: 'DoesNotExist' }])) } });
    assert.deepEqual(filter(pod, [zone('n1', 'z1', makePod('e', { labels: { security: 'S1', wrongkey: 'x' } }))]), [UNRESOLVABLE_AFFINITY]);
  });

  it("refuses the nodes in the domain of a pod its required anti-affinity selects", () => {
    const pod = makePod('p', { affinity: { podAntiAffinity: required(term('zone', securityS1)) } });
    const nodes = [zone('n1', 'z1', makePod('e', { labels: { security: 'S1' } })), zone('n2', 'z1'), zone('n3', 'z2')];
    assert.deepEqual(filter(pod, nodes), [ANTI, ANTI, 'fits']);
  });

  it("refuses the nodes in the domain of an existing pod whose anti-affinity selects the incoming pod", () => {
    const existing = makePod('e', { affinity: { podAntiAffinity: required(term('kubernetes.io/hostname', [{ key: 'app', operator: 'In', values: ['web'] }])) } });
    const nodes = [nodeInfoOf(makeNode('n1'), existing), nodeInfoOf(makeNode('n2'))];
    assert.deepEqual(filter(makePod('p', { labels: { app: 'web' } }), nodes), [EXISTING_ANTI, 'fits']);
    assert.equal(filter(makePod('p', { labels: { app: 'db' } }), nodes), 'Skip');
  });

  it('spreads replicas with anti-affinity to their own labels one per host', () => {
    const replica = (name: string, nodeName?: string) =>
      makePod(name, { labels: { app: 'web' }, nodeName, affinity: { podAntiAffinity: required(term('kubernetes.io/hostname', [{ key: 'app', operator: 'In', values: ['web'] }])) } });
    const nodes = [nodeInfoOf(makeNode('n1'), replica('r1')), nodeInfoOf(makeNode('n2'), replica('r2')), nodeInfoOf(makeNode('n3'))];
    // The incoming pod's own term is checked before the existing pods' terms.
    assert.deepEqual(filter(replica('r3'), nodes), [ANTI, ANTI, 'fits']);
  });

  it('counts only pods in the namespaces a term names, or its namespaceSelector selects', () => {
    const inNs = (name: string, ns: string) => makePod(name, { ns, labels: { security: 'S1' } });
    const nodes = [zone('n1', 'z1', inNs('a', 'team-a')), zone('n2', 'z2', inNs('b', 'team-b'))];
    const anti = (extra: object) => makePod('p', { ns: 'default', affinity: { podAntiAffinity: required(term('zone', securityS1, extra)) } });
    // Own namespace only: neither pod counts.
    assert.deepEqual(filter(anti({}), nodes), ['fits', 'fits']);
    assert.deepEqual(filter(anti({ namespaces: ['team-a'] }), nodes), [ANTI, 'fits']);
    const l = listers({ 'team-a': { tier: 'x' }, 'team-b': { tier: 'y' }, default: {} });
    assert.deepEqual(filter(anti({ namespaceSelector: { matchLabels: { tier: 'y' }, matchExpressions: [] } }), nodes, l), ['fits', ANTI]);
    // An empty namespaceSelector selects every namespace.
    assert.deepEqual(filter(anti({ namespaceSelector: { matchLabels: {}, matchExpressions: [] } }), nodes, l), [ANTI, ANTI]);
  });

  it("matches an existing pod's namespaceSelector against the incoming pod's namespace labels", () => {
    const existing = makePod('e', { ns: 'other', affinity: { podAntiAffinity: required(term('zone', securityS1, { namespaceSelector: { matchLabels: { env: 'prod' }, matchExpressions: [] } })) } });
    const nodes = [zone('n1', 'z1', existing), zone('n2', 'z2')];
    const incoming = makePod('p', { ns: 'shop', labels: { security: 'S1' } });
    assert.deepEqual(filter(incoming, nodes, listers({ shop: { env: 'prod' } })), [EXISTING_ANTI, 'fits']);
    assert.equal(filter(incoming, nodes, listers({ shop: { env: 'dev' } })), 'Skip');
  });

  it('refuses a node without the topology key of a required affinity term', () => {
    const pod = makePod('p', { affinity: { podAffinity: required(term('region', securityS1)) } });
    assert.deepEqual(filter(pod, [zone('n1', 'z1', makePod('e', { labels: { security: 'S1' } }))]), [UNRESOLVABLE_AFFINITY]);
  });
});

describe('InterPodAffinity score', () => {
  const region = (name: string, r: string | undefined, ...pods: Pod[]) => nodeInfoOf(makeNode(name, { labels: r ? { region: r } : { az: 'az1' } }), ...pods);
  const s1 = makePod('s1', { labels: { security: 'S1' } });
  const s2 = makePod('s2', { labels: { security: 'S2' } });

  it('skips a pod without preferred terms when no existing pod has affinity', () => {
    assert.equal(score(makePod('p'), [region('m1', 'China', s1)]), 'Skip');
  });

  it('prefers the nodes whose topology domain holds pods matching preferred affinity', () => {
    const pod = makePod('p', { affinity: { podAffinity: preferred([5, term('region', securityS1)]) } });
    assert.deepEqual(score(pod, [region('m1', 'China', s1), region('m2', 'India', s2), region('m3', undefined)]), [100, 0, 0]);
    // Same region, no matching pod of its own: the whole domain scores.
    assert.deepEqual(score(pod, [region('m1', 'China', s1), region('m2', 'China'), region('m3', 'India')]), [100, 100, 0]);
  });

  it('weighs several terms and subtracts preferred anti-affinity', () => {
    const pod = makePod('p', {
      affinity: {
        podAffinity: preferred([8, term('region', securityS1)]),
        podAntiAffinity: preferred([5, term('region', [{ key: 'security', operator: 'In', values: ['S2'] }])]),
      },
    });
    // China: +8, India: -5, no region: 0 -> (x - min) / (max - min)
    assert.deepEqual(score(pod, [region('m1', 'China', s1), region('m2', 'India', s2), region('m3', undefined)]), [100, 0, 38]);
  });

  it("normalizes in Kubernetes' floating-point order", () => {
    const plugin = new InterPodAffinity();
    const scores = [0, 29, 100];
    plugin.normalizeScore(new CycleState(), PodInfo.of(makePod('p')), scores);
    assert.deepEqual(scores, [0, 28, 100]);
  });

  it("scores existing pods' required affinity at hardPodAffinityWeight and their preferred terms", () => {
    const existing = makePod('e', { affinity: { podAffinity: required(term('region', securityS1)) } });
    const nodes = [region('m1', 'China', existing), region('m2', 'India')];
    const incoming = makePod('p', { labels: { security: 'S1' } });
    assert.deepEqual(score(incoming, nodes), [100, 0]);
    assert.equal(score(incoming, nodes, { hardPodAffinityWeight: 0 }), 'Skip');
    const avoiding = makePod('e2', { affinity: { podAntiAffinity: preferred([10, term('region', securityS1)]) } });
    assert.deepEqual(score(incoming, [region('m1', 'China', avoiding), region('m2', 'India')]), [0, 100]);
    assert.equal(score(incoming, nodes, { ignorePreferredTermsOfExistingPods: true }), 'Skip');
  });
});

describe('InterPodAffinity queueing hints', () => {
  const hint = (event: string) => new InterPodAffinity().eventsToRegister().find((e) => e.event === event)!.hint!;
  const withAffinity = makePod('p', { affinity: { podAffinity: required(term('zone', securityS1)) } });
  const withAnti = makePod('p', { affinity: { podAntiAffinity: required(term('zone', securityS1)) } });

  it('requeues a pod with required affinity when a pod its terms select is added', () => {
    assert.equal(hint('AssignedPodAdd')(withAffinity, undefined, makePod('e', { labels: { security: 'S1' } })), 'Queue');
    assert.equal(hint('AssignedPodAdd')(withAffinity, undefined, makePod('e', { labels: { security: 'S2' } })), 'QueueSkip');
    assert.equal(hint('AssignedPodAdd')(withAnti, undefined, makePod('e', { labels: { security: 'S1' } })), 'QueueSkip');
  });

  it('requeues when a pod its anti-affinity selects, or a pod with required anti-affinity, goes away', () => {
    assert.equal(hint('AssignedPodDelete')(withAnti, makePod('e', { labels: { security: 'S1' } }), undefined), 'Queue');
    assert.equal(hint('AssignedPodDelete')(withAnti, makePod('e'), undefined), 'QueueSkip');
    assert.equal(hint('AssignedPodDelete')(makePod('q'), withAnti, undefined), 'Queue');
  });
});
