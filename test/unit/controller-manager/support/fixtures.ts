// Object builders for controller tests: short calls with Kubernetes-like defaults.
import type { KindInfo, KubeObject } from '../../../../lib/api/kinds';
import * as K from '../../../../lib/api/kinds';
import { Deployment, ReplicaSet } from '../../../../lib/gen/kite/apps/v1/types';
import { Lease } from '../../../../lib/gen/kite/coordination/v1/lease';
import { Namespace, Node, Pod, Service, type Taint, type Toleration } from '../../../../lib/gen/kite/core/v1/types';
import type { OwnerReference } from '../../../../lib/gen/kite/meta/v1/meta';
import { rfc3339, rfc3339Micro } from '../../../../lib/util/time';

/** The tests' epoch: 2024-01-01T00:00:00Z. */
export const T0 = Date.parse('2024-01-01T00:00:00Z');

/** RFC 3339 time `seconds` after T0. */
export function at(seconds: number): string {
  return rfc3339(new Date(T0 + seconds * 1000));
}

export function atMicro(seconds: number): string {
  return rfc3339Micro(new Date(T0 + seconds * 1000));
}

export function controllerRef(owner: KubeObject, kind: KindInfo<any>): OwnerReference {
  return { apiVersion: kind.apiVersion, kind: kind.kind, name: owner.metadata!.name, uid: owner.metadata!.uid, controller: true, blockOwnerDeletion: true };
}

export interface PodOpts {
  ns?: string;
  labels?: Record<string, string>;
  owner?: { obj: KubeObject; kind: KindInfo<any> };
  ownerReferences?: OwnerReference[];
  nodeName?: string;
  phase?: string;
  /** Ready since T0 + this many seconds. */
  readySince?: number;
  ready?: boolean;
  /** Created at T0 + this many seconds. */
  created?: number;
  deleting?: boolean;
  ip?: string;
  restarts?: number;
  ports?: { name: string; containerPort: number; protocol?: string }[];
  tolerations?: Toleration[];
  hostname?: string;
  subdomain?: string;
}

export function pod(name: string, o: PodOpts = {}): Pod {
  const ready = o.ready ?? o.readySince !== undefined;
  return Pod.fromPartial({
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name,
      namespace: o.ns ?? 'default',
      uid: `uid-${name}`,
      resourceVersion: '1',
      labels: o.labels ?? {},
      creationTimestamp: at(o.created ?? 0),
      deletionTimestamp: o.deleting ? at(1000) : '',
      ownerReferences: o.ownerReferences ?? (o.owner ? [controllerRef(o.owner.obj, o.owner.kind)] : []),
    },
    spec: {
      nodeName: o.nodeName ?? '',
      hostname: o.hostname ?? '',
      subdomain: o.subdomain ?? '',
      containers: [{ name: 'c', image: 'nginx', ports: (o.ports ?? []).map((p) => ({ protocol: 'TCP', ...p })) }],
      tolerations: o.tolerations ?? [],
    },
    status: {
      phase: o.phase ?? (o.nodeName ? 'Running' : 'Pending'),
      podIP: o.ip ?? '',
      conditions: o.ready !== undefined || o.readySince !== undefined
        ? [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: at(o.readySince ?? 0) }]
        : [],
      containerStatuses: o.restarts !== undefined ? [{ name: 'c', restartCount: o.restarts, ready }] : [],
    },
  });
}

export interface ReplicaSetOpts {
  ns?: string;
  replicas?: number;
  labels?: Record<string, string>;
  owner?: { obj: KubeObject; kind: KindInfo<any> };
  minReadySeconds?: number;
  generation?: number;
  annotations?: Record<string, string>;
  created?: number;
  status?: Partial<ReplicaSet['status']>;
  image?: string;
  deleting?: boolean;
}

export function replicaSet(name: string, o: ReplicaSetOpts = {}): ReplicaSet {
  const labels = o.labels ?? { app: 'web' };
  return ReplicaSet.fromPartial({
    kind: 'ReplicaSet',
    apiVersion: 'apps/v1',
    metadata: {
      name,
      namespace: o.ns ?? 'default',
      uid: `uid-${name}`,
      resourceVersion: '1',
      generation: o.generation ?? 1,
      labels,
      annotations: o.annotations ?? {},
      creationTimestamp: at(o.created ?? 0),
      deletionTimestamp: o.deleting ? at(1000) : '',
      ownerReferences: o.owner ? [controllerRef(o.owner.obj, o.owner.kind)] : [],
    },
    spec: {
      replicas: o.replicas ?? 1,
      minReadySeconds: o.minReadySeconds ?? 0,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: o.image ?? 'nginx' }] } },
    },
    status: { observedGeneration: o.generation ?? 1, ...o.status },
  });
}

export interface DeploymentOpts {
  ns?: string;
  replicas?: number;
  labels?: Record<string, string>;
  image?: string;
  strategy?: 'RollingUpdate' | 'Recreate';
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  paused?: boolean;
  generation?: number;
  annotations?: Record<string, string>;
  status?: Partial<Deployment['status']>;
}

export function deployment(name: string, o: DeploymentOpts = {}): Deployment {
  const labels = o.labels ?? { app: 'web' };
  const strategy = o.strategy ?? 'RollingUpdate';
  return Deployment.fromPartial({
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: {
      name,
      namespace: o.ns ?? 'default',
      uid: `uid-${name}`,
      resourceVersion: '1',
      generation: o.generation ?? 1,
      labels,
      annotations: o.annotations ?? {},
      creationTimestamp: at(0),
    },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: o.image ?? 'nginx' }] } },
      strategy: {
        type: strategy,
        rollingUpdate: strategy === 'RollingUpdate' ? { maxSurge: o.maxSurge ?? '25%', maxUnavailable: o.maxUnavailable ?? '25%' } : undefined,
      },
      minReadySeconds: o.minReadySeconds ?? 0,
      revisionHistoryLimit: o.revisionHistoryLimit ?? 10,
      progressDeadlineSeconds: o.progressDeadlineSeconds ?? 600,
      paused: o.paused ?? false,
    },
    status: { ...o.status },
  });
}

export interface NodeOpts {
  podCIDR?: string;
  ready?: 'True' | 'False' | 'Unknown';
  /** Ready heartbeat at T0 + this many seconds. */
  heartbeat?: number;
  taints?: Taint[];
  created?: number;
}

export function node(name: string, o: NodeOpts = {}): Node {
  const hb = at(o.heartbeat ?? 0);
  return Node.fromPartial({
    kind: 'Node',
    apiVersion: 'v1',
    metadata: { name, uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: at(o.created ?? 0) },
    spec: { podCIDR: o.podCIDR ?? '', podCIDRs: o.podCIDR ? [o.podCIDR] : [], taints: o.taints ?? [] },
    status: {
      conditions: o.ready
        ? [{ type: 'Ready', status: o.ready, reason: 'KubeletReady', message: '', lastHeartbeatTime: hb, lastTransitionTime: at(0) }]
        : [],
    },
  });
}

export function nodeLease(name: string, renewedAt: number): Lease {
  return Lease.fromPartial({
    kind: 'Lease',
    apiVersion: 'coordination.k8s.io/v1',
    metadata: { name, namespace: 'kube-node-lease', uid: `uid-lease-${name}`, resourceVersion: '1' },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: atMicro(renewedAt) },
  });
}

export function service(name: string, o: { ns?: string; selector?: Record<string, string>; ports?: any[]; publishNotReadyAddresses?: boolean; clusterIP?: string; labels?: Record<string, string> } = {}): Service {
  return Service.fromPartial({
    kind: 'Service',
    apiVersion: 'v1',
    metadata: { name, namespace: o.ns ?? 'default', uid: `uid-${name}`, resourceVersion: '1', labels: o.labels ?? {} },
    spec: {
      selector: o.selector ?? { app: 'web' },
      ports: o.ports ?? [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
      publishNotReadyAddresses: o.publishNotReadyAddresses ?? false,
      clusterIP: o.clusterIP ?? '10.96.0.10',
    },
  });
}

export function namespace(name: string, o: { deleting?: boolean; finalizers?: string[] } = {}): Namespace {
  return Namespace.fromPartial({
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: { name, uid: `uid-${name}`, resourceVersion: '1', deletionTimestamp: o.deleting ? at(0) : '' },
    spec: { finalizers: o.finalizers ?? ['kubernetes'] },
    status: { phase: o.deleting ? 'Terminating' : 'Active' },
  });
}

export { K };
