// SelectorSpread: spreads the pods of one controller (the pod's controller ownerReference, e.g.
// its ReplicaSet) across nodes and zones, as kube-scheduler's SelectorSpread did and its default
// PodTopologySpread constraints do: fewer sibling pods on a node (and in its zone) is better.
// Counts come from NodeInfo's per-owner tallies, so scoring a node is O(1).
import type { CycleState } from '../framework/cycle-state';
import { MAX_NODE_SCORE, type PreScorePlugin, type ScorePlugin } from '../framework/interfaces';
import type { NodeInfo } from '../framework/node-info';
import type { PodInfo } from '../framework/pod-info';
import { Status } from '../framework/status';
import { SELECTOR_SPREAD } from './names';

// Hot-path aliases of imported bindings (see Status.success).
const SUCCESS = Status.success;
const MAX_SCORE = MAX_NODE_SCORE;

/** How much the zone spread counts against the node spread when nodes have zones. */
export const ZONE_WEIGHTING = 2 / 3;

/**
 * Turns sibling counts per node into scores, in place: MAX_NODE_SCORE * (max - count) / max per
 * node, blended 1/3 : 2/3 with the same formula over zone totals for nodes that have a zone
 * (`zoneKeys[i]`, "" for none).
 */
export function normalizeSpreadScores(counts: number[], zoneKeys: readonly string[]): void {
  let maxByNode = 0;
  const byZone = new Map<string, number>();
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] > maxByNode) maxByNode = counts[i];
    const zone = zoneKeys[i];
    if (zone) byZone.set(zone, (byZone.get(zone) ?? 0) + counts[i]);
  }
  let maxByZone = 0;
  for (const c of byZone.values()) if (c > maxByZone) maxByZone = c;
  for (let i = 0; i < counts.length; i++) {
    let score = maxByNode > 0 ? (MAX_SCORE * (maxByNode - counts[i])) / maxByNode : MAX_SCORE;
    const zone = zoneKeys[i];
    if (zone) {
      const zoneScore = maxByZone > 0 ? (MAX_SCORE * (maxByZone - byZone.get(zone)!)) / maxByZone : MAX_SCORE;
      score = score * (1 - ZONE_WEIGHTING) + ZONE_WEIGHTING * zoneScore;
    }
    counts[i] = Math.trunc(score);
  }
}

export class SelectorSpread implements PreScorePlugin, ScorePlugin {
  readonly name = SELECTOR_SPREAD;

  preScore(_state: CycleState, pod: PodInfo): Status {
    return pod.ownerKey ? SUCCESS : Status.skip;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return node.ownerCount(pod.ownerKey);
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: number[], nodes: readonly NodeInfo[]): void {
    const zoneKeys = new Array<string>(nodes.length);
    for (let i = 0; i < nodes.length; i++) zoneKeys[i] = nodes[i].zoneKey;
    normalizeSpreadScores(scores, zoneKeys);
  }
}
