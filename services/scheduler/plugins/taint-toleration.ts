// TaintToleration: a node's NoSchedule/NoExecute taints must all be tolerated by the pod;
// untolerated PreferNoSchedule taints count against the node in scoring (fewer is better).
import type { Node, Pod, Taint, Toleration } from '../../../lib/gen/kite/core/v1/types';
import type { ClusterEventWithHint, EnqueueExtensions, QueueingHintFn } from '../framework/events';
import type { CycleState } from '../framework/cycle-state';
import type { FilterPlugin, PreScorePlugin, ScorePlugin } from '../framework/interfaces';
import type { NodeInfo } from '../framework/node-info';
import { defaultNormalizeScore } from '../framework/normalize';
import type { PodInfo } from '../framework/pod-info';
import { Status } from '../framework/status';
import { TAINT_TOLERATION } from './names';
import { findUntoleratedTaint, isTolerated } from '../../../lib/api/taints';

// Hot-path aliases of imported bindings (see Status.success): under tsx an imported binding read
// in a hot loop costs a getter call.
const SUCCESS = Status.success;
const findUntolerated = findUntoleratedTaint;
const tolerated = isTolerated;

export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value}}`;
}

const FILTER_EFFECTS = ['NoSchedule', 'NoExecute'];
const PREFER_EFFECTS = ['PreferNoSchedule'];
const PREFER_TOLERATIONS = 'TaintToleration/preferTolerations';

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = TAINT_TOLERATION;

  /** A node added, or whose taints changed, whose NoSchedule/NoExecute taints the pod now tolerates. */
  eventsToRegister(): ClusterEventWithHint[] {
    const tolerates = (pod: Pod, node: unknown) => !findUntolerated((node as Node | undefined)?.spec?.taints ?? [], pod.spec?.tolerations ?? [], FILTER_EFFECTS);
    const hint: QueueingHintFn = (pod, old, node) => (tolerates(pod, node) && (!old || !tolerates(pod, old)) ? 'Queue' : 'QueueSkip');
    return [
      { event: 'NodeAdd', hint },
      { event: 'NodeTaintChange', hint },
    ];
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const taints = node.taints;
    if (taints.length === 0) return SUCCESS;
    const taint = findUntolerated(taints, pod.pod.spec?.tolerations ?? [], FILTER_EFFECTS);
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
    for (const taint of taints) if (PREFER_EFFECTS.includes(taint.effect) && !tolerated(tolerations, taint)) n++;
    return n;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: number[]): void {
    defaultNormalizeScore(scores, true);
  }
}
