// The PriorityClass's write path, as Kubernetes' pkg/apis/scheduling/v1 defaults
// (SetDefaults_PriorityClass) and pkg/apis/scheduling/validation (ValidatePriorityClass,
// ValidatePriorityClassUpdate) have it, with their paths and messages: preemptionPolicy
// PreemptLowerPriority (the default) or Never; names with the "system-" prefix are the built-in
// classes' only, with their values; other classes' values at most 1000000000; value and
// preemptionPolicy never change. "At most one globalDefault" needs the other classes: the
// Priority admission plugin checks it (admission/priority.ts).
import type { FieldCause } from '../../../../lib/api/errors';
import {
  HIGHEST_USER_DEFINABLE_PRIORITY,
  PREEMPT_LOWER_PRIORITY,
  SYSTEM_PRIORITY_CLASS_PREFIX,
  SYSTEM_PRIORITY_CLASSES,
} from '../../../../lib/api/priority-classes';
import type { PriorityClass } from '../../../../lib/gen/kite/scheduling/v1/types';
import { validatePreemptionPolicy } from './pod-scheduling-validation';
import { validateMeta } from './validation';
import * as v from './validation-helpers';

/** SetDefaults_PriorityClass. */
export function defaultPriorityClass(pc: PriorityClass): void {
  pc.preemptionPolicy ??= PREEMPT_LOWER_PRIORITY;
}

/** schedulingapiv1.IsKnownSystemPriorityClass: why `pc` is not a built-in class, or undefined when it is one. */
function notKnownSystemClass(pc: PriorityClass): string | undefined {
  const name = pc.metadata?.name ?? '';
  const known = SYSTEM_PRIORITY_CLASSES.find((s) => s.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (known.value !== pc.value) return `value of ${name} PriorityClass must be ${known.value}`;
  if (pc.globalDefault) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

/** ValidatePriorityClass. */
export function validatePriorityClass(pc: PriorityClass): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, pc.metadata, false, 'subdomain');
  if ((pc.metadata?.name ?? '').startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const why = notKnownSystemClass(pc);
    if (why) c.add('metadata.name', `Forbidden: priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${why}`);
  } else if (pc.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    c.add('value', `Forbidden: maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`);
  }
  validatePreemptionPolicy(c, 'preemptionPolicy', pc.preemptionPolicy);
  return c.list;
}

/** ValidatePriorityClassUpdate. */
export function validatePriorityClassUpdate(pc: PriorityClass, old: PriorityClass): FieldCause[] {
  const causes = validatePriorityClass(pc);
  if (pc.value !== old.value) causes.push({ field: 'value', message: 'Forbidden: may not be changed in an update.' });
  if (pc.preemptionPolicy !== old.preemptionPolicy) {
    causes.push({ field: 'preemptionPolicy', message: `Invalid value: "${pc.preemptionPolicy ?? ''}": field is immutable` });
  }
  return causes;
}
