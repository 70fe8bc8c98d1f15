// NodeName: a pod that names a node in spec.nodeName fits only that node.
import type { CycleState } from '../framework/cycle-state';
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

export class NodeName implements FilterPlugin {
  readonly name = NODE_NAME;

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    return fitsNodeName(pod.nodeName, node.name) ? SUCCESS : Status.unresolvable(ERR_REASON_NODE_NAME);
  }
}
