// Kubernetes' ValidateNetworkPolicy (pkg/apis/networking/validation): the object's metadata (a
// DNS subdomain name).
import type { FieldCause } from '../../../../lib/api/errors';
import type { NetworkPolicy } from '../../../../lib/gen/kite/networking/v1/types';
import { validateMeta } from './validation';
import { Causes } from './validation-helpers';

export function validateNetworkPolicy(n: NetworkPolicy): FieldCause[] {
  const c = new Causes();
  validateMeta(c, n.metadata, true, 'subdomain');
  return c.list;
}
