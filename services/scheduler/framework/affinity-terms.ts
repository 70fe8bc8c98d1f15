// A pod's inter-pod (anti-)affinity terms, parsed once per pod object (kube-scheduler's
// AffinityTerm and WeightedAffinityTerm in its PodInfo): the label selector, the namespaces the
// term names (the pod's own when it names none and has no namespaceSelector), the
// namespaceSelector and the topology key. A term matches a pod when the pod's namespace is named
// (or its labels are selected by the namespaceSelector) and the pod's labels match the selector.
import { NOTHING, type Selector, selectorFromLabelSelector } from '../../../lib/api/selectors';
import type { Pod, PodAffinityTerm, WeightedPodAffinityTerm } from '../../../lib/gen/kite/core/v1/types';
import type { LabelSelector } from '../../../lib/gen/kite/meta/v1/meta';

export interface AffinityTerm {
  readonly selector: Selector;
  readonly namespaces: ReadonlySet<string>;
  readonly namespaceSelector: Selector;
  readonly topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

/** The four term lists of a pod that has any; PodInfo.affinity is undefined for the others. */
export interface PodAffinityTerms {
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinity: readonly WeightedAffinityTerm[];
}

/** A selector that the apiserver's validation should have refused selects nothing here. */
function selector(ls: LabelSelector | undefined): Selector {
  try {
    return selectorFromLabelSelector(ls);
  } catch {
    return NOTHING;
  }
}

function affinityTerm(pod: Pod, t: PodAffinityTerm): AffinityTerm {
  const own = t.namespaces.length === 0 && t.namespaceSelector === undefined;
  return {
    selector: selector(t.labelSelector),
    namespaces: new Set(own ? [pod.metadata?.namespace ?? ''] : t.namespaces),
    namespaceSelector: selector(t.namespaceSelector),
    topologyKey: t.topologyKey,
  };
}

function weightedTerms(pod: Pod, terms: readonly WeightedPodAffinityTerm[]): WeightedAffinityTerm[] {
  const out: WeightedAffinityTerm[] = [];
  for (const w of terms) if (w.podAffinityTerm) out.push({ ...affinityTerm(pod, w.podAffinityTerm), weight: w.weight });
  return out;
}

/** The pod's terms, or undefined when it has no pod affinity or anti-affinity at all. */
export function podAffinityTerms(pod: Pod): PodAffinityTerms | undefined {
  const a = pod.spec?.affinity;
  const pa = a?.podAffinity;
  const anti = a?.podAntiAffinity;
  if (!pa && !anti) return undefined;
  const terms: PodAffinityTerms = {
    requiredAffinity: (pa?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => affinityTerm(pod, t)),
    requiredAntiAffinity: (anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => affinityTerm(pod, t)),
    preferredAffinity: weightedTerms(pod, pa?.preferredDuringSchedulingIgnoredDuringExecution ?? []),
    preferredAntiAffinity: weightedTerms(pod, anti?.preferredDuringSchedulingIgnoredDuringExecution ?? []),
  };
  const any = terms.requiredAffinity.length + terms.requiredAntiAffinity.length + terms.preferredAffinity.length + terms.preferredAntiAffinity.length;
  return any > 0 ? terms : undefined;
}

/**
 * Whether `term` selects `pod`; `nsLabels` are the labels of the pod's namespace, or none when the
 * term's namespaceSelector has been resolved into its namespaces (it then selects nothing, or
 * every namespace if it was empty).
 */
export function termMatches(term: AffinityTerm, pod: Pod, nsLabels?: Readonly<Record<string, string>>): boolean {
  const ns = pod.metadata?.namespace ?? '';
  if (!term.namespaces.has(ns) && !term.namespaceSelector.matches(nsLabels ?? NO_LABELS)) return false;
  return term.selector.matches(pod.metadata?.labels);
}

const NO_LABELS: Readonly<Record<string, string>> = {};
