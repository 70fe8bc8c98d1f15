// The metrics API's objects (metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics) on their write
// path. metrics-server builds them itself and never accepts them from a client, so Kubernetes has
// no validation for them; Kite's writer is the controller-manager's metrics-scraper, and the
// registry still refuses what no reader could use: a bad name (a node's or a pod's rules) and a
// usage that is not a quantity.
import type { FieldCause } from '../../../../lib/api/errors';
import type { NodeMetrics, PodMetrics } from '../../../../lib/gen/kite/metrics/v1beta1/types';
import { validateMeta } from './validation';
import * as v from './validation-helpers';

function validateUsage(c: v.Causes, path: string, usage: Record<string, string>): void {
  for (const [name, value] of Object.entries(usage)) v.quantity(c, `${path}[${name}]`, value);
}

export function validateNodeMetrics(m: NodeMetrics): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, m.metadata, false, 'subdomain');
  validateUsage(c, 'usage', m.usage);
  return c.list;
}

export function validatePodMetrics(m: PodMetrics): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, m.metadata, true, 'subdomain');
  m.containers.forEach((ct, i) => validateUsage(c, `containers[${i}].usage`, ct.usage));
  return c.list;
}
