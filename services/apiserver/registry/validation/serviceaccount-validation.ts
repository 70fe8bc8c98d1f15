// Validation of ServiceAccount as Kubernetes' ValidateServiceAccount: the metadata with a DNS
// subdomain name (ValidateServiceAccountName); secrets and imagePullSecrets are references the
// apiserver does not check (a missing pull secret is the kubelet's concern, as in Kubernetes).
import type { FieldCause } from '../../../../lib/api/errors';
import type { ServiceAccount } from '../../../../lib/gen/kite/core/v1/types';
import { validateMeta } from './validation';
import { Causes } from './validation-helpers';

export function validateServiceAccount(sa: ServiceAccount): FieldCause[] {
  const c = new Causes();
  validateMeta(c, sa.metadata, true, 'subdomain');
  return c.list;
}
