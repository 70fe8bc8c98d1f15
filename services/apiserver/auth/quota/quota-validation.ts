// Validation of ResourceQuota as Kubernetes' ValidateResourceQuota: a DNS subdomain name; hard
// limits on the resource names quota knows (standard names, count/<resource>[.<group>], huge
// pages, anything domain-qualified) with non-negative quantities, whole for object counts and
// extended resources; scopes valid for the resources they cap; scopes fixed after creation.
import type { FieldCause } from '../../../../lib/api/errors';
import { isValidQuantity } from '../../../../lib/api/quantity';
import type { ResourceQuota } from '../../../../lib/gen/kite/core/v1/types';
import { isIntegerResourceName, validateQuotaResourceName } from '../../admission/resource-names';
import { validateMeta } from '../../admission/validation';
import { Causes, quantity } from '../../admission/validation-helpers';
import { parseAmount } from './quota-usage';
import { validateQuotaScopes } from './quota-scopes';

export function validateResourceQuota(q: ResourceQuota): FieldCause[] {
  const c = new Causes();
  validateMeta(c, q.metadata, true, 'subdomain');
  for (const [name, value] of Object.entries(q.spec?.hard ?? {})) {
    const field = `spec.hard[${name}]`;
    if (!validateQuotaResourceName(c, field, name.slice(0, 253))) continue;
    const before = c.list.length;
    quantity(c, field, value.slice(0, 100));
    if (c.list.length === before && isValidQuantity(value) && isIntegerResourceName(name) && parseAmount(value) % 1000n !== 0n) c.add(field, `Invalid value: "${value}": must be an integer`);
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
