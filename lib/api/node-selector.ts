// Matching of NodeSelectorTerms (required and preferred node affinity) against a node, with
// Kubernetes' semantics: terms are ORed, a term's requirements ANDed, an empty term matches nothing
// (component-helpers' nodeaffinity), shared by the scheduler, the DaemonSet controller and volume binding.
import type { NodeSelectorRequirement, NodeSelectorTerm, Pod } from '../gen/kite/core/v1/types';

const INTEGER = /^[+-]?\d+$/;

function compareInt(labelValue: string | undefined, values: readonly string[], gt: boolean): boolean {
  if (labelValue === undefined || values.length !== 1) return false;
  if (!INTEGER.test(labelValue) || !INTEGER.test(values[0])) return false;
  const l = Number(labelValue);
  const r = Number(values[0]);
  return gt ? l > r : l < r;
}

/** One matchExpressions requirement against a node's labels. Unknown operators match nothing. */
export function matchesRequirement(req: NodeSelectorRequirement, labels: { [key: string]: string }): boolean {
  const value = Object.hasOwn(labels, req.key) ? labels[req.key] : undefined;
  switch (req.operator) {
    case 'In':
      return value !== undefined && req.values.includes(value);
    case 'NotIn':
      return value === undefined || !req.values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return compareInt(value, req.values, true);
    case 'Lt':
      return compareInt(value, req.values, false);
    default:
      return false;
  }
}

/** One matchFields requirement; Kubernetes supports only metadata.name with In and NotIn. */
export function matchesFieldRequirement(req: NodeSelectorRequirement, nodeName: string): boolean {
  if (req.key !== 'metadata.name') return false;
  if (req.operator === 'In') return req.values.includes(nodeName);
  if (req.operator === 'NotIn') return !req.values.includes(nodeName);
  return false;
}

export function matchesTerm(term: NodeSelectorTerm, nodeName: string, labels: { [key: string]: string }): boolean {
  if (term.matchExpressions.length === 0 && term.matchFields.length === 0) return false;
  for (const r of term.matchExpressions) if (!matchesRequirement(r, labels)) return false;
  for (const r of term.matchFields) if (!matchesFieldRequirement(r, nodeName)) return false;
  return true;
}

export function matchesAnyTerm(
  terms: readonly NodeSelectorTerm[],
  nodeName: string,
  labels: { [key: string]: string },
): boolean {
  for (const t of terms) if (matchesTerm(t, nodeName, labels)) return true;
  return false;
}

/** spec.nodeSelector (every label equal) and the required node affinity terms (any matches), when present. */
export function fitsNodeAffinity(pod: Pod, nodeName: string, labels: { [key: string]: string }): boolean {
  const selector = pod.spec?.nodeSelector ?? {};
  for (const key in selector) if (labels[key] !== selector[key]) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return required === undefined || matchesAnyTerm(required.nodeSelectorTerms, nodeName, labels);
}
