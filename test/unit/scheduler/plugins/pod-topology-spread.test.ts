// PodTopologySpread against the cases of kube-scheduler's podtopologyspread filtering and scoring
// tests: skew per zone and per host, nodes missing the key, namespaces, minDomains, the node
// inclusion policies, matchLabelKeys, ScheduleAnyway scoring and the system default constraints.
import { strict as assert } from 'node:assert';
import type { ReplicaSet } from '../../../../lib/gen/kite/apps/v1/types';
import type { Pod, Service } from '../../../../lib/gen/kite/core/v1/types';
import { CycleState } from '../../../../services/scheduler/framework/cycle-state';
import { NO_LISTERS, nodeInfoLister, type SchedulerListers } from '../../../../services/scheduler/framework/listers';
import type { NodeInfo } from '../../../../services/scheduler/framework/node-info';
import { PodInfo } from '../../../../services/scheduler/framework/pod-info';
import { Code } from '../../../../services/scheduler/framework/status';
import {
  ERR_REASON_CONSTRAINTS_NOT_MATCH,
  ERR_REASON_NODE_LABEL_NOT_MATCH,
  PodTopologySpread,
} from '../../../../services/scheduler/plugins/pod-topology-spread/pod-topology-spread';
import { makeNode, makePod, type NodeOpts, nodeInfoOf, type PodOpts } from '../fixtures';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable?: string;
  minDomains?: number;
  nodeAffinityPolicy?: string;
  nodeTaintsPolicy?: string;
  matchLabelKeys?: string[];
  selector?: Record<string, string>;
}

/** A pod labelled foo=x with the given constraints (selecting foo by default). */
function spreadPod(name: string, constraints: Constraint[], o: PodOpts = {}): Pod {
  const pod = makePod(name, { labels: { foo: 'x' }, ...o });
  pod.spec!.topologySpreadConstraints = constraints.map((c) => ({
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    whenUnsatisfiable: c.whenUnsatisfiable ?? 'DoNotSchedule',
    labelSelector: { matchLabels: c.selector ?? {}, matchExpressions: c.selector ? [] : [{ key: 'foo', operator: 'Exists', values: [] }] },
    minDomains: c.minDomains,
    nodeAffinityPolicy: c.nodeAffinityPolicy,
    nodeTaintsPolicy: c.nodeTaintsPolicy,
    matchLabelKeys: c.matchLabelKeys ?? [],
  }));
  return pod;
}

const foo = (name: string, o: PodOpts = {}) => makePod(name, { ...o, labels: { foo: '', ...(o.labels ?? {}) } });
const pods = (prefix: string, n: number, o: PodOpts = {}) => Array.from({ length: n }, (_, i) => foo(`${prefix}${i}`, o));
const node = (name: string, zone: string | undefined, existing: Pod[] = [], o: NodeOpts = {}) =>
  nodeInfoOf(makeNode(name, { ...o, labels: { ...(zone ? { [ZONE]: zone } : {}), ...(o.labels ?? {}) } }), ...existing);

function filter(pod: Pod, nodes: NodeInfo[], listers: SchedulerListers = NO_LISTERS): string[] | 'Skip' {
  const plugin = new PodTopologySpread(nodeInfoLister(nodes), listers);
  const state = new CycleState();
  const pi = PodInfo.of(pod);
  if (plugin.preFilter(state, pi).code === Code.Skip) return 'Skip';
  return nodes.map((n) => {
    const s = plugin.filter(state, pi, n);
    return s.isSuccess() ? 'fits' : `${s.code}: ${s.message()}`;
  });
}

/** Scores `filtered` (a subset of `all`, by default all of them). */
function score(pod: Pod, all: NodeInfo[], filtered: NodeInfo[] = all, listers: SchedulerListers = NO_LISTERS): number[] | 'Skip' {
  const plugin = new PodTopologySpread(nodeInfoLister(all), listers);
  const state = new CycleState();
  const pi = PodInfo.of(pod);
  if (plugin.preScore(state, pi, filtered).code === Code.Skip) return 'Skip';
  const scores = filtered.map((n) => plugin.score(state, pi, n));
  plugin.normalizeScore(state, pi, scores, filtered);
  return scores;
}

const SKEW = `Unschedulable: ${ERR_REASON_CONSTRAINTS_NOT_MATCH}`;
const MISSING = `UnschedulableAndUnresolvable: ${ERR_REASON_NODE_LABEL_NOT_MATCH}`;

describe('PodTopologySpread filter', () => {
  const zone = { maxSkew: 1, topologyKey: ZONE };
  const host = { maxSkew: 1, topologyKey: HOST };

  it('skips a pod without DoNotSchedule constraints', () => {
    assert.equal(filter(makePod('p'), [node('a', 'z1')]), 'Skip');
    assert.equal(filter(spreadPod('p', [{ ...zone, whenUnsatisfiable: 'ScheduleAnyway' }]), [node('a', 'z1')]), 'Skip');
  });

  it('admits every node when no pod exists yet', () => {
    assert.deepEqual(filter(spreadPod('p', [zone]), [node('a', 'z1'), node('b', 'z1'), node('x', 'z2'), node('y', 'z2')]), ['fits', 'fits', 'fits', 'fits']);
  });

  it('does not count pods of other namespaces', () => {
    const nodes = [node('a', 'z1', pods('p', 2, { ns: 'ns1' })), node('x', 'z2')];
    assert.deepEqual(filter(spreadPod('p', [zone]), nodes), ['fits', 'fits']);
  });

  it('pods spread across zones as 3/3: all nodes fit', () => {
    const nodes = [node('a', 'z1', pods('a', 1)), node('b', 'z1', pods('b', 2)), node('x', 'z2', pods('x', 2)), node('y', 'z2', pods('y', 1))];
    assert.deepEqual(filter(spreadPod('p', [zone]), nodes), ['fits', 'fits', 'fits', 'fits']);
  });

  it('pods spread across zones as 1/2 (node-b lacks the zone label): only zone1 fits, node-b misses the label', () => {
    const nodes = [node('a', 'z1', pods('a', 1)), node('b', undefined, pods('b', 2)), node('x', 'z2', pods('x', 2)), node('y', 'z2')];
    assert.deepEqual(filter(spreadPod('p', [zone]), nodes), ['fits', MISSING, SKEW, SKEW]);
  });

  it('pods spread across nodes as 2/1/0/3: only node-x fits', () => {
    const nodes = [node('a', 'z1', pods('a', 2)), node('b', 'z1', pods('b', 1)), node('x', 'z2'), node('y', 'z2', pods('y', 3))];
    assert.deepEqual(filter(spreadPod('p', [host]), nodes), [SKEW, SKEW, 'fits', SKEW]);
  });

  it('a pod that its own selector does not match adds nothing to the skew', () => {
    const nodes = [node('a', 'z1', pods('a', 1)), node('x', 'z2')];
    assert.deepEqual(filter(spreadPod('p', [{ ...host, selector: { app: 'other' } }], { labels: { foo: 'x' } }), nodes), ['fits', 'fits']);
  });

  it('checks every constraint: zone and hostname together', () => {
    // zone1 3 pods, zone2 3 pods; hosts 2/1/0/3
    const nodes = [node('a', 'z1', pods('a', 2)), node('b', 'z1', pods('b', 1)), node('x', 'z2'), node('y', 'z2', pods('y', 3))];
    assert.deepEqual(filter(spreadPod('p', [zone, host]), nodes), [SKEW, SKEW, 'fits', SKEW]);
  });

  it('minDomains: with fewer domains than minDomains the global minimum counts as 0', () => {
    const nodes = [node('a', 'z1', pods('a', 2)), node('x', 'z2', pods('x', 1))];
    assert.deepEqual(filter(spreadPod('p', [{ maxSkew: 2, topologyKey: ZONE }]), nodes), ['fits', 'fits']);
    assert.deepEqual(filter(spreadPod('p', [{ maxSkew: 2, topologyKey: ZONE, minDomains: 3 }]), nodes), [SKEW, 'fits']);
    assert.deepEqual(filter(spreadPod('p', [{ maxSkew: 2, topologyKey: ZONE, minDomains: 2 }]), nodes), ['fits', 'fits']);
  });

  it('nodeAffinityPolicy Honor (the default) counts only the domains of nodes the pod may go to', () => {
    // zone z3 is empty but the pod's nodeSelector excludes it.
    const nodes = [node('a', 'z1', pods('a', 1), { labels: { disk: 'ssd' } }), node('x', 'z2', pods('x', 2), { labels: { disk: 'ssd' } }), node('q', 'z3')];
    const p = (policy?: string) => spreadPod('p', [{ ...zone, nodeAffinityPolicy: policy }], { nodeSelector: { disk: 'ssd' } });
    assert.deepEqual(filter(p(), nodes), ['fits', SKEW, 'fits']);
    assert.deepEqual(filter(p('Ignore'), nodes), [SKEW, SKEW, 'fits']);
  });

  it('nodeTaintsPolicy Honor leaves out nodes with untolerated taints (Ignore, the default, counts them)', () => {
    const nodes = [node('a', 'z1', pods('a', 1)), node('x', 'z2', pods('x', 2)), node('q', 'z3', [], { taints: [{ key: 'k', effect: 'NoSchedule' }] })];
    assert.deepEqual(filter(spreadPod('p', [zone]), nodes), [SKEW, SKEW, 'fits']);
    assert.deepEqual(filter(spreadPod('p', [{ ...zone, nodeTaintsPolicy: 'Honor' }]), nodes), ['fits', SKEW, 'fits']);
  });

  it('matchLabelKeys adds the pod\'s own values to the selector', () => {
    // Two revisions of one workload: only the same revision counts.
    const nodes = [node('a', 'z1', pods('old', 3, { labels: { rev: '1' } })), node('x', 'z2', pods('new', 1, { labels: { rev: '2' } }))];
    const p = (keys: string[]) => spreadPod('p', [{ ...zone, matchLabelKeys: keys }], { labels: { foo: 'x', rev: '2' } });
    assert.deepEqual(filter(p([]), nodes), [SKEW, 'fits']);
    assert.deepEqual(filter(p(['rev']), nodes), ['fits', SKEW]);
  });

  it('does not count terminating pods', () => {
    const leaving = pods('a', 2);
    for (const p of leaving) p.metadata!.deletionTimestamp = '2024-01-01T00:00:00Z';
    assert.deepEqual(filter(spreadPod('p', [zone]), [node('a', 'z1', leaving), node('x', 'z2')]), ['fits', 'fits']);
  });
});

describe('PodTopologySpread score', () => {
  const soft = (topologyKey: string, maxSkew = 1) => ({ maxSkew, topologyKey, whenUnsatisfiable: 'ScheduleAnyway' });

  it('one constraint on node, no existing pods: every node scores 100', () => {
    assert.deepEqual(score(spreadPod('p', [soft(HOST)]), [node('a', 'z1'), node('b', 'z1')]), [100, 100]);
  });

  it('one constraint on node, all 4 nodes are candidates (2/1/0/3 pods)', () => {
    const nodes = [node('a', 'z1', pods('a', 2)), node('b', 'z1', pods('b', 1)), node('c', 'z2'), node('d', 'z2', pods('d', 3))];
    assert.deepEqual(score(spreadPod('p', [soft(HOST)]), nodes), [20, 60, 100, 0]);
  });

  it('one constraint on zone: counts cover every node of a candidate zone', () => {
    // zone1 holds 3 pods, zone2 1 pod (on the node that is not a candidate).
    const all = [node('a', 'z1', pods('a', 2)), node('b', 'z1', pods('b', 1)), node('x', 'z2'), node('y', 'z2', pods('y', 1))];
    const filtered = [all[0], all[1], all[2]];
    // weight log(2 + 2); zone1: round(3 * 1.386) = 4, zone2: round(1.386) = 1 -> 100 * (4 + 1 - s) / 4
    assert.deepEqual(score(spreadPod('p', [soft(ZONE)]), all, filtered), [25, 25, 100]);
  });

  it('ignores the candidates that lack a topology key of the pod\'s own constraints', () => {
    const nodes = [node('a', 'z1', pods('a', 1)), node('b', undefined), node('x', 'z2')];
    assert.deepEqual(score(spreadPod('p', [soft(ZONE)]), nodes), [0, 0, 100]);
  });

  it('maxSkew waters the differences down', () => {
    const nodes = [node('a', 'z1', pods('a', 2)), node('b', 'z1')];
    // weight log(4): a = round(2 * 1.386 + 4) = 7, b = 4 -> 100 * (7 + 4 - s) / 7
    assert.deepEqual(score(spreadPod('p', [soft(HOST, 5)]), nodes), [57, 100]);
  });

  describe('system default constraints', () => {
    const rs = { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' }, matchExpressions: [] } } } as unknown as ReplicaSet;
    const svc = { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { tier: 'front' } } } as unknown as Service;
    const withWorkloads: SchedulerListers = {
      ...NO_LISTERS,
      getReplicaSet: (ns, name) => (ns === 'default' && name === 'web' ? rs : undefined),
      listServices: (ns) => (ns === 'default' ? [svc] : []),
    };
    const replica = (name: string) => makePod(name, { owner: 'web', labels: { app: 'web', tier: 'front' } });

    it('spread the pods of a ReplicaSet or Service without constraints by host (maxSkew 3) and zone (maxSkew 5)', () => {
      const nodes = [node('a', 'z1', [replica('r1'), replica('r2')]), node('b', 'z1'), node('x', 'z2')];
      // host weight log(5), zone weight log(4): a = round(2*1.609 + 2 + 2*1.386 + 4) = 12, b = round(2 + 2.773 + 4) = 9, x = 6
      assert.deepEqual(score(replica('p'), nodes, nodes, withWorkloads), [50, 75, 100]);
    });

    it('let nodes without a zone still spread by host', () => {
      const nodes = [node('a', undefined, [replica('r1')]), node('b', undefined)];
      const scores = score(replica('p'), nodes, nodes, withWorkloads) as number[];
      assert.ok(scores[1] > scores[0], `${scores}`);
    });

    it('do not apply to pods of no workload, or without listers', () => {
      assert.equal(score(makePod('p', { labels: { app: 'web' } }), [node('a', 'z1')], undefined, withWorkloads), 'Skip');
      assert.equal(score(replica('p'), [node('a', 'z1')]), 'Skip');
    });

    it('are ScheduleAnyway only: they never filter', () => {
      assert.equal(filter(replica('p'), [node('a', 'z1', [replica('r1')])], withWorkloads), 'Skip');
    });
  });
});

describe('PodTopologySpread queueing hints', () => {
  const hint = (event: string) => new PodTopologySpread().eventsToRegister().find((e) => e.event === event)!.hint!;
  const pending = spreadPod('p', [{ maxSkew: 1, topologyKey: ZONE }]);

  it('requeues a pod when a pod its DoNotSchedule constraints select is added or removed in its namespace', () => {
    assert.equal(hint('AssignedPodAdd')(pending, undefined, foo('e')), 'Queue');
    assert.equal(hint('AssignedPodDelete')(pending, foo('e'), undefined), 'Queue');
    assert.equal(hint('AssignedPodAdd')(pending, undefined, makePod('e')), 'QueueSkip');
    assert.equal(hint('AssignedPodAdd')(pending, undefined, foo('e', { ns: 'other' })), 'QueueSkip');
  });
});
