// Taints and tolerations, shared by the scheduler (filtering), the node lifecycle controller
// (NoExecute eviction) and the DaemonSet controller (which nodes should run a daemon pod).
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

/** Whether any of the tolerations tolerates the taint. */
export function isTolerated(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first taint with an effect in `effects` that no toleration tolerates. */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[], effects: readonly string[]): Taint | undefined {
  for (const taint of taints) {
    if (effects.includes(taint.effect) && !isTolerated(tolerations, taint)) return taint;
  }
  return undefined;
}
