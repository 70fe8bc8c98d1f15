// NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory would be used in similar
// fractions after placing the pod, so neither runs out while the other sits idle.
// Score = (1 - standard deviation of the used fractions) * 100, as kube-scheduler computes it.
import type { CycleState } from '../framework/cycle-state';
import { MAX_NODE_SCORE, type ScorePlugin } from '../framework/interfaces';
import type { NodeInfo } from '../framework/node-info';
import type { PodInfo } from '../framework/pod-info';
import { BALANCED_ALLOCATION } from './names';

// Hot-path aliases of imported bindings (see Status.success).
const MAX_SCORE = MAX_NODE_SCORE;

/** `requested[i] / allocatable[i]` capped at 1, skipping resources the node has none of. */
export function balancedResourceScore(requested: readonly number[], allocatable: readonly number[]): number {
  const fractions: number[] = [];
  let total = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const f = Math.min(requested[i] / allocatable[i], 1);
    fractions.push(f);
    total += f;
  }
  let std = 0;
  if (fractions.length === 2) {
    std = Math.abs((fractions[0] - fractions[1]) / 2);
  } else if (fractions.length > 2) {
    const mean = total / fractions.length;
    let sum = 0;
    for (const f of fractions) sum += (f - mean) * (f - mean);
    std = Math.sqrt(sum / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_SCORE);
}

export class BalancedAllocation implements ScorePlugin {
  readonly name = BALANCED_ALLOCATION;

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    // Actual requests, not the non-zero defaults: balance is about what pods asked for.
    const cpuAlloc = node.allocatable.milliCPU;
    const memAlloc = node.allocatable.memory;
    if (cpuAlloc === 0 || memAlloc === 0) {
      return balancedResourceScore(
        [node.requested.milliCPU + pod.requests.milliCPU, node.requested.memory + pod.requests.memory],
        [cpuAlloc, memAlloc],
      );
    }
    // The common two-resource case of balancedResourceScore, without allocating per node.
    const cpu = Math.min((node.requested.milliCPU + pod.requests.milliCPU) / cpuAlloc, 1);
    const mem = Math.min((node.requested.memory + pod.requests.memory) / memAlloc, 1);
    return Math.trunc((1 - Math.abs((cpu - mem) / 2)) * MAX_SCORE);
  }
}
