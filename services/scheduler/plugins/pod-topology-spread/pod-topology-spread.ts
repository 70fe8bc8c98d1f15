// PodTopologySpread: kube-scheduler's plugin of that name. PreFilter counts, for each of the
// pod's DoNotSchedule constraints, the matching pods (same namespace, not terminating) in every
// topology domain of the nodes that have all the constraints' keys and pass the node inclusion
// policies, and the smallest count (0 while fewer domains than minDomains exist); Filter refuses a
// node whose domain would then exceed maxSkew over that minimum. PreScore/Score do the same for
// the ScheduleAnyway constraints (or the system defaults, for pods of a Service, ReplicaSet or
// StatefulSet without constraints of their own): a node scores the matching pods in its domains,
// weighted by log(domains + 2), and NormalizeScore turns fewer into better. The PreFilter
// extensions (AddPod/RemovePod) update the domain counts and minimums for a pod added to or
// removed from a node, as kube-scheduler's updateWithPod: preemption's dry run removes victims,
// and filtering counts nominated pods.
import type { Pod } from '../../../../lib/gen/kite/core/v1/types';
import type { CycleState, StateData } from '../../framework/cycle-state';
import type { ClusterEventWithHint, EnqueueExtensions, QueueingHintFn } from '../../framework/events';
import { type FilterPlugin, MAX_NODE_SCORE, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces';
import { type NodeInfoLister, NO_LISTERS, NO_NODES, type SchedulerListers } from '../../framework/listers';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';
import { Status } from '../../framework/status';
import { POD_TOPOLOGY_SPREAD } from '../names';
import {
  countMatching,
  DO_NOT_SCHEDULE,
  filterConstraints,
  hasAllTopologyKeys,
  HOSTNAME_LABEL,
  NodeInclusion,
  podConstraints,
  SCHEDULE_ANYWAY,
  selfMatches,
  type SpreadConstraint,
} from './constraints';

// Hot-path aliases of imported bindings (see Status.success).
const SUCCESS = Status.success;

export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

const PRE_FILTER_KEY = 'PreFilterPodTopologySpread';
const PRE_SCORE_KEY = 'PreScorePodTopologySpread';

class PreFilterState implements StateData {
  constructor(
    readonly constraints: SpreadConstraint[],
    /** Per constraint: topology value -> matching pods in that domain (every eligible domain, 0 included). */
    readonly domainCounts: Map<string, number>[],
    /** Per constraint: the smallest domain count, 0 while fewer eligible domains than minDomains exist. */
    readonly minCounts: number[],
    /** Per constraint: 1 when its selector matches the incoming pod itself. */
    readonly selfMatches: number[],
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(this.constraints, this.domainCounts.map((m) => new Map(m)), [...this.minCounts], this.selfMatches);
  }

  /**
   * updateWithPod: `other` (of the incoming pod's namespace, not terminating, as PreFilter counts)
   * added to (by 1) or removed from (by -1) a node that has every key and that the node inclusion
   * policies admit; the minimum follows (kube-scheduler's criticalPaths).
   */
  updateWithPod(incoming: Pod, other: PodInfo, node: NodeInfo, by: number): void {
    const m = other.pod.metadata;
    if (m?.deletionTimestamp || m?.namespace !== incoming.metadata?.namespace) return;
    const labels = node.labels;
    if (!hasAllTopologyKeys(labels, this.constraints)) return;
    const inclusion = new NodeInclusion(incoming);
    const fits = {};
    for (let i = 0; i < this.constraints.length; i++) {
      const c = this.constraints[i];
      if (c.selector.empty() || !c.selector.matches(m?.labels) || !inclusion.includes(c, node, fits)) continue;
      const counts = this.domainCounts[i];
      const value = labels[c.topologyKey];
      const before = counts.get(value) ?? 0;
      counts.set(value, before + by);
      // Only a lower count, or the minimum's domain growing, moves the minimum.
      if (before + by < this.minCounts[i] || before === this.minCounts[i]) this.minCounts[i] = minCount(counts, c.minDomains);
    }
  }
}

/** The smallest domain count, 0 while fewer domains than minDomains exist. */
function minCount(counts: Map<string, number>, minDomains: number): number {
  if (counts.size < minDomains) return 0;
  let min = Infinity;
  for (const n of counts.values()) if (n < min) min = n;
  return min;
}

interface PreScoreState {
  constraints: SpreadConstraint[];
  /** Per constraint: topology value -> matching pods (not used for the hostname key, counted per node). */
  domainCounts: Map<string, number>[];
  /** Per constraint: log(number of domains among the scored nodes + 2). */
  weights: number[];
  /** Scored nodes without every topology key (only for constraints of the pod's own). */
  ignored: Set<string>;
}

/**
 * kube-scheduler's isSchedulableAfterPodChange: a pod of the pending pod's namespace that one of
 * its DoNotSchedule constraints selects (before or after the change) was added, changed or removed.
 */
const afterPodChange: QueueingHintFn = (pod, oldObj, newObj) => {
  const constraints = filterConstraints(pod.spec?.topologySpreadConstraints ?? [], pod, DO_NOT_SCHEDULE);
  for (const other of [oldObj as Pod | undefined, newObj as Pod | undefined]) {
    if (!other || other.metadata?.namespace !== pod.metadata?.namespace) continue;
    if (constraints.some((c) => c.selector.matches(other.metadata?.labels))) return 'Queue';
  }
  return 'QueueSkip';
};

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = POD_TOPOLOGY_SPREAD;

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: 'AssignedPodAdd', hint: afterPodChange },
      { event: 'AssignedPodUpdate', hint: afterPodChange },
      { event: 'AssignedPodDelete', hint: afterPodChange },
      { event: 'NodeAdd' },
      { event: 'NodeDelete' },
      { event: 'NodeLabelChange' },
      { event: 'NodeTaintChange' },
    ];
  }

  constructor(
    private readonly snapshot: NodeInfoLister = NO_NODES,
    private readonly listers: SchedulerListers = NO_LISTERS,
  ) {}

  preFilter(state: CycleState, pod: PodInfo): Status {
    const constraints = podConstraints(pod.pod, DO_NOT_SCHEDULE, this.listers);
    if (constraints.length === 0) return Status.skip;
    const ns = pod.pod.metadata?.namespace ?? '';
    const domainCounts = constraints.map(() => new Map<string, number>());
    const inclusion = new NodeInclusion(pod.pod);
    const fits = {};
    for (const node of this.snapshot.nodeInfos()) {
      const labels = node.labels;
      if (!hasAllTopologyKeys(labels, constraints)) continue;
      for (let i = 0; i < constraints.length; i++) {
        const c = constraints[i];
        if (!inclusion.includes(c, node, fits)) continue;
        const value = labels[c.topologyKey];
        domainCounts[i].set(value, (domainCounts[i].get(value) ?? 0) + countMatching(node, c.selector, ns));
      }
    }
    const minCounts = domainCounts.map((m, i) => minCount(m, constraints[i].minDomains));
    state.write(PRE_FILTER_KEY, new PreFilterState(constraints, domainCounts, minCounts, constraints.map((c) => (selfMatches(c, pod) ? 1 : 0))));
    return SUCCESS;
  }

  addPod(state: CycleState, pod: PodInfo, podToAdd: PodInfo, node: NodeInfo): Status {
    state.read<PreFilterState>(PRE_FILTER_KEY)?.updateWithPod(pod.pod, podToAdd, node, 1);
    return SUCCESS;
  }

  removePod(state: CycleState, pod: PodInfo, podToRemove: PodInfo, node: NodeInfo): Status {
    state.read<PreFilterState>(PRE_FILTER_KEY)?.updateWithPod(pod.pod, podToRemove, node, -1);
    return SUCCESS;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Status {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY)!;
    const labels = node.labels;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      const value = labels[c.topologyKey];
      if (value === undefined) return Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
      const skew = (s.domainCounts[i].get(value) ?? 0) + s.selfMatches[i] - s.minCounts[i];
      if (skew > c.maxSkew) return Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
    }
    return SUCCESS;
  }

  preScore(state: CycleState, pod: PodInfo, filtered: readonly NodeInfo[]): Status {
    const constraints = podConstraints(pod.pod, SCHEDULE_ANYWAY, this.listers);
    if (constraints.length === 0 || filtered.length === 0) return Status.skip;
    // Only the pod's own constraints need every key: nodes without a zone still spread by hostname.
    const requireAll = (pod.pod.spec?.topologySpreadConstraints ?? []).length > 0;
    const ignored = new Set<string>();
    const domainCounts = constraints.map(() => new Map<string, number>());
    for (const node of filtered) {
      const labels = node.labels;
      if (requireAll && !hasAllTopologyKeys(labels, constraints)) {
        ignored.add(node.name);
        continue;
      }
      for (let i = 0; i < constraints.length; i++) {
        const key = constraints[i].topologyKey;
        if (key !== HOSTNAME_LABEL) domainCounts[i].set(labels[key] ?? '', 0);
      }
    }
    const weights = constraints.map((c, i) => Math.log((c.topologyKey === HOSTNAME_LABEL ? filtered.length - ignored.size : domainCounts[i].size) + 2));
    const ns = pod.pod.metadata?.namespace ?? '';
    const inclusion = new NodeInclusion(pod.pod);
    const fits = {};
    for (const node of this.snapshot.nodeInfos()) {
      const labels = node.labels;
      if (requireAll && !hasAllTopologyKeys(labels, constraints)) continue;
      for (let i = 0; i < constraints.length; i++) {
        const c = constraints[i];
        const counts = domainCounts[i];
        const value = labels[c.topologyKey] ?? '';
        const current = counts.get(value);
        // Domains of no scored node are not needed (hostname counts are taken per node in Score).
        if (current === undefined || !inclusion.includes(c, node, fits)) continue;
        counts.set(value, current + countMatching(node, c.selector, ns));
      }
    }
    const s: PreScoreState = { constraints, domainCounts, weights, ignored };
    state.write(PRE_SCORE_KEY, s);
    return SUCCESS;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY)!;
    if (s.ignored.has(node.name)) return 0;
    const labels = node.labels;
    let score = 0;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      const value = labels[c.topologyKey];
      if (value === undefined) continue;
      const count = c.topologyKey === HOSTNAME_LABEL ? countMatching(node, c.selector, pod.pod.metadata?.namespace ?? '') : s.domainCounts[i].get(value)!;
      score += count * s.weights[i] + (c.maxSkew - 1);
    }
    return Math.round(score);
  }

  /** Fewer matching pods is better: max + min - score, scaled by max; ignored nodes score 0. */
  normalizeScore(state: CycleState, _pod: PodInfo, scores: number[], nodes: readonly NodeInfo[]): void {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY)!;
    let min = Infinity;
    let max = 0;
    for (let i = 0; i < scores.length; i++) {
      if (s.ignored.has(nodes[i].name)) continue;
      if (scores[i] < min) min = scores[i];
      if (scores[i] > max) max = scores[i];
    }
    for (let i = 0; i < scores.length; i++) {
      if (s.ignored.has(nodes[i].name)) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i])) / max);
    }
  }
}
