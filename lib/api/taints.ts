// Taints and tolerations, shared by the scheduler (filtering) and the node lifecycle controller
// (NoExecute eviction).
import type { Taint, Toleration } from '../gen/kite/core/v1/types';

/** Kubernetes' Toleration.ToleratesTaint: empty effect/key match any; Exists ignores the value. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator) {
    case '':
    case 'Equal':
      return t.value === taint.value;
    case 'Exists':
      return true;
    default:
      return false;
  }
}
