// The taints the node lifecycle controller manages, and Kubernetes' toleration rules.
//  - NoSchedule taints mirroring node conditions (Kubernetes' TaintNodesByCondition), so the
//    scheduler places nothing on a node that is not ready, unreachable, under pressure or
//    cordoned: pods tolerate not-ready/unreachable only for NoExecute, by default.
//  - A NoExecute taint mirroring Ready (not-ready for False, unreachable for Unknown), which the
//    taint eviction manager acts on.
import { toleratesTaint } from '../../../lib/api/taints';
import type { NodeCondition, Taint, Toleration } from '../../../lib/gen/kite/core/v1/types';

export const NOT_READY_TAINT_KEY = 'node.kubernetes.io/not-ready';
export const UNREACHABLE_TAINT_KEY = 'node.kubernetes.io/unreachable';
export const UNSCHEDULABLE_TAINT_KEY = 'node.kubernetes.io/unschedulable';

/** Condition type -> status -> NoSchedule taint key. */
const CONDITION_TAINTS: Record<string, Record<string, string>> = {
  Ready: { False: NOT_READY_TAINT_KEY, Unknown: UNREACHABLE_TAINT_KEY },
  MemoryPressure: { True: 'node.kubernetes.io/memory-pressure' },
  DiskPressure: { True: 'node.kubernetes.io/disk-pressure' },
  PIDPressure: { True: 'node.kubernetes.io/pid-pressure' },
  NetworkUnavailable: { True: 'node.kubernetes.io/network-unavailable' },
};

const MANAGED_NO_SCHEDULE = new Set([...Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m)), UNSCHEDULABLE_TAINT_KEY]);
const MANAGED_NO_EXECUTE = new Set([NOT_READY_TAINT_KEY, UNREACHABLE_TAINT_KEY]);

/** Kubernetes' Toleration.ToleratesTaint. */
export const tolerates = toleratesTaint;

export function isNoExecute(taint: Taint): boolean {
  return taint.effect === 'NoExecute';
}

function managed(t: Taint): boolean {
  return (t.effect === 'NoSchedule' && MANAGED_NO_SCHEDULE.has(t.key)) || (t.effect === 'NoExecute' && MANAGED_NO_EXECUTE.has(t.key));
}

/**
 * The node's taints with the managed ones as the conditions, spec.unschedulable and
 * `noExecuteKey` call for: existing ones keep their timeAdded, others keep their place.
 * Undefined when nothing changes.
 */
export function reconcileTaints(
  taints: Taint[],
  conditions: NodeCondition[],
  unschedulable: boolean,
  noExecuteKey: string | undefined,
  timeAdded: string,
): Taint[] | undefined {
  const wanted: { key: string; effect: string }[] = [];
  for (const c of conditions) {
    const key = CONDITION_TAINTS[c.type]?.[c.status];
    if (key) wanted.push({ key, effect: 'NoSchedule' });
  }
  if (unschedulable) wanted.push({ key: UNSCHEDULABLE_TAINT_KEY, effect: 'NoSchedule' });
  if (noExecuteKey) wanted.push({ key: noExecuteKey, effect: 'NoExecute' });
  const isWanted = (t: Taint) => wanted.some((w) => w.key === t.key && w.effect === t.effect);
  const kept = taints.filter((t) => !managed(t) || isWanted(t));
  const added = wanted
    .filter((w) => !kept.some((t) => t.key === w.key && t.effect === w.effect))
    .map((w) => ({ key: w.key, value: '', effect: w.effect, timeAdded }));
  if (added.length === 0 && kept.length === taints.length) return undefined;
  return [...kept, ...added];
}
