// Validation of a pod's inter-pod affinity and topology spread constraints with Kubernetes' rules
// and messages (validatePodAffinity, validatePodAntiAffinity and validateTopologySpreadConstraints
// in its core validation), and the pod-creation step that merges each affinity term's
// matchLabelKeys / mismatchLabelKeys into its labelSelector (the pod strategy's
// applyMatchLabelKeysAndMismatchLabelKeys).
import type { Affinity, Pod, PodAffinityTerm, TopologySpreadConstraint, WeightedPodAffinityTerm } from '../../../../lib/gen/kite/core/v1/types';
import type { LabelSelector } from '../../../../lib/gen/kite/meta/v1/meta';
import { validateLabelSelector } from './networkpolicy-validation';
import * as v from './validation-helpers';

const NOT_POSITIVE = 'must be greater than zero';

function validateLabelKeys(c: v.Causes, path: string, keys: readonly string[], selector: LabelSelector | undefined): void {
  if (keys.length === 0) return;
  if (!selector) {
    c.add(path, 'Forbidden: must not be specified when labelSelector is not set');
    return;
  }
  keys.forEach((k, i) => v.qualifiedName(c, `${path}[${i}]`, k));
}

/**
 * matchLabelKeys and mismatchLabelKeys: label names, only beside a labelSelector, a matchLabelKeys
 * key not already in the selector (merging added it once, as an expression) nor in mismatchLabelKeys.
 */
function validateLabelKeysOfTerm(c: v.Causes, path: string, t: PodAffinityTerm): void {
  validateLabelKeys(c, `${path}.matchLabelKeys`, t.matchLabelKeys, t.labelSelector);
  validateLabelKeys(c, `${path}.mismatchLabelKeys`, t.mismatchLabelKeys, t.labelSelector);
  if (t.labelSelector) {
    const seen = new Set(Object.keys(t.labelSelector.matchLabels));
    for (const e of t.labelSelector.matchExpressions) {
      const i = t.matchLabelKeys.indexOf(e.key);
      if (i >= 0 && seen.has(e.key)) c.add(`${path}.matchLabelKeys[${i}]`, `Invalid value: "${e.key}": exists in both matchLabelKeys and labelSelector`);
      seen.add(e.key);
    }
  }
  t.matchLabelKeys.forEach((k, i) => {
    if (t.mismatchLabelKeys.includes(k)) c.add(`${path}.matchLabelKeys[${i}]`, `Invalid value: "${k}": exists in both matchLabelKeys and mismatchLabelKeys`);
  });
}

function validateTerm(c: v.Causes, path: string, t: PodAffinityTerm | undefined): void {
  if (!t) return;
  validateLabelSelector(c, t.labelSelector, `${path}.labelSelector`);
  validateLabelSelector(c, t.namespaceSelector, `${path}.namespaceSelector`);
  // Kubernetes reports a bad name at ".namespace", singular.
  for (const ns of t.namespaces) v.dns1123Label(c, `${path}.namespace`, ns);
  validateLabelKeysOfTerm(c, path, t);
  if (!t.topologyKey) c.add(`${path}.topologyKey`, 'Required value: can not be empty');
  v.qualifiedName(c, `${path}.topologyKey`, t.topologyKey);
}

function validateTerms(c: v.Causes, path: string, required: readonly PodAffinityTerm[], preferred: readonly WeightedPodAffinityTerm[]): void {
  required.forEach((t, i) => validateTerm(c, `${path}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`, t));
  preferred.forEach((w, i) => {
    const p = `${path}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
    if (w.weight <= 0 || w.weight > 100) c.add(`${p}.weight`, `Invalid value: ${w.weight}: must be in the range 1-100`);
    validateTerm(c, `${p}.podAffinityTerm`, w.podAffinityTerm);
  });
}

/** spec.affinity.podAffinity and podAntiAffinity. */
export function validatePodAffinity(c: v.Causes, affinity: Affinity | undefined, path: string): void {
  const pa = affinity?.podAffinity;
  if (pa) validateTerms(c, `${path}.podAffinity`, pa.requiredDuringSchedulingIgnoredDuringExecution, pa.preferredDuringSchedulingIgnoredDuringExecution);
  const anti = affinity?.podAntiAffinity;
  if (anti) validateTerms(c, `${path}.podAntiAffinity`, anti.requiredDuringSchedulingIgnoredDuringExecution, anti.preferredDuringSchedulingIgnoredDuringExecution);
}

const ACTIONS = ['DoNotSchedule', 'ScheduleAnyway'];
const NODE_INCLUSION_POLICIES = ['Honor', 'Ignore'];

/** spec.topologySpreadConstraints. */
export function validateTopologySpreadConstraints(c: v.Causes, constraints: readonly TopologySpreadConstraint[], path: string): void {
  constraints.forEach((t, i) => {
    const p = `${path}[${i}]`;
    if (t.maxSkew <= 0) c.add(`${p}.maxSkew`, `Invalid value: ${t.maxSkew}: ${NOT_POSITIVE}`);
    if (!t.topologyKey) c.add(`${p}.topologyKey`, 'Required value: can not be empty');
    c.notSupported(`${p}.whenUnsatisfiable`, t.whenUnsatisfiable, ACTIONS);
    if (constraints.slice(i + 1).some((o) => o.topologyKey === t.topologyKey && o.whenUnsatisfiable === t.whenUnsatisfiable)) {
      c.add(`${p}.{topologyKey, whenUnsatisfiable}`, `Duplicate value: "{${t.topologyKey}, ${t.whenUnsatisfiable}}"`);
    }
    if (t.minDomains !== undefined) {
      if (t.minDomains <= 0) c.add(`${p}.minDomains`, `Invalid value: ${t.minDomains}: ${NOT_POSITIVE}`);
      if (t.whenUnsatisfiable !== 'DoNotSchedule') {
        c.add(`${p}.minDomains`, `Invalid value: ${t.minDomains}: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${t.whenUnsatisfiable}`);
      }
    }
    if (t.nodeAffinityPolicy !== undefined) c.notSupported(`${p}.nodeAffinityPolicy`, t.nodeAffinityPolicy, NODE_INCLUSION_POLICIES);
    if (t.nodeTaintsPolicy !== undefined) c.notSupported(`${p}.nodeTaintsPolicy`, t.nodeTaintsPolicy, NODE_INCLUSION_POLICIES);
    const selectorKeys = new Set([...Object.keys(t.labelSelector?.matchLabels ?? {}), ...(t.labelSelector?.matchExpressions ?? []).map((e) => e.key)]);
    t.matchLabelKeys.forEach((k, j) => {
      v.qualifiedName(c, `${p}.matchLabelKeys[${j}]`, k);
      if (selectorKeys.has(k)) c.add(`${p}.matchLabelKeys[${j}]`, `Invalid value: "${k}": exists in both matchLabelKeys and labelSelector`);
    });
    validateLabelSelector(c, t.labelSelector, `${p}.labelSelector`);
  });
}

function mergeLabelKeys(t: PodAffinityTerm | undefined, labels: Readonly<Record<string, string>>): void {
  // A term without a labelSelector selects no pods; the keys leave it that way.
  if (!t?.labelSelector) return;
  for (const key of t.matchLabelKeys) {
    if (labels[key] !== undefined) t.labelSelector.matchExpressions.push({ key, operator: 'In', values: [labels[key]] });
  }
  for (const key of t.mismatchLabelKeys) {
    if (labels[key] !== undefined) t.labelSelector.matchExpressions.push({ key, operator: 'NotIn', values: [labels[key]] });
  }
}

/**
 * At pod creation, each affinity and anti-affinity term's matchLabelKeys become `key In (the pod's
 * value)` and its mismatchLabelKeys `key NotIn (the pod's value)` in its labelSelector.
 */
export function applyMatchLabelKeys(pod: Pod): void {
  const labels = pod.metadata?.labels ?? {};
  for (const a of [pod.spec?.affinity?.podAffinity, pod.spec?.affinity?.podAntiAffinity]) {
    if (!a) continue;
    for (const t of a.requiredDuringSchedulingIgnoredDuringExecution) mergeLabelKeys(t, labels);
    for (const w of a.preferredDuringSchedulingIgnoredDuringExecution) mergeLabelKeys(w.podAffinityTerm, labels);
  }
}
