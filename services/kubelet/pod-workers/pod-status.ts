// The pod's API status from what the runtime holds (Kubernetes' generateAPIPodStatus): container
// statuses (waiting / running / terminated, lastState, restartCount, ready), phase, conditions,
// pod and host IPs. Pure: probes' verdicts and waiting reasons come in as inputs.
import type { Container, ContainerState, ContainerStateTerminated, ContainerStatus, Pod, PodStatus } from '../../../lib/gen/kite/core/v1/types';
import type { PodRuntimeState, RuntimeContainer } from '../runtime/types';
import { isSidecar, isTerminalPhase } from '../../../lib/api/pods';
import { podPhase } from '../status/pod-phase';
import { setCondition } from '../status/pod';

/** Why a container that is not running waits: ErrImagePull, CrashLoopBackOff, CreateContainerError... */
export interface WaitingReason {
  reason: string;
  message: string;
}

export interface ProbeStatus {
  /** Readiness of a running container (true when it has no readiness probe). */
  ready(containerId: string): boolean;
  /** Whether its startup probe passed (true when it has none). */
  started(containerId: string): boolean;
}

export interface PodStatusInputs {
  pod: Pod;
  /** The status last written (or the API's): keeps transition times, startTime and IPs stable. */
  previous: PodStatus | undefined;
  state: PodRuntimeState | undefined;
  waiting: ReadonlyMap<string, WaitingReason>;
  probes: ProbeStatus;
  hostIP: string;
  /** RFC 3339, for new transition times and startTime. */
  now: string;
}

export const CONTAINER_ID_SCHEME = 'docker://';

function terminated(c: RuntimeContainer): ContainerStateTerminated {
  return {
    exitCode: c.exitCode ?? 0,
    signal: 0,
    reason: c.reason ?? '',
    message: c.message ?? '',
    startedAt: c.startedAt ?? '',
    finishedAt: c.finishedAt ?? '',
    containerID: CONTAINER_ID_SCHEME + c.id,
  };
}

function containerStatus(
  spec: Container,
  instances: readonly RuntimeContainer[],
  waiting: WaitingReason | undefined,
  defaultWaiting: string,
  probes: ProbeStatus,
): ContainerStatus {
  const current = instances[0];
  const previous = instances.slice(1).find((c) => c.state === 'exited');
  const lastState: ContainerState = previous ? { terminated: terminated(previous) } : {};
  if (!current) {
    return {
      name: spec.name,
      image: spec.image,
      imageID: '',
      containerID: '',
      ready: false,
      started: false,
      restartCount: 0,
      state: { waiting: waiting ?? { reason: defaultWaiting, message: '' } },
      lastState: {},
    };
  }
  const base = {
    name: spec.name,
    image: spec.image,
    imageID: current.imageId ? CONTAINER_ID_SCHEME + current.imageId : '',
    containerID: CONTAINER_ID_SCHEME + current.id,
    restartCount: current.restartCount,
  };
  if (current.state === 'running') {
    const started = probes.started(current.id);
    return {
      ...base,
      ready: started && probes.ready(current.id),
      started,
      state: { running: { startedAt: current.startedAt ?? '' } },
      lastState,
    };
  }
  if (current.state === 'exited') {
    // Waiting to be restarted (e.g. CrashLoopBackOff): the run that just ended becomes lastState.
    if (waiting) return { ...base, ready: false, started: false, state: { waiting }, lastState: { terminated: terminated(current) } };
    return { ...base, ready: false, started: false, state: { terminated: terminated(current) }, lastState };
  }
  return { ...base, ready: false, started: false, state: { waiting: waiting ?? { reason: 'ContainerCreating', message: '' } }, lastState };
}

function byName(containers: readonly RuntimeContainer[]): Map<string, RuntimeContainer[]> {
  const out = new Map<string, RuntimeContainer[]>();
  for (const c of containers) {
    const list = out.get(c.name) ?? [];
    list.push(c);
    out.set(c.name, list);
  }
  return out;
}

function podIP(pod: Pod, state: PodRuntimeState | undefined, hostIP: string, previous: string): string {
  if (pod.spec?.hostNetwork) return hostIP;
  const sandbox = state?.sandboxes.find((s) => s.state === 'running' && s.ip);
  return sandbox?.ip || previous;
}

function unready(statuses: readonly ContainerStatus[], pred: (s: ContainerStatus) => boolean): string {
  return statuses
    .filter((s) => !pred(s))
    .map((s) => s.name)
    .join(' ');
}

export function generatePodStatus(input: PodStatusInputs): PodStatus {
  const { pod, state, waiting, probes, now } = input;
  const spec = pod.spec!;
  const prev = input.previous;
  const instances = byName(state?.containers ?? []);
  const initStatuses = spec.initContainers.map((c) => containerStatus(c, instances.get(c.name) ?? [], waiting.get(c.name), 'PodInitializing', probes));
  // A plain init container is done once it succeeded, a sidecar once it started; app containers
  // that exist mean initialization finished (a sidecar restarting later does not undo it).
  const initDone = (s: ContainerStatus, i: number) => (isSidecar(spec.initContainers[i]) ? !!s.started : s.state?.terminated?.exitCode === 0);
  const initialized = spec.containers.some((c) => instances.has(c.name)) || initStatuses.every(initDone);
  const statuses = spec.containers.map((c) =>
    containerStatus(c, instances.get(c.name) ?? [], waiting.get(c.name), initialized ? 'ContainerCreating' : 'PodInitializing', probes),
  );
  // A finished pod stays finished (its containers may be gone from the runtime later).
  const phase = isTerminalPhase(prev?.phase) ? prev!.phase : podPhase(spec, statuses, initStatuses);
  // Sidecars count toward readiness, listed first as Kubernetes does.
  const readiness = [...initStatuses.filter((_, i) => isSidecar(spec.initContainers[i])), ...statuses];
  const ready = readiness.every((s) => s.ready);

  let conditions = prev?.conditions ?? [];
  conditions = setCondition(conditions, 'PodScheduled', 'True', now);
  const notInitialized = initStatuses.filter((s, i) => !initDone(s, i)).map((s) => s.name).join(' ');
  conditions = initialized
    ? setCondition(conditions, 'Initialized', 'True', now)
    : setCondition(conditions, 'Initialized', 'False', now, 'ContainersNotInitialized', `containers with incomplete status: [${notInitialized}]`);
  const [readyReason, readyMessage] =
    phase === 'Succeeded' ? ['PodCompleted', ''] : ready ? ['', ''] : ['ContainersNotReady', `containers with unready status: [${unready(readiness, (s) => s.ready)}]`];
  for (const type of ['ContainersReady', 'Ready']) {
    conditions = setCondition(conditions, type, ready && phase !== 'Succeeded' ? 'True' : 'False', now, readyReason, readyMessage);
  }

  const ip = podIP(pod, state, input.hostIP, prev?.podIP ?? '');
  return {
    phase,
    conditions,
    message: prev?.message ?? '',
    reason: prev?.reason ?? '',
    nominatedNodeName: prev?.nominatedNodeName ?? '',
    hostIP: input.hostIP,
    hostIPs: input.hostIP ? [{ ip: input.hostIP }] : [],
    podIP: ip,
    podIPs: ip ? [{ ip }] : [],
    startTime: prev?.startTime || now,
    initContainerStatuses: initStatuses,
    containerStatuses: statuses,
    qosClass: prev?.qosClass ?? '',
  };
}
