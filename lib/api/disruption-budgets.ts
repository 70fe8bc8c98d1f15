// What the eviction subresource and the disruption controller share about a PodDisruptionBudget
// (Kubernetes' pdb helpers in pkg/apis/policy and pkg/util/pod): which pods a budget selects in
// policy/v1, and its DisruptionAllowed condition.
import type { Pod } from '../gen/kite/core/v1/types';
import type { Condition } from '../gen/kite/meta/v1/meta';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from '../gen/kite/policy/v1/types';
import { selectorFromLabelSelector } from './selectors';

/** The condition type the disruption controller and evictions keep on a budget. */
export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
/** Reasons of the DisruptionAllowed condition (policy/v1's constants). */
export const SUFFICIENT_PODS = 'SufficientPods';
export const INSUFFICIENT_PODS = 'InsufficientPods';
export const SYNC_FAILED = 'SyncFailed';

/**
 * Whether `pdb` selects `pod`: same namespace and a matching selector. policy/v1 lets an empty
 * selector match every pod of the namespace; an absent one matches none; an invalid one none.
 */
export function budgetSelects(pdb: PodDisruptionBudget, pod: Pod): boolean {
  if (pdb.metadata?.namespace !== pod.metadata?.namespace) return false;
  try {
    return selectorFromLabelSelector(pdb.spec?.selector).matches(pod.metadata?.labels ?? {});
  } catch {
    return false;
  }
}

/** apimachinery's meta.SetStatusCondition: the transition time changes only with the status. */
export function setCondition(conditions: Condition[], next: Omit<Condition, 'lastTransitionTime'>, now: string): Condition[] {
  const old = conditions.find((c) => c.type === next.type);
  const cond: Condition = { ...next, lastTransitionTime: old && old.status === next.status ? old.lastTransitionTime : now };
  return old ? conditions.map((c) => (c === old ? cond : c)) : [...conditions, cond];
}

/**
 * pdbhelper.UpdateDisruptionAllowedCondition: True (SufficientPods) while a disruption is
 * allowed, else False (InsufficientPods), observed at the status' generation.
 */
export function updateDisruptionAllowedCondition(status: PodDisruptionBudgetStatus, now: string): void {
  const allowed = status.disruptionsAllowed > 0;
  status.conditions = setCondition(
    status.conditions,
    {
      type: DISRUPTION_ALLOWED,
      status: allowed ? 'True' : 'False',
      reason: allowed ? SUFFICIENT_PODS : INSUFFICIENT_PODS,
      message: '',
      observedGeneration: status.observedGeneration,
    },
    now,
  );
}
