// What the InterPodAffinity and PodTopologySpread plugins read besides the pod and one node:
// every node with its pods (the cycle's snapshot, kube-scheduler's SnapshotSharedLister), and
// namespaces, Services, ReplicaSets and StatefulSets from the scheduler's informers (its shared
// listers: namespace labels for namespaceSelector, workloads for the default spread selector).
// Without informers (tests of other plugins, benchmarks) NO_LISTERS knows no objects.
import type { StatefulSet, ReplicaSet } from '../../../lib/gen/kite/apps/v1/types';
import type { Namespace, Service } from '../../../lib/gen/kite/core/v1/types';
import type { NodeInfo } from './node-info';

export interface NodeInfoLister {
  /** Every known node, in scan order. Read-only for callers. */
  nodeInfos(): readonly NodeInfo[];
  /** The nodes with pods that have pod affinity or anti-affinity terms. */
  havePodsWithAffinity(): Iterable<NodeInfo>;
  /** The nodes with pods that have required anti-affinity terms. */
  havePodsWithRequiredAntiAffinity(): Iterable<NodeInfo>;
}

export interface SchedulerListers {
  getNamespace(name: string): Namespace | undefined;
  listNamespaces(): Namespace[];
  listServices(namespace: string): Service[];
  getReplicaSet(namespace: string, name: string): ReplicaSet | undefined;
  getStatefulSet(namespace: string, name: string): StatefulSet | undefined;
}

export const NO_LISTERS: SchedulerListers = {
  getNamespace: () => undefined,
  listNamespaces: () => [],
  listServices: () => [],
  getReplicaSet: () => undefined,
  getStatefulSet: () => undefined,
};

export const NO_NODES: NodeInfoLister = { nodeInfos: () => [], havePodsWithAffinity: () => [], havePodsWithRequiredAntiAffinity: () => [] };

/** A lister over a fixed list of nodes (tests, tools). */
export function nodeInfoLister(nodes: readonly NodeInfo[]): NodeInfoLister {
  return {
    nodeInfos: () => nodes,
    havePodsWithAffinity: () => nodes.filter((n) => n.podsWithAffinity.size > 0),
    havePodsWithRequiredAntiAffinity: () => nodes.filter((n) => n.podsWithRequiredAntiAffinity.size > 0),
  };
}
