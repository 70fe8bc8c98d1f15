// NodeResourcesFit: the pod's requests must fit in the node's allocatable minus what its pods
// (bound and assumed) already request; one pod slot must be free. Scores with the LeastAllocated
// strategy: the more room a node keeps after placing the pod, the better.
import type { CycleState } from '../framework/cycle-state';
import type { Node, Pod } from '../../../lib/gen/kite/core/v1/types';
import type { ClusterEventWithHint, EnqueueExtensions } from '../framework/events';
import { type FilterPlugin, MAX_NODE_SCORE, type ScorePlugin } from '../framework/interfaces';
import { NodeInfo } from '../framework/node-info';
import { PodInfo, type Resources } from '../framework/pod-info';
import { Status } from '../framework/status';
import { NODE_RESOURCES_FIT } from './names';

// Hot-path aliases of imported bindings (see Status.success).
const SUCCESS = Status.success;
const MAX_SCORE = MAX_NODE_SCORE;

export type ResourceName = 'cpu' | 'memory';

export interface ResourceWeight {
  name: ResourceName;
  weight: number;
}

export interface NodeResourcesFitArgs {
  scoringStrategy?: { type?: 'LeastAllocated'; resources?: ResourceWeight[] };
}

export const DEFAULT_RESOURCE_WEIGHTS: readonly ResourceWeight[] = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];

const NO_REASONS: string[] = [];

/** Kubernetes' fitsRequest: the reasons the pod does not fit the node, empty when it does. */
export function fitsRequest(requests: Resources, node: NodeInfo): string[] {
  const tooManyPods = node.podCount + 1 > node.allocatable.pods;
  const cpu = requests.milliCPU > 0 && requests.milliCPU > node.allocatable.milliCPU - node.requested.milliCPU;
  const memory = requests.memory > 0 && requests.memory > node.allocatable.memory - node.requested.memory;
  if (!tooManyPods && !cpu && !memory) return NO_REASONS;
  const reasons: string[] = [];
  if (tooManyPods) reasons.push('Too many pods');
  if (cpu) reasons.push('Insufficient cpu');
  if (memory) reasons.push('Insufficient memory');
  return reasons;
}

/** (capacity - requested) * 100 / capacity in integers; 0 when nothing is left. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_SCORE) / capacity);
}

/** Weighted LeastAllocated score over non-zero requests (unset requests count as the defaults). */
export function leastAllocatedScore(pod: PodInfo, node: NodeInfo, cpuWeight: number, memoryWeight: number): number {
  const weightSum = cpuWeight + memoryWeight;
  if (weightSum === 0) return 0;
  const cpu = leastRequestedScore(node.nonZeroRequested.milliCPU + pod.nonZeroRequests.milliCPU, node.allocatable.milliCPU);
  const memory = leastRequestedScore(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, node.allocatable.memory);
  return Math.floor((cpu * cpuWeight + memory * memoryWeight) / weightSum);
}

export class NodeResourcesFit implements FilterPlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NODE_RESOURCES_FIT;

  /**
   * A deleted pod that was on a node frees its requests; a node added, or whose allocatable
   * changed, is worth a try when its allocatable alone (without its pods) holds the pod.
   */
  eventsToRegister(): ClusterEventWithHint[] {
    const nodeHint = (pod: Pod, _old: unknown, node: unknown) => {
      const empty = new NodeInfo((node as Node).metadata?.name ?? '');
      empty.setNode(node as Node);
      return fitsRequest(PodInfo.of(pod).requests, empty).length === 0 ? 'Queue' : 'QueueSkip';
    };
    return [
      { event: 'NodeAdd', hint: nodeHint },
      { event: 'NodeAllocatableChange', hint: nodeHint },
      { event: 'AssignedPodDelete' },
    ];
  }
  private readonly cpuWeight: number;
  private readonly memoryWeight: number;

  constructor(args: NodeResourcesFitArgs = {}) {
    const weights = args.scoringStrategy?.resources ?? DEFAULT_RESOURCE_WEIGHTS;
    this.cpuWeight = weights.find((w) => w.name === 'cpu')?.weight ?? 0;
    this.memoryWeight = weights.find((w) => w.name === 'memory')?.weight ?? 0;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const reasons = fitsRequest(pod.requests, node);
    return reasons.length === 0 ? SUCCESS : Status.unschedulable(...reasons);
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return leastAllocatedScore(pod, node, this.cpuWeight, this.memoryWeight);
  }
}
