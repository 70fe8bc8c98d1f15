// NodePorts: a pod's hostPorts must be free on the node (same protocol and port, overlapping IP).
import type { CycleState } from '../framework/cycle-state';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import type { ClusterEventWithHint, EnqueueExtensions } from '../framework/events';
import type { FilterPlugin, PreFilterPlugin } from '../framework/interfaces';
import type { NodeInfo } from '../framework/node-info';
import { type HostPort, PodInfo } from '../framework/pod-info';
import { Status } from '../framework/status';
import { NODE_PORTS } from './names';

// Hot-path aliases of imported bindings (see Status.success).
const SUCCESS = Status.success;

export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";

export function fitsPorts(ports: readonly HostPort[], node: NodeInfo): boolean {
  for (const hp of ports) if (node.portInUse(hp)) return false;
  return true;
}

export class NodePorts implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NODE_PORTS;

  /** A node added; a deleted pod that held a host port (protocol and port) the pod wants. */
  eventsToRegister(): ClusterEventWithHint[] {
    const freed = (pod: Pod, deleted: unknown) => {
      const wanted = PodInfo.of(pod).hostPorts;
      return PodInfo.of(deleted as Pod).hostPorts.some((hp) => wanted.some((w) => w.port === hp.port && w.protocol === hp.protocol));
    };
    return [{ event: 'NodeAdd' }, { event: 'AssignedPodDelete', hint: (pod, deleted) => (freed(pod, deleted) ? 'Queue' : 'QueueSkip') }];
  }

  preFilter(_state: CycleState, pod: PodInfo): Status {
    return pod.hostPorts.length === 0 ? Status.skip : SUCCESS;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    return fitsPorts(pod.hostPorts, node) ? SUCCESS : Status.unschedulable(ERR_REASON_PORTS);
  }
}
