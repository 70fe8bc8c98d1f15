// The PostFilter extension point: runs when no node fits a pod (kube-scheduler's
// PostFilterPlugin). DefaultPreemption is the one in-tree plugin: it may make room by evicting
// lower-priority pods and nominate the node the pod will go to.
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import type { PodDisruptionBudget } from '../../../lib/gen/kite/policy/v1/types';
import type { Diagnosis } from '../fit-error';
import type { CycleState } from './cycle-state';
import type { Plugin } from './interfaces';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import type { Status } from './status';

/** Why each node was rejected in the failed cycle. */
export type NodeToStatus = Pick<Diagnosis, 'nodeToStatus' | 'preFilterStatus'>;

/** The status of `nodeName` in the failed cycle: its filter's, or the PreFilter's for every node. */
export function nodeStatus(d: NodeToStatus, nodeName: string): Status | undefined {
  return d.nodeToStatus.get(nodeName) ?? d.preFilterStatus;
}

export interface PostFilterResult {
  /** The node the pod is nominated to ("" clears a previous nomination). */
  nominatedNodeName: string;
}

export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: PodInfo, nodeToStatus: NodeToStatus): { result?: PostFilterResult; status: Status };
}

export function isPostFilterPlugin(p: Plugin): p is PostFilterPlugin {
  return typeof (p as PostFilterPlugin).postFilter === 'function';
}

/** What DefaultPreemption needs of the scheduler besides the backend (kube-scheduler's framework.Handle). */
export interface PreemptionHandle {
  /** Every node with its pods: the cache, which is the cycle's snapshot. */
  nodeInfos(): readonly NodeInfo[];
  /** The Filter plugins on `node` as it is now, counting the pods nominated there. */
  runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
  /** The PreFilter extensions (RunPreFilterExtensionAddPod / RemovePod) on a pod added to or removed from `node`. */
  runPreFilterExtensionAddPod(state: CycleState, pod: PodInfo, podToAdd: PodInfo, node: NodeInfo): Status;
  runPreFilterExtensionRemovePod(state: CycleState, pod: PodInfo, podToRemove: PodInfo, node: NodeInfo): Status;
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
  /** The node the pod is nominated to as the scheduler knows it (its own nomination may not be in the pod's status yet). */
  nominatedNodeName(pod: Pod): string;
  /** The PodDisruptionBudgets (the scheduler's informer); [] without one. */
  podDisruptionBudgets(): PodDisruptionBudget[];
}
