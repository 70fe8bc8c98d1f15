// The SchedulerBackend over the apiserver: BindPod, UpdatePodStatus for the PodScheduled
// condition, and events through the shared recorder.
import { isNotFound } from '../../lib/api/errors';
import type { Clientset } from '../../lib/client/clientset';
import type { EventRecorder } from '../../lib/events';
import type { Pod, PodCondition } from '../../lib/gen/kite/core/v1/types';
import type { EventType, SchedulerBackend } from './backend';

export class ApiSchedulerBackend implements SchedulerBackend {
  constructor(
    private readonly client: Clientset,
    private readonly events: EventRecorder,
  ) {}

  async bind(pod: Pod, nodeName: string): Promise<void> {
    await this.client.pods.bind(pod.metadata!.name, nodeName, pod.metadata!.namespace);
  }

  recordEvent(pod: Pod, type: EventType, reason: string, message: string): void {
    this.events.event(pod, type, reason, message);
  }

  async setPodCondition(pod: Pod, condition: PodCondition): Promise<void> {
    const m = pod.metadata!;
    try {
      const cur = await this.client.pods.get(m.name, m.namespace);
      if (cur.metadata!.uid !== m.uid || cur.spec!.nodeName) return;
      const status = cur.status!;
      const i = status.conditions.findIndex((c) => c.type === condition.type);
      if (i >= 0) status.conditions[i] = condition;
      else status.conditions.push(condition);
      await this.client.pods.updateStatus(cur);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
