// Builders and a recording fake backend shared by the scheduler unit tests.
import { Node, Pod, type PodCondition } from '../../../lib/gen/kite/core/v1/types';
import type { EventType, SchedulerBackend } from '../../../services/scheduler/backend';
import { NodeInfo } from '../../../services/scheduler/framework/node-info';
import { PodInfo } from '../../../services/scheduler/framework/pod-info';

export interface PodOpts {
  ns?: string;
  cpu?: string;
  memory?: string;
  initCpu?: string[];
  hostPorts?: (number | { port: number; ip?: string; protocol?: string })[];
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: any;
  tolerations?: any[];
  owner?: string;
  priority?: number;
  preemptionPolicy?: string;
  schedulingGates?: string[];
  nominatedNodeName?: string;
  labels?: Record<string, string>;
  schedulerName?: string;
}

export function makePod(name: string, o: PodOpts = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  const ports = (o.hostPorts ?? []).map((p) =>
    typeof p === 'number' ? { containerPort: 80, hostPort: p } : { containerPort: 80, hostPort: p.port, hostIP: p.ip ?? '', protocol: p.protocol ?? '' },
  );
  return Pod.fromPartial({
    metadata: {
      name,
      namespace: o.ns ?? 'default',
      uid: `uid-${name}`,
      labels: o.labels ?? {},
      ownerReferences: o.owner ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.owner, uid: `rs-${o.owner}`, controller: true }] : [],
    },
    spec: {
      containers: [{ name: 'c', image: 'nginx', resources: { requests, limits: {} }, ports }],
      initContainers: (o.initCpu ?? []).map((cpu, i) => ({ name: `init${i}`, image: 'busybox', resources: { requests: { cpu }, limits: {} } })),
      nodeName: o.nodeName ?? '',
      nodeSelector: o.nodeSelector ?? {},
      affinity: o.affinity,
      tolerations: o.tolerations ?? [],
      priority: o.priority,
      preemptionPolicy: o.preemptionPolicy,
      schedulingGates: (o.schedulingGates ?? []).map((name) => ({ name })),
      schedulerName: o.schedulerName ?? 'default-scheduler',
    },
    status: { phase: 'Pending', nominatedNodeName: o.nominatedNodeName ?? '' },
  });
}

export interface NodeOpts {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  unschedulable?: boolean;
}

export function makeNode(name: string, o: NodeOpts = {}): Node {
  const allocatable = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' };
  return Node.fromPartial({
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec: {
      unschedulable: o.unschedulable ?? false,
      taints: (o.taints ?? []).map((t) => ({ key: t.key, value: t.value ?? '', effect: t.effect })),
    },
    status: { capacity: allocatable, allocatable },
  });
}

export interface RecordedEvent {
  pod: string;
  type: EventType;
  reason: string;
  message: string;
}

/** Records every call; bind outcomes can be scripted per call. */
export class FakeBackend implements SchedulerBackend {
  readonly binds: { pod: string; node: string }[] = [];
  readonly events: RecordedEvent[] = [];
  readonly conditions: { pod: string; condition: PodCondition; nominatedNodeName?: string }[] = [];
  readonly preempted: { pod: string; condition: PodCondition }[] = [];
  readonly clearedNominations: string[] = [];
  /** Called on each bind; throw to make the bind fail. */
  onBind: (pod: Pod, nodeName: string) => void | Promise<void> = () => {};

  async bind(pod: Pod, nodeName: string): Promise<void> {
    await this.onBind(pod, nodeName);
    this.binds.push({ pod: key(pod), node: nodeName });
  }

  recordEvent(pod: Pod, type: EventType, reason: string, message: string): void {
    this.events.push({ pod: key(pod), type, reason, message });
  }

  async setPodCondition(pod: Pod, condition: PodCondition, nominatedNodeName?: string): Promise<void> {
    this.conditions.push({ pod: key(pod), condition, ...(nominatedNodeName === undefined ? {} : { nominatedNodeName }) });
  }

  async preemptPod(victim: Pod, condition: PodCondition): Promise<void> {
    this.preempted.push({ pod: key(victim), condition });
  }

  async clearNominatedNodeName(pod: Pod): Promise<void> {
    this.clearedNominations.push(key(pod));
  }
}

function key(pod: Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

/** The pod as the informer would deliver it after a successful bind. */
export function bound(pod: Pod, nodeName: string): Pod {
  return { ...pod, spec: { ...pod.spec!, nodeName } };
}

/** A NodeInfo holding `node` and `pods` (bound to it), as the cache would build it. */
export function nodeInfoOf(node: Node, ...pods: Pod[]): NodeInfo {
  const name = node.metadata!.name;
  const ni = new NodeInfo(name);
  ni.setNode(node);
  for (const p of pods) ni.addPod(PodInfo.of(bound(p, name)));
  return ni;
}
