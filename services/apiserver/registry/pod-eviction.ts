// The pods/eviction subresource, as Kubernetes' EvictionREST (pkg/registry/core/pod/storage/eviction.go):
// a pod that already caused its disruption (Succeeded, Failed, still Pending, or already
// terminating) is deleted at once; any other is deleted only if the PodDisruptionBudget that
// selects it allows one more disruption, else the eviction is refused with 429 TooManyRequests.
// Before the delete the pod gets the DisruptionTarget condition (reason EvictionByEvictionAPI).
// The eviction's DeleteOptions (grace period, preconditions, dryRun) pass to the delete.
//
// Kite has no PodDisruptionBudget kind yet (issue 15 adds it): disruptionBudgetsOf() is the one
// place that finds the budgets, and today it finds none, so every eviction ends in the delete.
import { ConflictError, ForbiddenError, InternalError, TooManyRequestsError, type ApiError } from '../../../lib/api/errors';
import { isPodReady } from '../../../lib/api/pods';
import type { Pod, PodCondition } from '../../../lib/gen/kite/core/v1/types';
import { rfc3339 } from '../../../lib/util/time';
import type { DeleteRequest, Registry } from './registry';

export interface EvictionRequest {
  namespace: string;
  name: string;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

/** What Kubernetes' checkAndDecrement reads of a PodDisruptionBudget. */
export interface DisruptionBudget {
  name: string;
  generation: number;
  /** status.observedGeneration */
  observedGeneration: number;
  /** status.disruptionsAllowed */
  disruptionsAllowed: number;
  /** status.desiredHealthy */
  desiredHealthy: number;
  /** status.currentHealthy */
  currentHealthy: number;
}

/** Finds the budgets whose selector matches a pod in its namespace (Kubernetes' getPodDisruptionBudgets). */
export type DisruptionBudgetLookup = (pod: Pod) => Promise<DisruptionBudget[]>;

/**
 * The PodDisruptionBudgets selecting `pod`. Kite has no PodDisruptionBudget kind yet (issue 15
 * adds it and reads its budgets here): none exists, so none selects any pod.
 */
export const disruptionBudgetsOf: DisruptionBudgetLookup = async () => [];

/** Kubernetes' EvictionsRetry: conflicts with other writers of the pod are retried this many times. */
const EVICTION_RETRIES = 20;

const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

/** Kubernetes' 429 for an eviction a budget forbids; `retryAfterSeconds` as Kubernetes sets it (0: none). */
export function disruptionBudgetViolation(retryAfterSeconds: number): TooManyRequestsError {
  return new TooManyRequestsError(VIOLATION, retryAfterSeconds);
}

/** Kubernetes' checkAndDecrement's verdict on one budget: the refusal, or undefined when it allows the disruption. */
export function budgetRefusal(b: DisruptionBudget): ApiError | undefined {
  // "The disruption budget <name> is still being processed by the server." (retry after 10 s)
  if (b.observedGeneration < b.generation) return disruptionBudgetViolation(10);
  if (b.disruptionsAllowed < 0) return new ForbiddenError(`poddisruptionbudget.policy "${b.name}" is forbidden: pdb disruptions allowed is negative`);
  // "The disruption budget <name> needs <desired> healthy pods and has <current> currently"
  if (b.disruptionsAllowed === 0) return disruptionBudgetViolation(0);
  return undefined;
}

/** A pod that caused its disruption already: Succeeded, Failed, Pending, or being deleted (canIgnorePDB). */
function canIgnoreBudgets(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata?.deletionTimestamp;
}

/** Whether the delete is pinned to the resourceVersion read, so a pod turning ready meanwhile is not deleted (shouldEnforceResourceVersion). */
function shouldEnforceResourceVersion(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !(phase === 'Succeeded' || phase === 'Failed' || !!pod.metadata?.deletionTimestamp);
}

function pinned(opts: DeleteRequest, resourceVersion: string): DeleteRequest {
  return { ...opts, preconditions: { ...opts.preconditions, resourceVersion } };
}

/** Kubernetes' podutil.UpdatePodCondition: the transition time changes only with the status. */
function setCondition(conditions: PodCondition[], next: Omit<PodCondition, 'lastProbeTime' | 'lastTransitionTime'>): void {
  const i = conditions.findIndex((c) => c.type === next.type);
  const old = i >= 0 ? conditions[i] : undefined;
  const cond = { ...next, lastProbeTime: old?.lastProbeTime ?? '', lastTransitionTime: old && old.status === next.status ? old.lastTransitionTime : rfc3339() };
  if (old) conditions[i] = cond;
  else conditions.push(cond);
}

/**
 * addConditionAndDeletePod: marks the pod as the eviction's target (not on a dry run), then
 * deletes it with `opts`; a resourceVersion precondition follows the condition's own write.
 */
async function addConditionAndDelete(pods: Registry<Pod>, namespace: string, name: string, opts: DeleteRequest): Promise<Pod> {
  let options = opts;
  if (!opts.dryRun) {
    const pre = opts.preconditions;
    const marked = await pods.guaranteedUpdate(namespace, name, (cur) => {
      const m = cur.metadata!;
      if (pre?.uid && pre.uid !== m.uid) {
        throw new ConflictError(`Operation cannot be fulfilled on Pod "${name}": the UID in the precondition (${pre.uid}) does not match the UID in record (${m.uid}). The object might have been deleted and then recreated`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== m.resourceVersion) {
        throw new ConflictError(
          `Operation cannot be fulfilled on Pod "${name}": the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${m.resourceVersion}). The object might have been modified`,
        );
      }
      setCondition(cur.status!.conditions, { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
      return cur;
    });
    if (pre?.resourceVersion) options = pinned(opts, marked.metadata!.resourceVersion);
  }
  return pods.delete(namespace, name, options);
}

/** Evicts a pod; returns its last state (being deleted, or gone). */
export async function evictPod(pods: Registry<Pod>, req: EvictionRequest, budgets: DisruptionBudgetLookup = disruptionBudgetsOf): Promise<Pod> {
  const namespace = req.namespace || 'default';
  const name = req.name;
  const original: DeleteRequest = { gracePeriodSeconds: req.gracePeriodSeconds, preconditions: req.preconditions, dryRun: req.dryRun };
  // A caller's own resourceVersion precondition is honoured and never retried.
  const callerPinned = !!req.preconditions?.resourceVersion;
  let pod: Pod;
  for (let attempt = 0; ; attempt++) {
    pod = await pods.get(namespace, name);
    if (!canIgnoreBudgets(pod)) break;
    const opts = shouldEnforceResourceVersion(pod) && !callerPinned ? pinned(original, pod.metadata!.resourceVersion) : original;
    try {
      return await addConditionAndDelete(pods, namespace, name, opts);
    } catch (err) {
      if (err instanceof ConflictError && !callerPinned && attempt < EVICTION_RETRIES) continue;
      throw err;
    }
  }

  const found = await budgets(pod);
  if (found.length > 1) throw new InternalError('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  let opts = original;
  const budget = found[0];
  if (budget) {
    // An unready pod does not count as healthy: with enough healthy pods it goes without using up
    // the budget, as long as it does not turn ready before the delete.
    if (!isPodReady(pod) && budget.currentHealthy >= budget.desiredHealthy && budget.desiredHealthy > 0) opts = pinned(original, pod.metadata!.resourceVersion);
    else {
      const refusal = budgetRefusal(budget);
      if (refusal) throw refusal;
    }
  }
  try {
    return await addConditionAndDelete(pods, namespace, name, opts);
  } catch (err) {
    // The pod changed since the budget was checked: the client retries, as Kubernetes tells it to.
    if (err instanceof ConflictError && opts !== original && !callerPinned) throw disruptionBudgetViolation(10);
    throw err;
  }
}
