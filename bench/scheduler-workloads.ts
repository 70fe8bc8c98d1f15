// scheduler_perf's workloads for the scheduler's inter-pod policies, shared by the in-process core
// benchmark and bench:scheduler: the pod templates of its SchedulingPodAntiAffinity,
// TopologySpreading and PreferredTopologySpreading workloads (config/templates in
// kubernetes/test/integration/scheduler_perf), and their pod counts scaled to 1000 nodes.
import { Pod } from '../lib/gen/kite/core/v1/types';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** scheduler_perf's labelNodePrepareStrategy for the spreading workloads. */
export const ZONES = ['moon-1', 'moon-2', 'moon-3'];

export interface PolicyWorkload {
  name: string;
  /** Pods scheduled first, not measured. */
  initPods: number;
  /** Pods whose scheduling is timed. */
  measurePods: number;
  initPod(i: number): Pod;
  measuredPod(i: number): Pod;
}

// pod-default.yaml: 100m cpu and 500Mi memory, no labels.
const resources = { requests: { cpu: '100m', memory: '500Mi' }, limits: { cpu: '100m', memory: '500Mi' } };

function base(name: string, namespace: string, labels: Record<string, string>): Pod {
  return Pod.fromPartial({
    metadata: { name, namespace, uid: `uid-${namespace}-${name}`, labels },
    spec: { schedulerName: 'default-scheduler', containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', resources }] },
    status: { phase: 'Pending' },
  });
}

/** pod-with-pod-anti-affinity.yaml: color=green pods that refuse a host with another color=green pod of sched-0 or sched-1. */
function antiAffinityPod(name: string, namespace: string): Pod {
  const p = base(name, namespace, { color: 'green', name: 'test' });
  p.spec!.affinity = {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        {
          labelSelector: { matchLabels: { color: 'green' }, matchExpressions: [] },
          topologyKey: 'kubernetes.io/hostname',
          namespaces: ['sched-1', 'sched-0'],
          matchLabelKeys: [],
          mismatchLabelKeys: [],
        },
      ],
      preferredDuringSchedulingIgnoredDuringExecution: [],
    },
  };
  return p;
}

/** pod-with-topology-spreading.yaml (DoNotSchedule) and pod-with-preferred-topology-spreading.yaml (ScheduleAnyway). */
function spreadingPod(name: string, namespace: string, whenUnsatisfiable: string): Pod {
  const p = base(name, namespace, { color: 'blue' });
  p.spec!.topologySpreadConstraints = [
    {
      maxSkew: 5,
      topologyKey: ZONE_LABEL,
      whenUnsatisfiable,
      labelSelector: { matchLabels: {}, matchExpressions: [{ key: 'color', operator: 'In', values: ['blue'] }] },
      matchLabelKeys: [],
    },
  ];
  return p;
}

/**
 * At 1000 nodes: anti-affinity fills every node as scheduler_perf's 500Nodes case does (100 + 400
 * at 500 nodes), the spreading workloads keep its 500Nodes counts per node (1000 + 1000 at 500).
 */
export const POLICY_WORKLOADS: PolicyWorkload[] = [
  {
    name: 'SchedulingPodAntiAffinity',
    initPods: 200,
    measurePods: 800,
    initPod: (i) => antiAffinityPod(`init-${i}`, 'sched-0'),
    measuredPod: (i) => antiAffinityPod(`anti-${i}`, 'sched-1'),
  },
  {
    name: 'TopologySpreading',
    initPods: 2000,
    measurePods: 2000,
    initPod: (i) => base(`init-${i}`, 'sched-0', {}),
    measuredPod: (i) => spreadingPod(`spread-${i}`, 'sched-1', 'DoNotSchedule'),
  },
  {
    name: 'PreferredTopologySpreading',
    initPods: 2000,
    measurePods: 2000,
    initPod: (i) => base(`init-${i}`, 'sched-0', {}),
    measuredPod: (i) => spreadingPod(`spread-${i}`, 'sched-1', 'ScheduleAnyway'),
  },
];
