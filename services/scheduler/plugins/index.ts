// The in-tree plugins and the default profile (kube-scheduler's defaults, minus the volume
// plugins other than VolumeBinding).
import type { Profile } from '../framework/profile';
import { Registry } from '../framework/registry';
import { BalancedAllocation } from './balanced-allocation';
import { DefaultBinder } from './default-binder';
import * as names from './names';
import { NodeAffinity } from './node-affinity';
import { NodeName } from './node-name';
import { NodePorts } from './node-ports';
import { NodeResourcesFit, type NodeResourcesFitArgs } from './node-resources-fit';
import { NodeUnschedulable } from './node-unschedulable';
import { InterPodAffinity, type InterPodAffinityArgs } from './inter-pod-affinity';
import { PodTopologySpread } from './pod-topology-spread/pod-topology-spread';
import { TaintToleration } from './taint-toleration';
import { VolumeBinding, type VolumeBindingArgs } from './volume-binding/volume-binding';
import { DefaultPreemption, type DefaultPreemptionArgs } from './default-preemption/default-preemption';
import { SchedulingGates } from './scheduling-gates';
import { NO_VOLUMES } from '../framework/volume-handle';

export * as pluginNames from './names';

export function inTreeRegistry(): Registry {
  return new Registry({
    [names.NODE_UNSCHEDULABLE]: () => new NodeUnschedulable(),
    [names.NODE_NAME]: () => new NodeName(),
    [names.TAINT_TOLERATION]: () => new TaintToleration(),
    [names.NODE_AFFINITY]: () => new NodeAffinity(),
    [names.NODE_PORTS]: () => new NodePorts(),
    [names.NODE_RESOURCES_FIT]: (args) => new NodeResourcesFit(args as NodeResourcesFitArgs | undefined),
    [names.BALANCED_ALLOCATION]: () => new BalancedAllocation(),
    [names.POD_TOPOLOGY_SPREAD]: (_args, handle) => new PodTopologySpread(handle.snapshot, handle.listers),
    [names.INTER_POD_AFFINITY]: (args, handle) => new InterPodAffinity(handle.snapshot, handle.listers, args as InterPodAffinityArgs | undefined),
    [names.VOLUME_BINDING]: (args, handle) => new VolumeBinding(handle.volumes ?? NO_VOLUMES, args as VolumeBindingArgs | undefined),
    [names.DEFAULT_BINDER]: (_args, handle) => new DefaultBinder(handle),
    [names.SCHEDULING_GATES]: () => new SchedulingGates(),
    [names.DEFAULT_PREEMPTION]: (args, handle) => new DefaultPreemption(handle, args as DefaultPreemptionArgs | undefined),
  });
}

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** Filter order and score weights as in kube-scheduler's default configuration. */
export function defaultProfile(schedulerName = DEFAULT_SCHEDULER_NAME): Profile {
  return {
    schedulerName,
    plugins: [
      { name: names.SCHEDULING_GATES },
      { name: names.NODE_UNSCHEDULABLE },
      { name: names.NODE_NAME },
      { name: names.TAINT_TOLERATION, weight: 3 },
      { name: names.NODE_AFFINITY, weight: 2 },
      { name: names.NODE_PORTS },
      { name: names.NODE_RESOURCES_FIT, weight: 1 },
      { name: names.VOLUME_BINDING },
      { name: names.POD_TOPOLOGY_SPREAD, weight: 2 },
      { name: names.INTER_POD_AFFINITY, weight: 2 },
      { name: names.BALANCED_ALLOCATION, weight: 1 },
      { name: names.DEFAULT_PREEMPTION },
      { name: names.DEFAULT_BINDER },
    ],
  };
}
