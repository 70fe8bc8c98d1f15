// A pod's topology spread constraints as kube-scheduler's PodTopologySpread reads them: the
// constraints with one whenUnsatisfiable action, each with its selector parsed (and the pod's
// values for matchLabelKeys added to it), minDomains (1 when unset) and the node inclusion
// policies (nodeAffinityPolicy Honor and nodeTaintsPolicy Ignore when unset). A pod without
// constraints of its own gets the system default constraints (hostname maxSkew 3, zone maxSkew 5,
// both ScheduleAnyway) with the selector of the Services, ReplicaSet or StatefulSet it belongs to.
import { fitsNodeAffinity } from '../../../../lib/api/node-selector';
import { EVERYTHING, NOTHING, type Selector, selectorFromLabelSelector } from '../../../../lib/api/selectors';
import { findUntoleratedTaint } from '../../../../lib/api/taints';
import type { Pod, Toleration, TopologySpreadConstraint } from '../../../../lib/gen/kite/core/v1/types';
import type { LabelSelector, LabelSelectorRequirement } from '../../../../lib/gen/kite/meta/v1/meta';
import type { SchedulerListers } from '../../framework/listers';
import type { NodeInfo } from '../../framework/node-info';
import type { PodInfo } from '../../framework/pod-info';

export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const DO_NOT_SCHEDULE = 'DoNotSchedule';
export const SCHEDULE_ANYWAY = 'ScheduleAnyway';

/** kube-scheduler's systemDefaultConstraints (PodTopologySpread's defaultingType System). */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly TopologySpreadConstraint[] = [
  { topologyKey: HOSTNAME_LABEL, whenUnsatisfiable: SCHEDULE_ANYWAY, maxSkew: 3, matchLabelKeys: [] },
  { topologyKey: ZONE_LABEL, whenUnsatisfiable: SCHEDULE_ANYWAY, maxSkew: 5, matchLabelKeys: [] },
];

/** The taint effects a pod must tolerate for a node to count under nodeTaintsPolicy Honor. */
const DO_NOT_SCHEDULE_EFFECTS = ['NoSchedule', 'NoExecute'];

export interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly selector: Selector;
  readonly minDomains: number;
  readonly honorNodeAffinity: boolean;
  readonly honorNodeTaints: boolean;
}

function selectorWithMatchLabelKeys(ls: LabelSelector | undefined, keys: readonly string[], podLabels: Readonly<Record<string, string>>): Selector {
  if (!ls) return NOTHING;
  const matchLabels = { ...ls.matchLabels };
  for (const k of keys) if (podLabels[k] !== undefined) matchLabels[k] = podLabels[k];
  try {
    return selectorFromLabelSelector({ matchLabels, matchExpressions: ls.matchExpressions });
  } catch {
    return NOTHING; // refused by the apiserver's validation; never reached for stored pods
  }
}

/** The constraints of `constraints` whose whenUnsatisfiable is `action`. */
export function filterConstraints(constraints: readonly TopologySpreadConstraint[], pod: Pod, action: string, selector?: Selector): SpreadConstraint[] {
  const out: SpreadConstraint[] = [];
  const podLabels = pod.metadata?.labels ?? {};
  for (const c of constraints) {
    if (c.whenUnsatisfiable !== action) continue;
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector: selector ?? selectorWithMatchLabelKeys(c.labelSelector, c.matchLabelKeys, podLabels),
      minDomains: c.minDomains ?? 1,
      honorNodeAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
      honorNodeTaints: (c.nodeTaintsPolicy ?? 'Ignore') === 'Honor',
    });
  }
  return out;
}

/**
 * Kubernetes' DefaultSelector: the selectors of the Services in the pod's namespace that select
 * it, and of its controller when that is a ReplicaSet or StatefulSet, all required together.
 */
export function defaultSelector(pod: Pod, listers: SchedulerListers): Selector {
  const ns = pod.metadata?.namespace ?? '';
  const podLabels = pod.metadata?.labels ?? {};
  const matchLabels: Record<string, string> = {};
  for (const svc of listers.listServices(ns)) {
    const sel = svc.spec?.selector ?? {};
    // A Service without a selector selects nothing, not everything.
    if (Object.keys(sel).length === 0) continue;
    let selects = true;
    for (const k in sel) if (podLabels[k] !== sel[k]) selects = false;
    if (selects) Object.assign(matchLabels, sel);
  }
  const matchExpressions: LabelSelectorRequirement[] = [];
  const owner = pod.metadata?.ownerReferences.find((r) => r.controller);
  const workload =
    owner?.apiVersion === 'apps/v1' && owner.kind === 'ReplicaSet'
      ? listers.getReplicaSet(ns, owner.name)
      : owner?.apiVersion === 'apps/v1' && owner.kind === 'StatefulSet'
        ? listers.getStatefulSet(ns, owner.name)
        : undefined;
  const ws = workload?.spec?.selector;
  if (ws) {
    for (const [key, value] of Object.entries(ws.matchLabels)) matchExpressions.push({ key, operator: 'In', values: [value] });
    matchExpressions.push(...ws.matchExpressions);
  }
  if (Object.keys(matchLabels).length === 0 && matchExpressions.length === 0) return EVERYTHING;
  try {
    return selectorFromLabelSelector({ matchLabels, matchExpressions });
  } catch {
    return EVERYTHING;
  }
}

/** The pod's constraints with `action`, or the system defaults with its default selector. */
export function podConstraints(pod: Pod, action: string, listers: SchedulerListers): SpreadConstraint[] {
  const own = pod.spec?.topologySpreadConstraints ?? [];
  if (own.length > 0) return filterConstraints(own, pod, action);
  if (!SYSTEM_DEFAULT_CONSTRAINTS.some((c) => c.whenUnsatisfiable === action)) return [];
  const selector = defaultSelector(pod, listers);
  return selector.empty() ? [] : filterConstraints(SYSTEM_DEFAULT_CONSTRAINTS, pod, action, selector);
}

/** Whether the node has every constraint's topology key. */
export function hasAllTopologyKeys(labels: Readonly<Record<string, string>>, constraints: readonly SpreadConstraint[]): boolean {
  for (const c of constraints) if (labels[c.topologyKey] === undefined) return false;
  return true;
}

/**
 * Whether the node's domain counts for a constraint under its node inclusion policies:
 * nodeAffinityPolicy Honor leaves out nodes the pod's nodeSelector or required node affinity
 * refuses, nodeTaintsPolicy Honor nodes with a NoSchedule/NoExecute taint it does not tolerate.
 */
export class NodeInclusion {
  private readonly hasNodeAffinity: boolean;
  private readonly tolerations: readonly Toleration[];

  constructor(private readonly pod: Pod) {
    const spec = pod.spec;
    this.hasNodeAffinity = Object.keys(spec?.nodeSelector ?? {}).length > 0 || spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution !== undefined;
    this.tolerations = spec?.tolerations ?? [];
  }

  /** `fits` caches the node affinity result for the node across its constraints. */
  includes(c: SpreadConstraint, node: NodeInfo, fits: { node?: NodeInfo; ok?: boolean }): boolean {
    if (c.honorNodeAffinity && this.hasNodeAffinity) {
      if (fits.node !== node) {
        fits.node = node;
        fits.ok = fitsNodeAffinity(this.pod, node.name, node.labels);
      }
      if (!fits.ok) return false;
    }
    return !(c.honorNodeTaints && findUntoleratedTaint(node.taints, this.tolerations, DO_NOT_SCHEDULE_EFFECTS));
  }
}

/** Pods on the node in `namespace` that the selector matches, leaving out terminating pods (an empty selector counts none). */
export function countMatching(node: NodeInfo, selector: Selector, namespace: string): number {
  if (selector.empty()) return 0;
  let n = 0;
  for (const p of node.pods.values()) {
    const m = p.pod.metadata;
    if (m?.deletionTimestamp || m?.namespace !== namespace) continue;
    if (selector.matches(m.labels)) n++;
  }
  return n;
}

export function selfMatches(c: SpreadConstraint, pod: PodInfo): boolean {
  return c.selector.matches(pod.pod.metadata?.labels);
}
