// NodeName: a pod that names a node in spec.nodeName fits only that node.
import type { CycleState } from '../framework/cycle-state';
import type { Node } from '../../../lib/gen/kite/core/v1/types';
import type { ClusterEventWithHint, EnqueueExtensions, QueueingHintFn } from '../framework/events';
import type { FilterPlugin } from '../framework/interfaces';
import type { NodeInfo } from '../framework/node-info';
import type { PodInfo } from '../framework/pod-info';
import { Status } from '../framework/status';
import { NODE_NAME } from './names';

// Hot-path aliases of imported bindings (see Status.success).
const SUCCESS = Status.success;

export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export function fitsNodeName(podNodeName: string, nodeName: string): boolean {
  return podNodeName === '' || podNodeName === nodeName;
}

export class NodeName implements FilterPlugin, EnqueueExtensions {
  readonly name = NODE_NAME;

  /** The node the pod names was added. */
  eventsToRegister(): ClusterEventWithHint[] {
    const hint: QueueingHintFn = (pod, _old, node) => (fitsNodeName(pod.spec?.nodeName ?? '', (node as Node).metadata?.name ?? '') ? 'Queue' : 'QueueSkip');
    return [{ event: 'NodeAdd', hint }];
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    return fitsNodeName(pod.nodeName, node.name) ? SUCCESS : Status.unresolvable(ERR_REASON_NODE_NAME);
  }
}
