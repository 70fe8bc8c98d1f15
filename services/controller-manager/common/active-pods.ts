// The order in which a ReplicaSet gives up pods when scaling down (Kubernetes'
// ActivePodsWithRanks): the pods it costs least to lose go first.
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import { parseTime } from '../../../lib/util/time';
import { isPodActive, isPodReady, podReadyTime } from '../../../lib/api/pods';

export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: Pod): number {
  const v = Number(pod.metadata?.annotations?.[POD_DELETION_COST] ?? 0);
  return Number.isInteger(v) ? v : 0;
}

function maxRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount));
}

/** Kubernetes' afterOrZero: a missing time sorts first, otherwise the later time does. */
function afterOrZero(a: number | undefined, b: number | undefined): boolean {
  if (a === undefined || b === undefined) return a === undefined;
  return a > b;
}

function created(pod: Pod): number | undefined {
  const t = parseTime(pod.metadata?.creationTimestamp);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Negative when `a` should be deleted before `b`:
 *  1. unscheduled before scheduled; 2. Pending < Unknown < Running; 3. not ready before ready;
 *  4. lower pod-deletion-cost first; 5. more ready siblings on the same node (rank) first;
 *  6. ready for less time first; 7. more container restarts first; 8. newer first.
 */
export function compareForDeletion(a: Pod, b: Pod, rankA = 0, rankB = 0): number {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  const pa = PHASE_ORDER[a.status?.phase ?? ''] ?? 0;
  const pb = PHASE_ORDER[b.status?.phase ?? ''] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  const ca = deletionCost(a);
  const cb = deletionCost(b);
  if (ca !== cb) return ca - cb;
  if (rankA !== rankB) return rankB - rankA;
  if (ra && rb) {
    const ta = podReadyTime(a);
    const tb = podReadyTime(b);
    if (ta !== tb) return afterOrZero(ta, tb) ? -1 : 1;
  }
  const xa = maxRestarts(a);
  const xb = maxRestarts(b);
  if (xa !== xb) return xb - xa;
  const ta = created(a);
  const tb = created(b);
  if (ta !== tb) return afterOrZero(ta, tb) ? -1 : 1;
  return 0;
}

/**
 * The `n` pods to delete out of `pods`. `related` are the active pods of the same workload
 * (all ReplicaSets of one Deployment): a pod on a node crowded with them ranks first.
 */
export function podsToDelete(pods: Pod[], related: Pod[], n: number): Pod[] {
  if (n >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const p of related) {
    if (isPodActive(p)) perNode.set(p.spec?.nodeName ?? '', (perNode.get(p.spec?.nodeName ?? '') ?? 0) + 1);
  }
  const ranked = pods.map((pod) => ({ pod, rank: perNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((x, y) => compareForDeletion(x.pod, y.pod, x.rank, y.rank));
  return ranked.slice(0, n).map((r) => r.pod);
}
