// The pod's scheduling fields of issue 17 as Kubernetes' core validation checks them:
// spec.preemptionPolicy (validatePreemptionPolicy, shared with the PriorityClass) and
// spec.schedulingGates (validateSchedulingGates on create, validateOnlyDeletedSchedulingGates on
// update: gates can only be removed once the pod exists; a pod with gates cannot name a node).
import type { PodSchedulingGate, PodSpec } from '../../../../lib/gen/kite/core/v1/types';
import { PREEMPTION_POLICIES } from '../../../../lib/api/priority-classes';
import * as v from './validation-helpers';

/** ValidatePreemptionPolicy: unset, PreemptLowerPriority or Never. */
export function validatePreemptionPolicy(c: v.Causes, field: string, policy: string | undefined): void {
  if (policy === undefined) return;
  if (policy === '') c.add(field, 'Required value');
  else c.notSupported(field, policy, PREEMPTION_POLICIES);
}

/** validateSchedulingGates: qualified names, no duplicates; and ValidatePodCreate's nodeName rule. */
export function validatePodSchedulingFields(c: v.Causes, spec: PodSpec, path: string): void {
  validatePreemptionPolicy(c, `${path}.preemptionPolicy`, spec.preemptionPolicy);
  const seen = new Set<string>();
  spec.schedulingGates.forEach((g, i) => {
    v.qualifiedName(c, `${path}.schedulingGates[${i}]`, g.name);
    if (seen.has(g.name)) c.add(`${path}.schedulingGates[${i}]`, `Duplicate value: "${g.name}"`);
    seen.add(g.name);
  });
}

/** ValidatePodCreate: a gated pod waits for the scheduler, so it cannot name its node. */
export function validatePodCreateSchedulingGates(c: v.Causes, spec: PodSpec, path: string): void {
  if (spec.schedulingGates.length > 0 && spec.nodeName) c.add(`${path}.nodeName`, 'Forbidden: cannot be set until all schedulingGates have been cleared');
}

/** validateOnlyDeletedSchedulingGates: an update may remove gates, never add one. */
export function validateOnlyDeletedSchedulingGates(c: v.Causes, gates: readonly PodSchedulingGate[], old: readonly PodSchedulingGate[], path: string): void {
  const had = new Set(old.map((g) => g.name));
  gates.forEach((g, i) => {
    if (!had.has(g.name)) c.add(`${path}[${i}].name`, `Forbidden: only deletion is allowed, but found new scheduling gate '${g.name}'`);
  });
}

/**
 * The Priority admission's rule for updates, applied where the old pod is known: an update that
 * leaves spec.priority or spec.preemptionPolicy out keeps the stored values (the plugin set them
 * on create; a manifest sent again without them must not read as a change of spec).
 */
export function keepPodPriorityOnUpdate(spec: PodSpec | undefined, old: PodSpec | undefined): void {
  if (!spec || !old) return;
  spec.priority ??= old.priority;
  spec.preemptionPolicy ??= old.preemptionPolicy;
}
