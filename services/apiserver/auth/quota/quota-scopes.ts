// ResourceQuota scopes (spec.scopes and spec.scopeSelector), as Kubernetes' quota evaluators and
// ValidateResourceQuotaSpec have them: a scoped quota counts only the pods matching every scope
// (Terminating: an activeDeadlineSeconds; BestEffort: no cpu or memory request or limit;
// PriorityClass: by spec.priorityClassName; CrossNamespacePodAffinity: affinity terms naming other
// namespaces, which Kite's pods cannot express yet), never other kinds; and a scope may only
// cap the resources it can track (BestEffort pods have no compute to count).
import type { KindInfo, KubeObject } from '../../../../lib/api/kinds';
import type { Pod, ResourceQuota, ResourceQuotaSpec, ScopedResourceSelectorRequirement } from '../../../../lib/gen/kite/core/v1/types';
import { qosClass } from '../../admission/defaults';
import { isStandardQuotaResourceName } from '../../admission/resource-names';
import type { Causes } from '../../admission/validation-helpers';

export const QUOTA_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'] as const;
/** Scopes that are true or false of a pod: only "Exists" makes sense for them. */
const BOOLEAN_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'CrossNamespacePodAffinity'];
const CONFLICTING_SCOPES = [['BestEffort', 'NotBestEffort'], ['Terminating', 'NotTerminating']];
const POD_COMPUTE = ['cpu', 'limits.cpu', 'limits.memory', 'memory', 'requests.cpu', 'requests.memory'];

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

/** IsResourceQuotaScopeValidForResource. */
function scopeValidFor(scope: string, resource: string): boolean {
  if (scope === 'BestEffort') return resource === 'pods';
  if ((QUOTA_SCOPES as readonly string[]).includes(scope)) return resource === 'pods' || POD_COMPUTE.includes(resource);
  return true;
}

const json = (v: unknown) => JSON.stringify(v);

/** validateResourceQuotaScopes and validateScopedResourceSelectorRequirement. */
export function validateQuotaScopes(c: Causes, spec: ResourceQuotaSpec | undefined): void {
  const hard = Object.keys(spec?.hard ?? {}).filter(isStandardQuotaResourceName).sort();
  const conflicts = (scopes: Set<string>, field: string, value: unknown) => {
    for (const pair of CONFLICTING_SCOPES) if (pair.every((s) => scopes.has(s))) c.add(field, `Invalid value: ${json(value)}: conflicting scopes`);
  };
  const scopes = spec?.scopes ?? [];
  if (scopes.length) {
    for (const scope of scopes) {
      if (!(QUOTA_SCOPES as readonly string[]).includes(scope)) c.add('spec.scopes', `Invalid value: ${json(scopes)}: unsupported scope`);
      for (const r of hard) if (!scopeValidFor(scope, r)) c.add('spec.scopes', `Invalid value: ${json(scopes)}: unsupported scope applied to resource`);
    }
    conflicts(new Set(scopes), 'spec.scopes', scopes);
  }
  const selector = spec?.scopeSelector;
  if (!selector) return;
  const path = 'spec.scopeSelector.matchExpressions';
  const named = new Set<string>();
  for (const req of selector.matchExpressions) {
    if (!(QUOTA_SCOPES as readonly string[]).includes(req.scopeName)) c.add(`${path}.scopeName`, `Invalid value: "${req.scopeName}": unsupported scope`);
    for (const r of hard) if (!scopeValidFor(req.scopeName, r)) c.add(path, `Invalid value: ${json(selector)}: unsupported scope applied to resource`);
    if (BOOLEAN_SCOPES.includes(req.scopeName) && req.operator !== 'Exists') {
      c.add(
        `${path}.operator`,
        `Invalid value: "${req.operator}": must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity`,
      );
    }
    if (req.operator === 'In' || req.operator === 'NotIn') {
      if (!req.values.length) c.add(`${path}.values`, "Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector");
    } else if (req.operator === 'Exists' || req.operator === 'DoesNotExist') {
      if (req.values.length) c.add(`${path}.values`, `Invalid value: ${json(req.values)}: must be no value when \`operator\` is 'Exist' or 'DoesNotExist' for scope selector`);
    } else {
      c.add(`${path}.operator`, `Invalid value: "${req.operator}": not a valid selector operator`);
    }
    named.add(req.scopeName);
  }
  conflicts(named, path, selector);
}
