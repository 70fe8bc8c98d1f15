// NodeUnschedulable: cordoned nodes (spec.unschedulable) take only pods that tolerate the
// node.kubernetes.io/unschedulable:NoSchedule taint, as DaemonSet pods do.
import type { Node, Pod } from '../../../lib/gen/kite/core/v1/types';
import type { CycleState } from '../framework/cycle-state';
import type { ClusterEventWithHint, EnqueueExtensions, QueueingHintFn } from '../framework/events';
import type { FilterPlugin } from '../framework/interfaces';
import type { NodeInfo } from '../framework/node-info';
import type { PodInfo } from '../framework/pod-info';
import { Status } from '../framework/status';
import { NODE_UNSCHEDULABLE } from './names';
import { isTolerated } from '../../../lib/api/taints';

// Hot-path aliases of imported bindings (see Status.success).
const SUCCESS = Status.success;

export const UNSCHEDULABLE_TAINT_KEY = 'node.kubernetes.io/unschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

export function fitsSchedulableNode(pod: Pod, node: Node | undefined): boolean {
  if (!node?.spec?.unschedulable) return true;
  const taint = { key: UNSCHEDULABLE_TAINT_KEY, value: '', effect: 'NoSchedule', timeAdded: '' };
  return isTolerated(pod.spec?.tolerations ?? [], taint);
}

export class NodeUnschedulable implements FilterPlugin, EnqueueExtensions {
  readonly name = NODE_UNSCHEDULABLE;

  /** A node added, or one whose spec.unschedulable changed, that the pod can now use. */
  eventsToRegister(): ClusterEventWithHint[] {
    const hint: QueueingHintFn = (pod, _old, node) => (fitsSchedulableNode(pod, node as Node) ? 'Queue' : 'QueueSkip');
    return [
      { event: 'NodeAdd', hint },
      { event: 'NodeTaintChange', hint },
    ];
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    return fitsSchedulableNode(pod.pod, node.node) ? SUCCESS : Status.unresolvable(ERR_REASON_UNSCHEDULABLE);
  }
}
