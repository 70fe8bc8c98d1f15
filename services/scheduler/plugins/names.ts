// Plugin names as kube-scheduler spells them, so profiles read the same.
export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
export const NODE_NAME = 'NodeName';
export const TAINT_TOLERATION = 'TaintToleration';
export const NODE_AFFINITY = 'NodeAffinity';
export const NODE_PORTS = 'NodePorts';
export const NODE_RESOURCES_FIT = 'NodeResourcesFit';
export const BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';
export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
export const INTER_POD_AFFINITY = 'InterPodAffinity';
export const VOLUME_BINDING = 'VolumeBinding';
export const DEFAULT_BINDER = 'DefaultBinder';
export const DEFAULT_PREEMPTION = 'DefaultPreemption';
export const SCHEDULING_GATES = 'SchedulingGates';
