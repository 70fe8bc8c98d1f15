// The Node object and Lease a node agent (kubelet or hollow node) registers and keeps fresh.
import { Lease } from '../../../lib/gen/kite/coordination/v1/lease';
import { Node, type NodeCondition, type NodeSystemInfo } from '../../../lib/gen/kite/core/v1/types';
import { rfc3339, rfc3339Micro } from '../../../lib/util/time';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeDescription {
  name: string;
  internalIP: string;
  labels?: Record<string, string>;
  taints?: { key: string; value: string; effect: string }[];
  capacity: { cpu: string; memory: string; pods: string; [r: string]: string };
  allocatable?: { cpu: string; memory: string; pods: string; [r: string]: string };
  kubeletPort?: number;
  nodeInfo?: Partial<NodeSystemInfo>;
}

/** Why a node is not ready (e.g. its container runtime is down). */
export interface NotReady {
  reason: string;
  message: string;
}

/** Node conditions as a kubelet reports them: healthy, or not Ready for the reason given. */
export function healthyConditions(now: string, previous: NodeCondition[] = [], notReady?: NotReady): NodeCondition[] {
  const cond = (type: string, status: string, reason: string, message: string): NodeCondition => {
    const prev = previous.find((c) => c.type === type);
    return {
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now,
    };
  };
  return [
    cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    notReady ? cond('Ready', 'False', notReady.reason, notReady.message) : cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

export function newNode(d: NodeDescription, now = rfc3339()): Node {
  return Node.fromPartial({
    metadata: {
      name: d.name,
      labels: { 'kubernetes.io/hostname': d.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...d.labels },
    },
    spec: { taints: (d.taints ?? []).map((t) => ({ ...t, timeAdded: '' })) },
    status: {
      capacity: d.capacity,
      allocatable: d.allocatable ?? d.capacity,
      conditions: healthyConditions(now),
      addresses: [
        { type: 'InternalIP', address: d.internalIP },
        { type: 'Hostname', address: d.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: d.kubeletPort ?? 10250 } },
      nodeInfo: {
        operatingSystem: 'linux',
        architecture: 'amd64',
        kubeletVersion: 'kite-v0.1.0',
        kubeProxyVersion: 'kite-v0.1.0',
        containerRuntimeVersion: 'docker://',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        ...d.nodeInfo,
      },
    },
  });
}

export function newNodeLease(nodeName: string, durationSeconds: number, now = new Date()): Lease {
  return Lease.fromPartial({
    metadata: { name: nodeName, namespace: NODE_LEASE_NAMESPACE },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime: rfc3339Micro(now) },
  });
}
