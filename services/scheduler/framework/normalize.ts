// kube-scheduler's DefaultNormalizeScore: scale raw scores so the largest becomes MAX_NODE_SCORE
// (integer arithmetic, as Kubernetes does); `reverse` makes fewer better (e.g. untolerated taints).
import { MAX_NODE_SCORE } from './interfaces';

export function defaultNormalizeScore(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.floor((MAX_NODE_SCORE * scores[i]) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}
