// The NoExecute taints the node lifecycle controller manages and Kubernetes' toleration rules.
import type { Taint, Toleration } from '../../../lib/gen/kite/core/v1/types';

export const NOT_READY_TAINT_KEY = 'node.kubernetes.io/not-ready';
export const UNREACHABLE_TAINT_KEY = 'node.kubernetes.io/unreachable';

/** Kubernetes' Toleration.ToleratesTaint. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator || 'Equal') {
    case 'Equal':
      return t.value === taint.value;
    case 'Exists':
      return true;
    default:
      return false;
  }
}

export function isNoExecute(taint: Taint): boolean {
  return taint.effect === 'NoExecute';
}

export function hasTaint(taints: Taint[], key: string, effect = 'NoExecute'): boolean {
  return taints.some((t) => t.key === key && t.effect === effect);
}

/**
 * `taints` with `add` present (keeping an existing one's timeAdded) and `remove` absent;
 * undefined when nothing changes.
 */
export function swapTaints(taints: Taint[], add: Taint | undefined, remove: string[]): Taint[] | undefined {
  let changed = false;
  let out = taints.filter((t) => {
    const drop = t.effect === 'NoExecute' && remove.includes(t.key);
    if (drop) changed = true;
    return !drop;
  });
  if (add && !hasTaint(out, add.key, add.effect)) {
    out = [...out, add];
    changed = true;
  }
  return changed ? out : undefined;
}
