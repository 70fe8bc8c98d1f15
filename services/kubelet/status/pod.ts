// Pod status as a node agent reports it: phase, conditions and container statuses.
import type { ContainerStatus, Pod, PodCondition, PodStatus } from '../../../lib/gen/kite/core/v1/types';

/** Sets a condition, keeping lastTransitionTime when the status does not change. */
export function setCondition(conditions: PodCondition[], type: string, status: string, now: string, reason = '', message = ''): PodCondition[] {
  const prev = conditions.find((c) => c.type === type);
  const next: PodCondition = {
    type,
    status,
    reason,
    message,
    lastProbeTime: '',
    lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now,
  };
  return prev ? conditions.map((c) => (c.type === type ? next : c)) : [...conditions, next];
}

/** The conditions of a pod whose containers are all started, with readiness as given. */
export function runningPodConditions(prev: PodCondition[], ready: boolean, now: string): PodCondition[] {
  let c = setCondition(prev, 'PodScheduled', 'True', now);
  c = setCondition(c, 'Initialized', 'True', now);
  const r = ready ? 'True' : 'False';
  const reason = ready ? '' : 'ContainersNotReady';
  c = setCondition(c, 'ContainersReady', r, now, reason);
  c = setCondition(c, 'Ready', r, now, reason);
  return c;
}

/** Status of a pod whose containers all run (used by hollow nodes, and by tests). */
export function simulatedRunningStatus(pod: Pod, podIP: string, hostIP: string, now: string): PodStatus {
  const prev = pod.status!;
  const containerStatuses: ContainerStatus[] = pod.spec!.containers.map((c) => ({
    name: c.name,
    image: c.image,
    imageID: '',
    containerID: `hollow://${pod.metadata!.uid}/${c.name}`,
    ready: true,
    started: true,
    restartCount: 0,
    state: { running: { startedAt: now } },
    lastState: {},
  }));
  return {
    ...prev,
    phase: 'Running',
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: prev.startTime || now,
    conditions: runningPodConditions(prev.conditions, true, now),
    containerStatuses,
  };
}
