// InterPodAffinity: kube-scheduler's plugin of that name. PreFilter counts, per topology pair
// (topologyKey, the node's value for it), the existing pods whose required anti-affinity terms
// select the incoming pod, and the existing pods its own required affinity and anti-affinity terms
// select; Filter then checks one node against those counts in O(terms + labels). Score sums, per
// topology pair, the weights of the incoming pod's preferred terms matching existing pods, and of
// the existing pods' preferred terms (and required affinity terms, at hardPodAffinityWeight)
// matching the incoming pod; NormalizeScore maps the range to 0..100. Existing pods' terms are
// read only from the nodes' PodsWithAffinity / PodsWithRequiredAntiAffinity, so pods without
// affinity cost one check per node. The PreFilter extensions (AddPod/RemovePod) update the counts
// for a pod added to or removed from a node, as kube-scheduler's updateWithPod: preemption's dry
// run removes victims, and filtering counts nominated pods.
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import { type AffinityTerm, podAffinityTerms, termMatches, type WeightedAffinityTerm } from '../framework/affinity-terms';
import type { ClusterEventWithHint, EnqueueExtensions, QueueingHintFn } from '../framework/events';
import type { CycleState, StateData } from '../framework/cycle-state';
import { type FilterPlugin, MAX_NODE_SCORE, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin } from '../framework/interfaces';
import { type NodeInfoLister, NO_LISTERS, NO_NODES, type SchedulerListers } from '../framework/listers';
import type { NodeInfo } from '../framework/node-info';
import type { PodInfo } from '../framework/pod-info';
import { NOTHING } from '../../../lib/api/selectors';
import { Status } from '../framework/status';
import { INTER_POD_AFFINITY } from './names';

// Hot-path aliases of imported bindings (see Status.success).
const SUCCESS = Status.success;

export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";

export interface InterPodAffinityArgs {
  /** Weight of an existing pod's required affinity term that selects the incoming pod, in scoring (0..100). */
  hardPodAffinityWeight?: number;
  /** Score only the incoming pod's preferred terms, not the existing pods' terms. */
  ignorePreferredTermsOfExistingPods?: boolean;
}

const PRE_FILTER_KEY = 'PreFilterInterPodAffinity';
const PRE_SCORE_KEY = 'PreScoreInterPodAffinity';

/** Topology key -> topology value -> count (or summed weight): kube-scheduler's topologyToMatchedTermCount. */
type PairCounts = Map<string, Map<string, number>>;

/** Adds `by` to the node's domain of `key`; nodes without the key have no domain. A count back at 0 is dropped. */
function bump(m: PairCounts, labels: Readonly<Record<string, string>>, key: string, by: number): void {
  const value = labels[key];
  if (value === undefined) return;
  let byValue = m.get(key);
  if (!byValue) m.set(key, (byValue = new Map()));
  const n = (byValue.get(value) ?? 0) + by;
  if (n !== 0) byValue.set(value, n);
  else if (byValue.delete(value) && byValue.size === 0) m.delete(key);
}

function clonePairCounts(m: PairCounts): PairCounts {
  return new Map([...m].map(([k, v]) => [k, new Map(v)]));
}

class PreFilterState implements StateData {
  constructor(
    readonly existingAntiAffinityCounts: PairCounts,
    readonly affinityCounts: PairCounts,
    readonly antiAffinityCounts: PairCounts,
    readonly requiredAffinity: readonly AffinityTerm[],
    readonly requiredAntiAffinity: readonly AffinityTerm[],
    /** The incoming pod's namespace labels, for existing pods' terms with a namespaceSelector. */
    readonly nsLabels: Readonly<Record<string, string>> | undefined,
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(
      clonePairCounts(this.existingAntiAffinityCounts),
      clonePairCounts(this.affinityCounts),
      clonePairCounts(this.antiAffinityCounts),
      this.requiredAffinity,
      this.requiredAntiAffinity,
      this.nsLabels,
    );
  }

  /** updateWithPod: `other` added to (by 1) or removed from (by -1) a node with `labels`. */
  updateWithPod(incoming: Pod, other: PodInfo, labels: Readonly<Record<string, string>>, by: number): void {
    for (const t of other.affinity?.requiredAntiAffinity ?? []) {
      if (termMatches(t, incoming, this.nsLabels)) bump(this.existingAntiAffinityCounts, labels, t.topologyKey, by);
    }
    if (matchesAllTerms(this.requiredAffinity, other.pod)) {
      for (const t of this.requiredAffinity) bump(this.affinityCounts, labels, t.topologyKey, by);
    }
    for (const t of this.requiredAntiAffinity) {
      if (termMatches(t, other.pod)) bump(this.antiAffinityCounts, labels, t.topologyKey, by);
    }
  }
}

function countAt(m: PairCounts, key: string, value: string): number {
  return m.get(key)?.get(value) ?? 0;
}

/** True when `pod` matches every term (and there is at least one): the incoming pod's terms, namespaces resolved. */
function matchesAllTerms(terms: readonly AffinityTerm[], pod: Pod): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod)) return false;
  return true;
}

/** Whether a term may select `other`; a namespaceSelector (resolved only in a cycle) counts as maybe. */
function mayMatch(t: AffinityTerm, other: Pod): boolean {
  return termMatches(t, other) || (!t.namespaceSelector.empty() && t.selector.matches(other.metadata?.labels));
}

/**
 * kube-scheduler's isSchedulableAfterPodChange: a pod added (or relabelled) that the pending pod's
 * required affinity selects, or a pod gone (or relabelled) that had required anti-affinity or that
 * the pending pod's anti-affinity selects.
 */
const afterPodChange: QueueingHintFn = (pod, oldObj, newObj) => {
  const terms = podAffinityTerms(pod);
  const added = newObj as Pod | undefined;
  const gone = oldObj as Pod | undefined;
  if (added && terms && terms.requiredAffinity.length > 0 && terms.requiredAffinity.every((t) => mayMatch(t, added))) return 'Queue';
  if (gone) {
    if ((gone.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).length > 0) return 'Queue';
    if (terms?.requiredAntiAffinity.some((t) => mayMatch(t, gone))) return 'Queue';
  }
  return 'QueueSkip';
};

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = INTER_POD_AFFINITY;
  private readonly hardPodAffinityWeight: number;
  private readonly ignorePreferredTermsOfExistingPods: boolean;

  constructor(
    private readonly snapshot: NodeInfoLister = NO_NODES,
    private readonly listers: SchedulerListers = NO_LISTERS,
    args: InterPodAffinityArgs = {},
  ) {
    this.hardPodAffinityWeight = args.hardPodAffinityWeight ?? 1;
    this.ignorePreferredTermsOfExistingPods = args.ignorePreferredTermsOfExistingPods ?? false;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: 'AssignedPodAdd', hint: afterPodChange },
      { event: 'AssignedPodUpdate', hint: afterPodChange },
      { event: 'AssignedPodDelete', hint: afterPodChange },
      { event: 'NodeAdd' },
      { event: 'NodeLabelChange' },
    ];
  }

  /**
   * The incoming pod's term with its namespaceSelector resolved into namespace names, as
   * kube-scheduler's mergeAffinityTermNamespacesIfNotEmpty (an empty selector, all namespaces, stays).
   */
  private resolveNamespaces<T extends AffinityTerm>(t: T): T {
    if (t.namespaceSelector.empty()) return t;
    const namespaces = new Set(t.namespaces);
    for (const ns of this.listers.listNamespaces()) {
      if (t.namespaceSelector.matches(ns.metadata?.labels)) namespaces.add(ns.metadata?.name ?? '');
    }
    return { ...t, namespaces, namespaceSelector: NOTHING };
  }

  private namespaceLabels(pod: Pod): Readonly<Record<string, string>> | undefined {
    return this.listers.getNamespace(pod.metadata?.namespace ?? '')?.metadata?.labels;
  }

  preFilter(state: CycleState, pod: PodInfo): Status {
    const nsLabels = this.namespaceLabels(pod.pod);
    const existingAntiAffinityCounts: PairCounts = new Map();
    for (const node of this.snapshot.havePodsWithRequiredAntiAffinity()) {
      const labels = node.labels;
      for (const existing of node.podsWithRequiredAntiAffinity.values()) {
        for (const t of existing.affinity!.requiredAntiAffinity) {
          if (termMatches(t, pod.pod, nsLabels)) bump(existingAntiAffinityCounts, labels, t.topologyKey, 1);
        }
      }
    }
    const requiredAffinity = (pod.affinity?.requiredAffinity ?? []).map((t) => this.resolveNamespaces(t));
    const requiredAntiAffinity = (pod.affinity?.requiredAntiAffinity ?? []).map((t) => this.resolveNamespaces(t));
    if (existingAntiAffinityCounts.size === 0 && requiredAffinity.length === 0 && requiredAntiAffinity.length === 0) return Status.skip;
    const affinityCounts: PairCounts = new Map();
    const antiAffinityCounts: PairCounts = new Map();
    if (requiredAffinity.length > 0 || requiredAntiAffinity.length > 0) {
      for (const node of this.snapshot.nodeInfos()) {
        const labels = node.labels;
        for (const existing of node.pods.values()) {
          if (matchesAllTerms(requiredAffinity, existing.pod)) {
            for (const t of requiredAffinity) bump(affinityCounts, labels, t.topologyKey, 1);
          }
          for (const t of requiredAntiAffinity) {
            if (termMatches(t, existing.pod)) bump(antiAffinityCounts, labels, t.topologyKey, 1);
          }
        }
      }
    }
    state.write(PRE_FILTER_KEY, new PreFilterState(existingAntiAffinityCounts, affinityCounts, antiAffinityCounts, requiredAffinity, requiredAntiAffinity, nsLabels));
    return SUCCESS;
  }

  addPod(state: CycleState, pod: PodInfo, podToAdd: PodInfo, node: NodeInfo): Status {
    state.read<PreFilterState>(PRE_FILTER_KEY)?.updateWithPod(pod.pod, podToAdd, node.labels, 1);
    return SUCCESS;
  }

  removePod(state: CycleState, pod: PodInfo, podToRemove: PodInfo, node: NodeInfo): Status {
    state.read<PreFilterState>(PRE_FILTER_KEY)?.updateWithPod(pod.pod, podToRemove, node.labels, -1);
    return SUCCESS;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY)!;
    const labels = node.labels;
    if (!satisfiesPodAffinity(s, pod.pod, labels)) return Status.unresolvable(ERR_REASON_AFFINITY);
    if (s.antiAffinityCounts.size > 0) {
      for (const t of s.requiredAntiAffinity) {
        const value = labels[t.topologyKey];
        if (value !== undefined && countAt(s.antiAffinityCounts, t.topologyKey, value) > 0) {
          return Status.unschedulable(ERR_REASON_ANTI_AFFINITY);
        }
      }
    }
    // Each topology key of an existing pod's term, against the node's value for it.
    for (const [key, byValue] of s.existingAntiAffinityCounts) {
      const value = labels[key];
      if (value !== undefined && (byValue.get(value) ?? 0) > 0) return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
    }
    return SUCCESS;
  }

  preScore(state: CycleState, pod: PodInfo): Status {
    const preferredAffinity = (pod.affinity?.preferredAffinity ?? []).map((t) => this.resolveNamespaces(t));
    const preferredAntiAffinity = (pod.affinity?.preferredAntiAffinity ?? []).map((t) => this.resolveNamespaces(t));
    const hasConstraints = preferredAffinity.length > 0 || preferredAntiAffinity.length > 0;
    if (this.ignorePreferredTermsOfExistingPods && !hasConstraints) return Status.skip;
    const nsLabels = this.namespaceLabels(pod.pod);
    const scores: PairCounts = new Map();
    const add = (term: AffinityTerm, weight: number, target: Pod, targetNsLabels: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): void => {
      if (labels[term.topologyKey] !== undefined && termMatches(term, target, targetNsLabels)) bump(scores, labels, term.topologyKey, weight);
    };
    const addAll = (terms: readonly WeightedAffinityTerm[], sign: number, target: Pod, targetNsLabels: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): void => {
      for (const t of terms) add(t, t.weight * sign, target, targetNsLabels, labels);
    };
    // Unless the incoming pod has preferred terms, only pods with affinity can contribute.
    for (const node of hasConstraints ? this.snapshot.nodeInfos() : this.snapshot.havePodsWithAffinity()) {
      const labels = node.labels;
      if (!hasAnyLabel(labels)) continue;
      for (const existing of (hasConstraints ? node.pods : node.podsWithAffinity).values()) {
        addAll(preferredAffinity, 1, existing.pod, undefined, labels);
        addAll(preferredAntiAffinity, -1, existing.pod, undefined, labels);
        const theirs = existing.affinity;
        if (!theirs) continue;
        if (this.hardPodAffinityWeight > 0) for (const t of theirs.requiredAffinity) add(t, this.hardPodAffinityWeight, pod.pod, nsLabels, labels);
        addAll(theirs.preferredAffinity, 1, pod.pod, nsLabels, labels);
        addAll(theirs.preferredAntiAffinity, -1, pod.pod, nsLabels, labels);
      }
    }
    if (scores.size === 0) return Status.skip;
    state.write(PRE_SCORE_KEY, scores);
    return SUCCESS;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const scores = state.read<PairCounts>(PRE_SCORE_KEY)!;
    const labels = node.labels;
    let score = 0;
    for (const [key, byValue] of scores) {
      const value = labels[key];
      if (value !== undefined) score += byValue.get(value) ?? 0;
    }
    return score;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: number[]): void {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s > max) max = s;
      if (s < min) min = s;
    }
    const diff = max - min;
    // In Kubernetes' floating-point order: 100 * (29 / 100) truncates to 28.
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((scores[i] - min) / diff)) : 0;
  }
}

function hasAnyLabel(labels: Readonly<Record<string, string>>): boolean {
  for (const _ in labels) return true;
  return false;
}

/**
 * The incoming pod's required affinity: every term's topology key on the node, and pods matching
 * all terms in the node's domain; or, for the first pod of a group that selects itself, no pod in
 * the cluster matching yet (so such a group does not wait forever).
 */
function satisfiesPodAffinity(s: PreFilterState, pod: Pod, labels: Readonly<Record<string, string>>): boolean {
  let podsExist = true;
  for (const t of s.requiredAffinity) {
    const value = labels[t.topologyKey];
    if (value === undefined) return false;
    if (countAt(s.affinityCounts, t.topologyKey, value) <= 0) podsExist = false;
  }
  return podsExist || (s.affinityCounts.size === 0 && matchesAllTerms(s.requiredAffinity, pod));
}
