// TaintToleration: a node's NoSchedule/NoExecute taints must all be tolerated by the pod;
// untolerated PreferNoSchedule taints count against the node in scoring (fewer is better).
import type { Taint, Toleration } from '../../../lib/gen/kite/core/v1/types';
import type { CycleState } from '../framework/cycle-state';
import type { FilterPlugin, PreScorePlugin, ScorePlugin } from '../framework/interfaces';
import type { NodeInfo } from '../framework/node-info';
import { defaultNormalizeScore } from '../framework/normalize';
import type { PodInfo } from '../framework/pod-info';
import { Status } from '../framework/status';
import { TAINT_TOLERATION } from './names';
import { toleratesTaint } from '../../../lib/api/taints';

// Hot-path aliases of imported bindings (see Status.success).
const SUCCESS = Status.success;

export { toleratesTaint };
// A module-level alias: under tsx an imported binding read in a hot loop costs a getter call.
const tolerates = toleratesTaint;

export function isTolerated(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (const t of tolerations) if (tolerates(t, taint)) return true;
  return false;
}

/** The first taint with an effect in `effects` that no toleration tolerates. */
export function findUntoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
  effects: readonly string[],
): Taint | undefined {
  for (const taint of taints) {
    if (effects.includes(taint.effect) && !isTolerated(tolerations, taint)) return taint;
  }
  return undefined;
}

export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value}}`;
}

const FILTER_EFFECTS = ['NoSchedule', 'NoExecute'];
const PREFER_EFFECTS = ['PreferNoSchedule'];
const PREFER_TOLERATIONS = 'TaintToleration/preferTolerations';

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = TAINT_TOLERATION;

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const taints = node.taints;
    if (taints.length === 0) return SUCCESS;
    const taint = findUntoleratedTaint(taints, pod.pod.spec?.tolerations ?? [], FILTER_EFFECTS);
    return taint ? Status.unresolvable(untoleratedTaintReason(taint)) : SUCCESS;
  }

  preScore(state: CycleState, pod: PodInfo): Status {
    const tolerations = (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    state.write(PREFER_TOLERATIONS, tolerations);
    return SUCCESS;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const taints = node.taints;
    if (taints.length === 0) return 0;
    const tolerations = state.read<Toleration[]>(PREFER_TOLERATIONS) ?? [];
    let n = 0;
    for (const taint of taints) if (PREFER_EFFECTS.includes(taint.effect) && !isTolerated(tolerations, taint)) n++;
    return n;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: number[]): void {
    defaultNormalizeScore(scores, true);
  }
}
