// The SchedulerBackend over the apiserver: BindPod, UpdatePodStatus for the PodScheduled
// condition and nominatedNodeName, preemption's status update and graceful delete of a victim,
// and events through the shared recorder.
import { isConflict, isNotFound } from '../../lib/api/errors';
import type { Clientset } from '../../lib/client/clientset';
import type { EventRecorder } from '../../lib/events';
import type { Pod, PodCondition, PodStatus } from '../../lib/gen/kite/core/v1/types';
import type { EventType, SchedulerBackend } from './backend';

export class ApiSchedulerBackend implements SchedulerBackend {
  constructor(
    private readonly client: Clientset,
    private readonly events: EventRecorder,
  ) {}

  /** Binds this pod only (its UID: a pod created again under the name is not bound), as kube-scheduler's DefaultBinder. */
  bind(pod: Pod, nodeName: string): Promise<void> {
    const m = pod.metadata!;
    return this.client.pods.bind(m.name, nodeName, m.namespace, m.uid);
  }

  recordEvent(pod: Pod, type: EventType, reason: string, message: string): void {
    this.events.event(pod, type, reason, message);
  }

  async setPodCondition(pod: Pod, condition: PodCondition, nominatedNodeName?: string): Promise<void> {
    await this.updatePendingStatus(pod, (status) => {
      setCondition(status.conditions, condition);
      if (nominatedNodeName !== undefined) status.nominatedNodeName = nominatedNodeName;
    });
  }

  async clearNominatedNodeName(pod: Pod): Promise<void> {
    await this.updatePendingStatus(pod, (status) => {
      status.nominatedNodeName = '';
    });
  }

  async preemptPod(victim: Pod, condition: PodCondition): Promise<void> {
    const m = victim.metadata!;
    const current = await this.updateStatus(victim, (cur) => {
      if (cur.metadata!.deletionTimestamp) return false;
      setCondition(cur.status!.conditions, condition);
      return true;
    });
    if (!current) return;
    try {
      await this.client.pods.delete(m.name, { namespace: m.namespace, preconditions: { uid: m.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Reads the pod, changes its status unless it is gone, replaced or bound, and writes it back. */
  private async updatePendingStatus(pod: Pod, change: (status: PodStatus) => void): Promise<void> {
    await this.updateStatus(pod, (cur) => {
      if (cur.spec!.nodeName) return false;
      change(cur.status!);
      return true;
    });
  }

  /**
   * Reads the pod and writes its status back if `change` says so, again on a conflict (the
   * kubelet writes the same status); the pod read, or undefined once it is gone or replaced.
   */
  private async updateStatus(pod: Pod, change: (cur: Pod) => boolean): Promise<Pod | undefined> {
    const m = pod.metadata!;
    for (let attempt = 1; ; attempt++) {
      try {
        const cur = await this.client.pods.get(m.name, m.namespace);
        if (cur.metadata!.uid !== m.uid) return undefined;
        if (change(cur)) await this.client.pods.updateStatus(cur);
        return cur;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (!isConflict(err) || attempt >= CONFLICT_RETRIES) throw err;
      }
    }
  }
}

/** Status writes tried this many times before a conflict is reported. */
const CONFLICT_RETRIES = 5;

/** Adds `condition`, or replaces the one of its type. */
function setCondition(conditions: PodCondition[], condition: PodCondition): void {
  const i = conditions.findIndex((c) => c.type === condition.type);
  if (i >= 0) conditions[i] = condition;
  else conditions.push(condition);
}
