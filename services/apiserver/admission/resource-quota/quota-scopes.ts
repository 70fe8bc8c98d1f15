// ResourceQuota scopes (spec.scopes and spec.scopeSelector), as Kubernetes' quota evaluators
// match them (their validation is in registry/validation/quota-validation.ts): a scoped quota
// counts only the pods matching every scope
// (Terminating: an activeDeadlineSeconds; BestEffort: no cpu or memory request or limit;
// PriorityClass: by spec.priorityClassName; CrossNamespacePodAffinity: affinity terms naming other
// namespaces, which Kite's pods cannot express yet), never other kinds.
import type { KindInfo, KubeObject } from '../../../../lib/api/kinds';
import type { Pod, ResourceQuota, ResourceQuotaSpec, ScopedResourceSelectorRequirement } from '../../../../lib/gen/kite/core/v1/types';
import { qosClass } from '../../registry/defaults';

/** GetScopeSelectorsFromQuota: spec.scopes as "Exists" requirements, then spec.scopeSelector's. */
export function scopeSelectors(spec: ResourceQuotaSpec | undefined): ScopedResourceSelectorRequirement[] {
  return [
    ...(spec?.scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists', values: [] })),
    ...(spec?.scopeSelector?.matchExpressions ?? []),
  ];
}

/** podMatchesScopeFunc. */
function podMatchesScope(sel: ScopedResourceSelectorRequirement, pod: Pod): boolean {
  const spec = pod.spec;
  switch (sel.scopeName) {
    case 'Terminating':
      return (spec?.activeDeadlineSeconds ?? -1) >= 0;
    case 'NotTerminating':
      return !((spec?.activeDeadlineSeconds ?? -1) >= 0);
    case 'BestEffort':
      return !!spec && qosClass(spec) === 'BestEffort';
    case 'NotBestEffort':
      return !spec || qosClass(spec) !== 'BestEffort';
    case 'PriorityClass': {
      // A label selector on the key "PriorityClass" over a pod labelled with its class, if any.
      const pc = spec?.priorityClassName ?? '';
      if (sel.operator === 'Exists') return pc !== '';
      if (sel.operator === 'DoesNotExist') return pc === '';
      if (sel.operator === 'In') return pc !== '' && sel.values.includes(pc);
      return pc === '' || !sel.values.includes(pc);
    }
    default:
      return false;
  }
}

/** Whether a quota counts `obj`: unscoped quotas count everything, scoped ones only matching pods. */
export function quotaMatches(q: ResourceQuota, kind: KindInfo<any>, obj: KubeObject): boolean {
  const selectors = scopeSelectors(q.spec);
  if (!selectors.length) return true;
  return kind.kind === 'Pod' && selectors.every((s) => podMatchesScope(s, obj as Pod));
}
