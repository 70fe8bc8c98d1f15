// Validation of ResourceQuota: a DNS subdomain name and hard limits on supported resources with
// non-negative quantities.
import type { FieldCause } from '../../../../lib/api/errors';
import type { ResourceQuota } from '../../../../lib/gen/kite/core/v1/types';
import { validateMeta } from '../../admission/validation';
import { Causes, quantity } from '../../admission/validation-helpers';
import { STANDARD_QUOTA_RESOURCES, isSupportedQuotaResource } from './quota-usage';

export function validateResourceQuota(q: ResourceQuota): FieldCause[] {
  const c = new Causes();
  validateMeta(c, q.metadata, true, 'subdomain');
  for (const [name, value] of Object.entries(q.spec?.hard ?? {})) {
    const field = `spec.hard[${name}]`;
    if (!isSupportedQuotaResource(name)) {
      c.notSupported(field, name.slice(0, 100), [...STANDARD_QUOTA_RESOURCES, 'count/<resource>[.<group>]']);
      continue;
    }
    quantity(c, field, value.slice(0, 100));
  }
  return c.list;
}
