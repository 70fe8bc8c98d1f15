// The pods/eviction subresource, as Kubernetes' EvictionREST (pkg/registry/core/pod/storage/eviction.go):
// a pod that already caused its disruption (Succeeded, Failed, still Pending, or already
// terminating) is deleted at once; any other is deleted only if the PodDisruptionBudget that
// selects it allows one more disruption (checkAndDecrement: the budget's status is written first,
// disruptionsAllowed - 1 and the pod in disruptedPods, under the budget's resourceVersion), else
// the eviction is refused with 429 TooManyRequests. An unready pod goes without using up the
// budget when the budget's unhealthyPodEvictionPolicy is AlwaysAllow, or (IfHealthyBudget, the
// default) when enough healthy pods remain. Before the delete the pod gets the DisruptionTarget
// condition (reason EvictionByEvictionAPI). The eviction's DeleteOptions (grace period,
// preconditions, dryRun) pass to the delete.
import { budgetSelects, updateDisruptionAllowedCondition } from '../../../lib/api/disruption-budgets';
import { ConflictError, ForbiddenError, InternalError, TooManyRequestsError, type ApiError } from '../../../lib/api/errors';
import { isPodReady } from '../../../lib/api/pods';
import type { Pod, PodCondition } from '../../../lib/gen/kite/core/v1/types';
import type { PodDisruptionBudget } from '../../../lib/gen/kite/policy/v1/types';
import { rfc3339 } from '../../../lib/util/time';
import type { DeleteRequest, Registry } from './registry';

export interface EvictionRequest {
  namespace: string;
  name: string;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

/** Kubernetes' EvictionsRetry: conflicts with other writers of the pod or budget are retried this many times. */
const EVICTION_RETRIES = 20;

/** Kubernetes' MaxDisruptedPodSize: evictions the disruption controller has not confirmed yet. */
const MAX_DISRUPTED_PODS = 2000;

const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

/** Kubernetes' 429 for an eviction a budget forbids, with the DisruptionBudget cause saying why. */
export function disruptionBudgetViolation(retryAfterSeconds: number, why: string): TooManyRequestsError {
  return new TooManyRequestsError(VIOLATION, retryAfterSeconds, [{ field: '', reason: 'DisruptionBudget', message: why }]);
}

/** createTooManyRequestsError: the budget has not caught up with its spec or with the pod (retry after 10 s). */
const stillProcessing = (name: string) => disruptionBudgetViolation(10, `The disruption budget ${name} is still being processed by the server.`);

const forbidden = (name: string, why: string) => new ForbiddenError(`poddisruptionbudget.policy "${name}" is forbidden: ${why}`);

/** Kubernetes' checkAndDecrement's verdict on one budget: the refusal, or undefined when it allows the disruption. */
export function budgetRefusal(b: PodDisruptionBudget): ApiError | undefined {
  const name = b.metadata!.name;
  const s = b.status!;
  if (s.observedGeneration < b.metadata!.generation) return stillProcessing(name);
  if (s.disruptionsAllowed < 0) return forbidden(name, 'pdb disruptions allowed is negative');
  if (Object.keys(s.disruptedPods).length > MAX_DISRUPTED_PODS) return forbidden(name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  if (s.disruptionsAllowed === 0) return disruptionBudgetViolation(0, `The disruption budget ${name} needs ${s.desiredHealthy} healthy pods and has ${s.currentHealthy} currently`);
  return undefined;
}

/**
 * The budgets selecting `pod`: a consistent list of its namespace's budgets, as Kubernetes' eviction
 * lists them (a budget created just before the eviction is seen).
 */
async function budgetsOf(pdbs: Registry<PodDisruptionBudget>, pod: Pod): Promise<PodDisruptionBudget[]> {
  return (await pdbs.list({ namespace: pod.metadata!.namespace })).items.filter((b) => budgetSelects(b, pod));
}

/** Whether an unready pod may go without using up `b` (the unhealthyPodEvictionPolicy). */
function unhealthyMayGo(b: PodDisruptionBudget): boolean {
  if (b.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  return b.status!.currentHealthy >= b.status!.desiredHealthy && b.status!.desiredHealthy > 0;
}

/**
 * checkAndDecrement, retried on conflicts with a fresh read of the budget: one disruption fewer
 * allowed, and `podName` in disruptedPods so the disruption controller does not count it as
 * healthy until it is gone. Nothing is written on a dry run.
 */
async function checkAndDecrement(pdbs: Registry<PodDisruptionBudget>, read: PodDisruptionBudget, podName: string, dryRun: boolean): Promise<void> {
  let pdb = read;
  for (let attempt = 0; ; attempt++) {
    const refusal = budgetRefusal(pdb);
    if (refusal) throw refusal;
    if (dryRun) return;
    const status = structuredClone(pdb.status!);
    status.disruptionsAllowed--;
    const now = rfc3339();
    if (status.disruptionsAllowed === 0) updateDisruptionAllowedCondition(status, now);
    status.disruptedPods[podName] = now;
    try {
      await pdbs.updateStatus({ ...pdb, status });
      return;
    } catch (err) {
      if (!(err instanceof ConflictError) || attempt >= EVICTION_RETRIES) throw err;
      pdb = await pdbs.get(pdb.metadata!.namespace, pdb.metadata!.name);
    }
  }
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

/** Evicts a pod; returns its last state (being deleted, or gone). Without `pdbs` no budget protects any pod. */
export async function evictPod(pods: Registry<Pod>, req: EvictionRequest, pdbs?: Registry<PodDisruptionBudget>): Promise<Pod> {
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

  const found = pdbs ? await budgetsOf(pdbs, pod) : [];
  if (found.length > 1) throw new InternalError('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  let opts = original;
  const budget = found[0];
  if (budget) {
    // An unready pod does not count as healthy: it may go without using up the budget, as long
    // as it does not turn ready before the delete (the delete is pinned to the version read).
    if (!isPodReady(pod) && unhealthyMayGo(budget)) opts = pinned(original, pod.metadata!.resourceVersion);
    else await checkAndDecrement(pdbs!, budget, name, req.dryRun);
  }
  try {
    return await addConditionAndDelete(pods, namespace, name, opts);
  } catch (err) {
    // The pod changed since the budget was checked: the client retries, as Kubernetes tells it to.
    if (err instanceof ConflictError && opts !== original && !callerPinned) throw stillProcessing(budget!.metadata!.name);
    throw err;
  }
}
