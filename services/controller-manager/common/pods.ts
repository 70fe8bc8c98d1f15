// Pod predicates the controllers share (Kubernetes' podutil and controller helpers).
import type { Pod, PodCondition } from '../../../lib/gen/kite/core/v1/types';
import { parseTime } from '../../../lib/util/time';

export function podReadyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** When the pod last became ready (ms), or undefined when unknown. */
export function podReadyTime(pod: Pod): number | undefined {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True') return undefined;
  const t = parseTime(c.lastTransitionTime);
  return Number.isNaN(t) ? undefined : t;
}

/** Ready for at least minReadySeconds at `nowMs`. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = podReadyTime(pod);
  return since !== undefined && since + minReadySeconds * 1000 < nowMs;
}

/** Not finished and not being deleted: counts toward a controller's replicas. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}
