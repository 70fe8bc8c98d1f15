// Queueing hints (kube-scheduler's EnqueueExtensions and QueueingHintFn). A plugin that rejects
// pods says which cluster events could make such a pod schedulable, each with an optional hint
// function that looks at the event's objects; the queue moves an unschedulable pod back only when
// a plugin that rejected it registered the event and its hint answers Queue. A plugin that
// registers nothing is asked about every event (Queue), as kube-scheduler treats plugins without
// EnqueueExtensions. PreEnqueue plugins (SchedulingGates) keep a pod out of activeQ altogether.
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import type { Plugin } from './interfaces';
import type { Status } from './status';

/**
 * kube-scheduler's cluster events with their labels. Node updates are split by what changed;
 * "AssignedPod" events are about pods bound to a node (pending pods' own updates requeue them
 * directly); UnschedulableTimeout (the periodic flush) moves every pod.
 */
export type ClusterEvent =
  | 'NodeAdd'
  | 'NodeDelete'
  | 'NodeAllocatableChange'
  | 'NodeLabelChange'
  | 'NodeTaintChange'
  | 'AssignedPodAdd'
  | 'AssignedPodUpdate'
  | 'AssignedPodDelete'
  | 'PvcChange'
  | 'PvChange'
  | 'StorageClassChange'
  | 'UnschedulableTimeout';

export type QueueingHint = 'Queue' | 'QueueSkip';

/** Whether `event` (with its old and new object: Nodes, or Pods) may make `pod` schedulable. */
export type QueueingHintFn = (pod: Pod, oldObj: unknown, newObj: unknown) => QueueingHint;

export interface ClusterEventWithHint {
  event: ClusterEvent;
  /** Unset: always Queue. */
  hint?: QueueingHintFn;
}

export interface EnqueueExtensions extends Plugin {
  eventsToRegister(): ClusterEventWithHint[];
}

export interface PreEnqueuePlugin extends Plugin {
  /** Success lets the pod into activeQ; anything else keeps it waiting (gated) until it changes. */
  preEnqueue(pod: Pod): Status;
}

export function isEnqueueExtensions(p: Plugin): p is EnqueueExtensions {
  return typeof (p as EnqueueExtensions).eventsToRegister === 'function';
}

export function isPreEnqueuePlugin(p: Plugin): p is PreEnqueuePlugin {
  return typeof (p as PreEnqueuePlugin).preEnqueue === 'function';
}

/** The events each plugin registered, by plugin name (kube-scheduler's queueingHintMap). */
export class QueueingHintMap {
  private readonly byPlugin = new Map<string, Map<ClusterEvent, (QueueingHintFn | undefined)[]>>();

  register(plugin: EnqueueExtensions): void {
    const events = new Map<ClusterEvent, (QueueingHintFn | undefined)[]>();
    for (const { event, hint } of plugin.eventsToRegister()) {
      let hints = events.get(event);
      if (!hints) events.set(event, (hints = []));
      hints.push(hint);
    }
    this.byPlugin.set(plugin.name, events);
  }

  /**
   * isPodWorthRequeuing: a pod rejected by no plugin in particular (an error) moves on any event;
   * otherwise some rejecting plugin must have registered the event with a hint that says Queue.
   */
  isPodWorthRequeuing(pod: Pod, rejectors: ReadonlySet<string>, event: ClusterEvent, oldObj: unknown, newObj: unknown): boolean {
    if (event === 'UnschedulableTimeout' || rejectors.size === 0) return true;
    for (const name of rejectors) {
      const events = this.byPlugin.get(name);
      if (!events) return true;
      for (const hint of events.get(event) ?? []) {
        if (!hint || safeHint(hint, pod, oldObj, newObj) === 'Queue') return true;
      }
    }
    return false;
  }
}

/** A hint that throws counts as Queue (kube-scheduler requeues when a hint fails). */
function safeHint(hint: QueueingHintFn, pod: Pod, oldObj: unknown, newObj: unknown): QueueingHint {
  try {
    return hint(pod, oldObj, newObj);
  } catch {
    return 'Queue';
  }
}
