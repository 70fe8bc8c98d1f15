// Kubernetes' ValidateEndpointSlice (pkg/apis/discovery/validation): the object's metadata (a DNS
// subdomain name).
import type { FieldCause } from '../../../../lib/api/errors';
import type { EndpointSlice } from '../../../../lib/gen/kite/discovery/v1/types';
import { validateMeta } from './validation';
import { Causes } from './validation-helpers';

export function validateEndpointSlice(s: EndpointSlice): FieldCause[] {
  const c = new Causes();
  validateMeta(c, s.metadata, true, 'subdomain');
  return c.list;
}
