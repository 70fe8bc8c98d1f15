// NodeAffinity: spec.nodeSelector and required node affinity filter nodes; preferred node
// affinity terms add their weights to the nodes they match in scoring.
import type { Node, Pod, PreferredSchedulingTerm } from '../../../lib/gen/kite/core/v1/types';
import type { ClusterEventWithHint, EnqueueExtensions, QueueingHintFn } from '../framework/events';
import type { CycleState } from '../framework/cycle-state';
import type { FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../framework/interfaces';
import type { NodeInfo } from '../framework/node-info';
import { defaultNormalizeScore } from '../framework/normalize';
import type { PodInfo } from '../framework/pod-info';
import { Status } from '../framework/status';
import { NODE_AFFINITY } from './names';
import { fitsNodeAffinity, matchesTerm } from '../../../lib/api/node-selector';

// Hot-path aliases of imported bindings (see Status.success).
const SUCCESS = Status.success;

export const ERR_REASON_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

/** Sum of the weights of the preferred terms the node matches. */
export function preferredAffinityScore(
  terms: readonly PreferredSchedulingTerm[],
  nodeName: string,
  labels: { [key: string]: string },
): number {
  let score = 0;
  for (const t of terms) {
    if (t.weight !== 0 && t.preference && matchesTerm(t.preference, nodeName, labels)) score += t.weight;
  }
  return score;
}

function preferredTerms(pod: Pod): PreferredSchedulingTerm[] {
  return pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
}

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NODE_AFFINITY;

  /** A node added, or whose labels changed, that now matches the pod's nodeSelector and required affinity. */
  eventsToRegister(): ClusterEventWithHint[] {
    const fits = (pod: Pod, node: unknown) => fitsNodeAffinity(pod, (node as Node).metadata?.name ?? '', (node as Node).metadata?.labels ?? {});
    const hint: QueueingHintFn = (pod, old, node) => (fits(pod, node) && (!old || !fits(pod, old)) ? 'Queue' : 'QueueSkip');
    return [
      { event: 'NodeAdd', hint },
      { event: 'NodeLabelChange', hint },
    ];
  }

  preFilter(_state: CycleState, pod: PodInfo): Status {
    const spec = pod.pod.spec;
    const hasSelector = Object.keys(spec?.nodeSelector ?? {}).length > 0;
    const hasRequired = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution !== undefined;
    return hasSelector || hasRequired ? SUCCESS : Status.skip;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    return fitsNodeAffinity(pod.pod, node.name, node.labels) ? SUCCESS : Status.unresolvable(ERR_REASON_AFFINITY);
  }

  preScore(_state: CycleState, pod: PodInfo): Status {
    return preferredTerms(pod.pod).length > 0 ? SUCCESS : Status.skip;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return preferredAffinityScore(preferredTerms(pod.pod), node.name, node.labels);
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: number[]): void {
    defaultNormalizeScore(scores, false);
  }
}
