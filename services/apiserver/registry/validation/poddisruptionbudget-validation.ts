// Kubernetes' PodDisruptionBudget rules (pkg/apis/policy/validation ValidatePodDisruptionBudget and
// the policy/v1 strategy): a DNS subdomain name; minAvailable and maxUnavailable, at most one of
// them, each a non-negative number of pods or a percentage no greater than 100%; a valid label
// selector (absent or empty: every pod of the namespace, as policy/v1 has it); the
// unhealthyPodEvictionPolicy IfHealthyBudget or AlwaysAllow. The spec stays mutable; status is
// reset on create and written only through the status subresource (the generic registry's rule).
import type { FieldCause } from '../../../../lib/api/errors';
import type { PodDisruptionBudget } from '../../../../lib/gen/kite/policy/v1/types';
import { validateLabelSelector } from './networkpolicy-validation';
import { validateMeta } from './validation';
import { Causes } from './validation-helpers';

export const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'] as const;

const PERCENT = /^[0-9]+%$/;

/** Whether an int-or-string field holds a value (JSON null and absence are both unset). */
function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** apps' ValidatePositiveIntOrPercent and IsNotMoreThan100Percent. */
function validateIntOrPercent(c: Causes, field: string, v: unknown): void {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) c.add(field, `Invalid value: ${v}: must be an integer or percentage (e.g '5%')`);
    else if (v < 0) c.add(field, `Invalid value: ${v}: must be greater than or equal to 0`);
  } else if (typeof v === 'string') {
    if (!PERCENT.test(v)) {
      c.add(field, `Invalid value: "${v}": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`);
    } else if (Number(v.slice(0, -1)) > 100) c.add(field, `Invalid value: "${v}": must not be greater than 100%`);
  } else c.add(field, `Invalid value: ${JSON.stringify(v)}: must be an integer or percentage (e.g '5%')`);
}

export function validatePodDisruptionBudget(pdb: PodDisruptionBudget): FieldCause[] {
  const c = new Causes();
  validateMeta(c, pdb.metadata, true, 'subdomain');
  const spec = pdb.spec;
  if (!spec) return c.list;
  if (isSet(spec.minAvailable) && isSet(spec.maxUnavailable)) {
    c.add('spec', `Invalid value: ${JSON.stringify(spec)}: minAvailable and maxUnavailable cannot be both set`);
  }
  if (isSet(spec.minAvailable)) validateIntOrPercent(c, 'spec.minAvailable', spec.minAvailable);
  if (isSet(spec.maxUnavailable)) validateIntOrPercent(c, 'spec.maxUnavailable', spec.maxUnavailable);
  validateLabelSelector(c, spec.selector, 'spec.selector');
  if (spec.unhealthyPodEvictionPolicy !== undefined) {
    c.notSupported('spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, UNHEALTHY_POD_EVICTION_POLICIES);
  }
  return c.list;
}

/** The policy/v1 strategy's PrepareForCreate: a new budget starts with an empty status. */
export function preparePodDisruptionBudgetForCreate(pdb: PodDisruptionBudget): void {
  pdb.status = { observedGeneration: 0, disruptedPods: {}, disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, conditions: [] };
}
