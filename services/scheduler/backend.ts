// Everything the scheduler core asks of the outside world. main.ts implements it with the typed
// apiserver client (BindPod, UpdatePodStatus, the event recorder); tests with a fake that records
// calls. Reads flow the other way: informer handlers call Scheduler.addPod/updatePod/... .
import type { Pod, PodCondition } from '../../lib/gen/kite/core/v1/types';

export type EventType = 'Normal' | 'Warning';

export interface SchedulerBackend {
  /** Binds the pod to the node (the pods/binding subresource); rejects when the apiserver refuses. */
  bind(pod: Pod, nodeName: string): Promise<void>;
  /** Records an event about the pod; failures are the backend's to log. */
  recordEvent(pod: Pod, type: EventType, reason: string, message: string): void | Promise<void>;
  /**
   * Sets (adds or replaces by type) a condition in a pending pod's status, and its
   * status.nominatedNodeName when `nominatedNodeName` is given ("" clears it).
   */
  setPodCondition(pod: Pod, condition: PodCondition, nominatedNodeName?: string): Promise<void>;
  /** Preemption: sets `condition` (DisruptionTarget) in the victim's status, then deletes it gracefully. */
  preemptPod(victim: Pod, condition: PodCondition): Promise<void>;
  /** Clears status.nominatedNodeName of a pending pod (a higher-priority preemptor took its room). */
  clearNominatedNodeName(pod: Pod): Promise<void>;
}
