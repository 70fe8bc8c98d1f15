// Pod status as a node agent reports it: phase, conditions and container statuses.
import { isSidecar } from '../../../lib/api/pods';
import type { Container, ContainerStatus, Pod, PodCondition, PodStatus } from '../../../lib/gen/kite/core/v1/types';

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

/**
 * Status of a pod whose containers all run (used by hollow nodes, and by tests): its init
 * containers completed, its sidecars running.
 */
export function simulatedRunningStatus(pod: Pod, podIP: string, hostIP: string, now: string): PodStatus {
  const prev = pod.status!;
  const status = (c: Container, completed: boolean): ContainerStatus => ({
    name: c.name,
    image: c.image,
    imageID: '',
    containerID: `hollow://${pod.metadata!.uid}/${c.name}`,
    ready: !completed,
    started: !completed,
    restartCount: 0,
    state: completed
      ? { terminated: { exitCode: 0, signal: 0, reason: 'Completed', message: '', startedAt: now, finishedAt: now, containerID: `hollow://${pod.metadata!.uid}/${c.name}` } }
      : { running: { startedAt: now } },
    lastState: {},
  });
  const initContainerStatuses = pod.spec!.initContainers.map((c) => status(c, !isSidecar(c)));
  const containerStatuses = pod.spec!.containers.map((c) => status(c, false));
  return {
    ...prev,
    phase: 'Running',
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: prev.startTime || now,
    conditions: runningPodConditions(prev.conditions, true, now),
    initContainerStatuses,
    containerStatuses,
  };
}
