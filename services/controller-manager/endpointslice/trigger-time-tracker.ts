// When the change a sync publishes happened (Kubernetes' TriggerTimeTracker in
// pkg/controller/util/endpoint): per Service, the pods' Ready transition times and the
// Service's creation seen at the last sync; a sync's trigger time is the earliest of those that
// moved since, or the Service's creation the first time it is synced.
import { podReadyCondition } from '../../../lib/api/pods';
import type { Pod, Service } from '../../../lib/gen/kite/core/v1/types';
import { parseTime } from '../../../lib/util/time';

interface ServiceState {
  podTimes: Map<string, number>;
  serviceTime: number;
}

function time(s: string | undefined): number | undefined {
  const t = parseTime(s);
  return Number.isNaN(t) ? undefined : t;
}

export class TriggerTimeTracker {
  private readonly states = new Map<string, ServiceState>();

  /** The trigger time (ms) of a sync of `svc` over `pods`, or undefined when nothing moved. */
  compute(key: string, svc: Service, pods: Pod[]): number | undefined {
    const prev = this.states.get(key);
    let min: number | undefined;
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const t = time(podReadyCondition(pod)?.lastTransitionTime);
      if (t === undefined) continue;
      podTimes.set(pod.metadata!.name, t);
      if (t > (prev?.podTimes.get(pod.metadata!.name) ?? -Infinity)) min = Math.min(min ?? t, t);
    }
    const serviceTime = time(svc.metadata?.creationTimestamp) ?? 0;
    if (serviceTime > (prev?.serviceTime ?? -Infinity)) min = Math.min(min ?? serviceTime, serviceTime);
    this.states.set(key, { podTimes, serviceTime });
    if (!prev) return serviceTime || undefined;
    return min;
  }

  delete(key: string): void {
    this.states.delete(key);
  }
}
