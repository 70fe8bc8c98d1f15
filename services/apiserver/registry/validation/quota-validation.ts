// Validation of ResourceQuota as Kubernetes' ValidateResourceQuota: a DNS subdomain name; hard
// limits on the resource names quota knows (standard names, count/<resource>[.<group>], huge
// pages, anything domain-qualified) with non-negative quantities, whole for object counts and
// extended resources; scopes valid for the resources they cap (a scope may only cap what it can
// track: BestEffort pods have no compute to count); scopes fixed after creation.
import type { FieldCause } from '../../../../lib/api/errors';
import { isValidQuantity, Quantity } from '../../../../lib/api/quantity';
import type { ResourceQuota, ResourceQuotaSpec } from '../../../../lib/gen/kite/core/v1/types';
import { isIntegerResourceName, isStandardQuotaResourceName, validateQuotaResourceName } from './resource-names';
import { validateMeta } from './validation';
import { Causes, quantity } from './validation-helpers';

export function validateResourceQuota(q: ResourceQuota): FieldCause[] {
  const c = new Causes();
  validateMeta(c, q.metadata, true, 'subdomain');
  for (const [name, value] of Object.entries(q.spec?.hard ?? {})) {
    const field = `spec.hard[${name}]`;
    if (!validateQuotaResourceName(c, field, name.slice(0, 253))) continue;
    const before = c.list.length;
    quantity(c, field, value.slice(0, 100));
    if (c.list.length === before && isValidQuantity(value) && isIntegerResourceName(name) && Quantity.parse(value).scaled(3) % 1000n !== 0n) c.add(field, `Invalid value: "${value}": must be an integer`);
  }
  validateQuotaScopes(c, q.spec);
  return c.list;
}

/** ValidateResourceQuotaUpdate: spec.scopes cannot change. */
export function validateResourceQuotaUpdate(q: ResourceQuota, old: ResourceQuota): FieldCause[] {
  const scopes = (r: ResourceQuota) => [...new Set(r.spec?.scopes ?? [])].sort().join(',');
  const causes = validateResourceQuota(q);
  if (scopes(q) !== scopes(old)) causes.push({ field: 'spec.scopes', message: `Invalid value: ${JSON.stringify(q.spec?.scopes ?? [])}: field is immutable` });
  return causes;
}

const QUOTA_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'] as const;
/** Scopes that are true or false of a pod: only "Exists" makes sense for them. */
const BOOLEAN_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'CrossNamespacePodAffinity'];
const CONFLICTING_SCOPES = [['BestEffort', 'NotBestEffort'], ['Terminating', 'NotTerminating']];
const POD_COMPUTE = ['cpu', 'limits.cpu', 'limits.memory', 'memory', 'requests.cpu', 'requests.memory'];

/** IsResourceQuotaScopeValidForResource. */
function scopeValidFor(scope: string, resource: string): boolean {
  if (scope === 'BestEffort') return resource === 'pods';
  if ((QUOTA_SCOPES as readonly string[]).includes(scope)) return resource === 'pods' || POD_COMPUTE.includes(resource);
  return true;
}

const json = (v: unknown) => JSON.stringify(v);

/** validateResourceQuotaScopes and validateScopedResourceSelectorRequirement. */
function validateQuotaScopes(c: Causes, spec: ResourceQuotaSpec | undefined): void {
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
