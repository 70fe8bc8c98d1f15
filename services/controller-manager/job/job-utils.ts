// The Job controller's pure decisions, as Kubernetes' pkg/controller/job has them: which pods
// count as finished, completion indexes and their interval strings ("0-2,5"), the pod failure
// policy (pod_failure_policy.go), per-index failure counts (backoffLimitPerIndex), the success
// policy (success_policy.go), the failure backoff (backoff_utils.go), conditions.
import type { Job, JobCondition } from '../../../lib/gen/kite/batch/v1/types';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
export const INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';
export const INDEX_IGNORED_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-ignored-failure-count';
/** spec.managedBy of the Jobs this controller syncs (an unset managedBy means the same). */
export const JOB_CONTROLLER_MANAGER = 'kubernetes.io/job-controller';

/** Whether this controller syncs the Job: its managedBy is unset or kubernetes.io/job-controller. */
export function isManagedByJobController(job: Job): boolean {
  const by = job.spec?.managedBy;
  return by === undefined || by === JOB_CONTROLLER_MANAGER;
}

/** Kubernetes' DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const DEFAULT_POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 360_000;

export const hasTrackingFinalizer = (p: Pod) => (p.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);

/** Kubernetes' onlyReplaceFailedPods: podReplacementPolicy Failed (or a pod failure policy). */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || !!job.spec?.podFailurePolicy;
}

/** isPodFailed: Failed, or (unless only failed pods are replaced) deleted before it succeeded. */
export function isPodFailed(p: Pod, job: Job): boolean {
  if (p.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded';
}

/** Being deleted but not finished: Kubernetes' terminating pods. */
export function isPodTerminating(p: Pod): boolean {
  return !!p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

/** The pod's completion index, or undefined when missing or malformed (getCompletionIndex). */
export function completionIndex(p: Pod): number | undefined {
  const v = p.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION] ?? p.metadata?.labels?.[COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** Parses "0-2,5" (status.completedIndexes) into a sorted set of indexes below `completions`. */
export function parseIndexes(s: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',')) {
    const m = part.trim().match(/^(\d+)(?:-(\d+))?$/);
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let i = lo; i <= hi && i < completions; i++) out.add(i);
  }
  return out;
}

/** Formats indexes as Kubernetes' orderedIntervals.String(): "1,3-5,7,8" (a pair is two indexes, not a range). */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}${j === i + 1 ? ',' : '-'}${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** firstPendingIndexes: the lowest `count` indexes neither completed, failed nor held by an active pod. */
export function firstPendingIndexes(completions: number, done: Set<number>, active: Pod[], count: number): number[] {
  const taken = new Set(active.map(completionIndex).filter((i): i is number => i !== undefined));
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) if (!done.has(i) && !taken.has(i)) out.push(i);
  return out;
}

/** A non-negative count annotation, 0 when missing or malformed (parseIndexFailureCountAnnotation). */
function countAnnotation(p: Pod, key: string): number {
  const v = p.metadata?.annotations?.[key];
  return v !== undefined && /^\d+$/.test(v) && Number(v) <= 2147483647 ? Number(v) : 0;
}

/** The counted failures of the pod's index before this pod (batch.kubernetes.io/job-index-failure-count). */
export const indexFailureCount = (p: Pod) => countAnnotation(p, INDEX_FAILURE_COUNT_ANNOTATION);

/** Counted and ignored failures of the pod's index before this pod (getIndexAbsoluteFailureCount). */
export const indexAbsoluteFailureCount = (p: Pod) => indexFailureCount(p) + countAnnotation(p, INDEX_IGNORED_FAILURE_COUNT_ANNOTATION);

/**
 * isIndexFailed: the failed pod's index fails for good when a FailIndex rule matches it or its
 * counted failure was the index's last allowed one (backoffLimitPerIndex failures before it).
 */
export function isIndexFailed(job: Job, p: Pod): boolean {
  if (!isPodFailed(p, job)) return false;
  const action = matchPodFailurePolicy(job, p)?.action;
  if (action === 'FailIndex') return true;
  return action !== 'Ignore' && indexFailureCount(p) >= (job.spec?.backoffLimitPerIndex ?? 0);
}

/** getNewIndexFailureCounts: the annotations of the pod that replaces a failed one of the same index. */
export function replacementFailureAnnotations(job: Job, replaced: Pod | undefined): Record<string, string> {
  let counted = replaced ? indexFailureCount(replaced) : 0;
  let ignored = replaced ? countAnnotation(replaced, INDEX_IGNORED_FAILURE_COUNT_ANNOTATION) : 0;
  if (replaced) {
    if (matchPodFailurePolicy(job, replaced)?.action === 'Ignore') ignored++;
    else counted++;
  }
  const out: Record<string, string> = { [INDEX_FAILURE_COUNT_ANNOTATION]: String(counted) };
  if (ignored > 0) out[INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(ignored);
  return out;
}

/**
 * matchSuccessPolicy: "Matched rules at index <i>" for the first rule the succeeded indexes meet
 * (all its succeededIndexes, or succeededCount of them, or succeededCount of all), else undefined.
 */
export function matchSuccessPolicy(job: Job, succeeded: Set<number>): string | undefined {
  const completions = job.spec?.completions ?? 0;
  if (succeeded.size === 0) return undefined;
  for (const [i, rule] of (job.spec?.successPolicy?.rules ?? []).entries()) {
    if (rule.succeededIndexes !== undefined) {
      const required = parseIndexes(rule.succeededIndexes, completions);
      if (required.size === 0) continue;
      const met = [...required].filter((ix) => succeeded.has(ix)).length;
      if (rule.succeededCount === undefined ? met === required.size : met >= rule.succeededCount) return `Matched rules at index ${i}`;
    } else if (rule.succeededCount !== undefined && succeeded.size >= rule.succeededCount) return `Matched rules at index ${i}`;
  }
  return undefined;
}

export type FailureAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

/**
 * matchPodFailurePolicy: the first rule matching a failed pod, with the FailJob message Kubernetes
 * writes; undefined when none matches (the failure counts).
 */
export function matchPodFailurePolicy(job: Job, pod: Pod): { action: FailureAction; message: string } | undefined {
  const rules = job.spec?.podFailurePolicy?.rules ?? [];
  for (const [i, rule] of rules.entries()) {
    const action = rule.action as FailureAction;
    const codes = rule.onExitCodes;
    if (codes) {
      for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
        if (codes.containerName && codes.containerName !== cs.name) continue;
        const code = cs.state?.terminated?.exitCode;
        if (code === undefined || code === 0) continue;
        const inValues = codes.values.includes(code);
        if ((codes.operator === 'In') === inValues) {
          return { action, message: `Container ${cs.name} for pod ${pod.metadata!.namespace}/${pod.metadata!.name} failed with exit code ${code} matching ${action} rule at index ${i}` };
        }
      }
    }
    for (const pattern of rule.onPodConditions) {
      const cond = (pod.status?.conditions ?? []).find((c) => c.type === pattern.type && c.status === (pattern.status || 'True'));
      if (cond) return { action, message: `Pod ${pod.metadata!.namespace}/${pod.metadata!.name} has condition ${pattern.type} matching ${action} rule at index ${i}` };
    }
  }
  return undefined;
}

/** When a pod finished: its containers' latest finishedAt, else `now` (getFinishedTime). */
export function finishedTime(p: Pod, now: number): number {
  const times = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]
    .map((cs) => Date.parse(cs.state?.terminated?.finishedAt ?? ''))
    .filter((t) => !Number.isNaN(t));
  return times.length ? Math.max(...times) : now;
}

/** A Job's failures since its last success (Kubernetes' backoffRecord). */
export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

/** newBackoffRecord: a success after the last failure resets the count; failures add to it. */
export function nextBackoffRecord(prev: BackoffRecord, succeeded: Pod[], failed: Pod[], now: number): BackoffRecord {
  const lastSuccess = succeeded.length ? Math.max(...succeeded.map((p) => finishedTime(p, now))) : undefined;
  const failTimes = failed.map((p) => finishedTime(p, now));
  if (lastSuccess === undefined) {
    if (!failTimes.length) return prev;
    return { failuresAfterLastSuccess: prev.failuresAfterLastSuccess + failTimes.length, lastFailureTime: Math.max(prev.lastFailureTime ?? 0, ...failTimes) };
  }
  const after = failTimes.filter((t) => t > lastSuccess);
  return after.length ? { failuresAfterLastSuccess: after.length, lastFailureTime: Math.max(...after) } : { failuresAfterLastSuccess: 0 };
}

/** getRemainingTime: how long to wait before replacing a failed pod (10 s doubling, at most 6 min). */
export function remainingBackoff(r: BackoffRecord, now: number, base = DEFAULT_POD_FAILURE_BACKOFF_MS, max = MAX_POD_FAILURE_BACKOFF_MS): number {
  if (r.failuresAfterLastSuccess === 0 || r.lastFailureTime === undefined) return 0;
  const delay = Math.min(base * 2 ** (r.failuresAfterLastSuccess - 1), max);
  return Math.max(0, r.lastFailureTime + delay - now);
}

export function findCondition(job: Job, type: string): JobCondition | undefined {
  return (job.status?.conditions ?? []).find((c) => c.type === type && c.status === 'True');
}

/** Complete or Failed: nothing more to do (IsJobFinished). */
export function isJobFinished(job: Job): boolean {
  return !!findCondition(job, 'Complete') || !!findCondition(job, 'Failed');
}

export function newCondition(type: string, status: string, reason: string, message: string, now: number): JobCondition {
  const t = new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return { type, status, reason, message, lastProbeTime: t, lastTransitionTime: t };
}

/** ensureJobConditionStatus: sets a condition's status, keeping it (and its times) when unchanged. */
export function ensureCondition(conditions: JobCondition[], cond: JobCondition): JobCondition[] {
  const i = conditions.findIndex((c) => c.type === cond.type);
  if (i < 0) return cond.status === 'True' ? [...conditions, cond] : conditions;
  const cur = conditions[i];
  if (cur.status === cond.status && cur.reason === cond.reason && cur.message === cond.message) return conditions;
  const next = [...conditions];
  next[i] = cur.status === cond.status ? { ...cur, reason: cond.reason, message: cond.message, lastProbeTime: cond.lastProbeTime } : cond;
  return next;
}

/** Truncates a pod hostname to a DNS label (63, no trailing '-' or '.'), as Kubernetes does. */
export function podHostname(job: string, index: number): string {
  return `${job}-${index}`.slice(0, 63).replace(/[-.]+$/, '');
}
