// One interface per extension point; a plugin implements the ones it needs. The scheduling cycle
// calls PreFilter once per pod, Filter once per (pod, node) until enough feasible nodes are found,
// PreScore once, Score per feasible node, NormalizeScore once per plugin; on the chosen node
// Reserve (Unreserve when a later step fails), then PreBind and Bind in the binding cycle.
import type { SchedulerBackend } from '../backend';
import type { CycleState } from './cycle-state';
import type { NodeInfoLister, SchedulerListers } from './listers';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import type { PreemptionHandle } from './post-filter';
import type { Status } from './status';
import type { VolumeHandle } from './volume-handle';

/** Scores are normalized to 0..MAX_NODE_SCORE before weights are applied. */
export const MAX_NODE_SCORE = 100;

export interface Plugin {
  readonly name: string;
}

export interface PreFilterPlugin extends Plugin {
  /** Computes per-pod data into `state`; Skip means this plugin's Filter has nothing to check. */
  preFilter(state: CycleState, pod: PodInfo): Status;
  /**
   * PreFilterExtensions, for plugins whose PreFilter data depends on the pods on nodes: `podToAdd`
   * was just added to `node` (a nominated pod, a victim reprieved) or `podToRemove` removed from
   * it (a preemption victim), and `state` (a clone) must say what PreFilter would have computed.
   */
  addPod?(state: CycleState, pod: PodInfo, podToAdd: PodInfo, node: NodeInfo): Status;
  removePod?(state: CycleState, pod: PodInfo, podToRemove: PodInfo, node: NodeInfo): Status;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
}

export interface PreScorePlugin extends Plugin {
  /** Sees every feasible node once; Skip means this plugin's Score is not needed for the pod. */
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Status;
}

export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rescales this plugin's raw scores (index-aligned with `nodes`) to 0..MAX_NODE_SCORE in place. */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: number[], nodes: readonly NodeInfo[]): void;
}

export interface ReservePlugin extends Plugin {
  /** Claims what the pod will use on `nodeName` before the next pod is scheduled (synchronous). */
  reserve(state: CycleState, pod: PodInfo, nodeName: string): Status;
  /** Undoes reserve() after a failure in Reserve, PreBind or Bind; must be idempotent. */
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

export interface PreBindPlugin extends Plugin {
  /** Runs in the binding cycle before Bind; may wait (for volumes to be bound). */
  preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status>;
}

export interface BindPlugin extends Plugin {
  /** Skip passes the pod to the next Bind plugin. */
  bind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status>;
}

/** What plugins may use from the scheduler that runs them. */
export interface FrameworkHandle {
  readonly backend: SchedulerBackend;
  /** PersistentVolumeClaims, PersistentVolumes and StorageClasses; unset when the scheduler has none. */
  readonly volumes?: VolumeHandle;
  /** What DefaultPreemption reads and runs; unset outside a scheduler. */
  readonly preemption?: PreemptionHandle;
  /** Every node with its pods (the scheduler's cache, which is the cycle's snapshot); unset outside a scheduler. */
  readonly snapshot?: NodeInfoLister;
  /** Namespaces, Services, ReplicaSets and StatefulSets; unset when the scheduler has no informers for them. */
  readonly listers?: SchedulerListers;
}

export type PluginFactory = (args: unknown, handle: FrameworkHandle) => Plugin;

export function isPreFilterPlugin(p: Plugin): p is PreFilterPlugin {
  return typeof (p as PreFilterPlugin).preFilter === 'function';
}

export function isFilterPlugin(p: Plugin): p is FilterPlugin {
  return typeof (p as FilterPlugin).filter === 'function';
}

export function isPreScorePlugin(p: Plugin): p is PreScorePlugin {
  return typeof (p as PreScorePlugin).preScore === 'function';
}

export function isScorePlugin(p: Plugin): p is ScorePlugin {
  return typeof (p as ScorePlugin).score === 'function';
}

export function isReservePlugin(p: Plugin): p is ReservePlugin {
  return typeof (p as ReservePlugin).reserve === 'function';
}

export function isPreBindPlugin(p: Plugin): p is PreBindPlugin {
  return typeof (p as PreBindPlugin).preBind === 'function';
}

export function isBindPlugin(p: Plugin): p is BindPlugin {
  return typeof (p as BindPlugin).bind === 'function';
}
