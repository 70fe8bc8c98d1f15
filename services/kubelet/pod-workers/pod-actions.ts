// What a sync must do to a pod, computed from its spec and what the runtime holds (Kubernetes'
// computePodActions): whether the sandbox must be (re)created, which containers to kill and which
// to start. Pure: backoff, images and probes' verdicts are applied by the caller.
import { isSidecar } from '../../../lib/api/pods';
import type { Container, Pod } from '../../../lib/gen/kite/core/v1/types';
import { containerHash } from '../runtime/container-hash';
import type { PodRuntimeState, RuntimeContainer } from '../runtime/types';

export type KillReason = 'SpecChanged' | 'LivenessProbe' | 'StartupProbe' | 'NotStarted' | 'PodFinished';

export interface ContainerToStart {
  container: Container;
  init: boolean;
  /** The restart count the new instance gets (the previous instance's plus one). */
  restartCount: number;
  /** The newest earlier instance, if any: its exit decides the crash-loop backoff. */
  previous?: RuntimeContainer;
}

export interface ContainerToKill {
  container: RuntimeContainer;
  reason: KillReason;
  /** "Container web failed liveness probe, will be restarted", as Kubernetes words it. */
  message: string;
}

export interface PodActions {
  /** Stop every container and the sandbox (the sandbox is replaced, or the pod has finished). */
  killPod: boolean;
  createSandbox: boolean;
  sandboxAttempt: number;
  /** The sandbox to start containers in, when it is kept. */
  sandbox?: RuntimeContainer;
  toKill: ContainerToKill[];
  /** In spec order; at most one init container, and then no app containers. */
  toStart: ContainerToStart[];
}

/** The probe verdicts that kill a running container. */
export type ProbeVerdict = (containerId: string) => 'LivenessProbe' | 'StartupProbe' | undefined;

/** The newest instance of each container name (the runtime lists newest first). */
export function newestByName(containers: readonly RuntimeContainer[]): Map<string, RuntimeContainer> {
  const out = new Map<string, RuntimeContainer>();
  for (const c of containers) if (!out.has(c.name)) out.set(c.name, c);
  return out;
}

function restartsOnFailure(pod: Pod): boolean {
  return pod.spec?.restartPolicy !== 'Never';
}

function succeeded(c: RuntimeContainer | undefined): boolean {
  return c?.state === 'exited' && c.exitCode === 0;
}

function initFailed(c: RuntimeContainer): boolean {
  return (c.state === 'exited' && c.exitCode !== 0) || c.state === 'unknown';
}

/** Kubernetes' ShouldContainerBeRestarted, for a container that is not running. */
export function shouldRestart(pod: Pod, current: RuntimeContainer | undefined): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  if (!current || current.state === 'created' || current.state === 'unknown') return true;
  if (current.state === 'running') return false;
  const policy = pod.spec?.restartPolicy || 'Always';
  if (policy === 'Never') return false;
  if (policy === 'OnFailure' && current.exitCode === 0) return false;
  return true;
}

function toStart(container: Container, init: boolean, current: RuntimeContainer | undefined): ContainerToStart {
  return { container, init, restartCount: current ? current.restartCount + 1 : 0, previous: current };
}

/** Whether the pod needs a new sandbox, and the attempt number it gets. */
function sandboxChange(pod: Pod, state: PodRuntimeState | undefined): { create: boolean; attempt: number; sandbox?: RuntimeContainer } {
  const newest = state?.sandboxes[0];
  if (!newest) return { create: true, attempt: 0 };
  const ready = state.sandboxes.filter((s) => s.state === 'running');
  const lostIP = !pod.spec?.hostNetwork && !newest.ip;
  if (newest.state !== 'running' || ready.length > 1 || lostIP) return { create: true, attempt: newest.restartCount + 1 };
  return { create: false, attempt: newest.restartCount, sandbox: newest };
}

/** Why a running container must be killed (its spec changed, a probe failed), undefined to keep it. */
function killReason(c: Container, current: RuntimeContainer, probeVerdict: ProbeVerdict): { reason: KillReason; message: string } | undefined {
  const verdict = probeVerdict(current.id);
  if (current.hash !== '' && current.hash !== containerHash(c)) return { reason: 'SpecChanged', message: `Container ${c.name} definition changed` };
  if (verdict === 'LivenessProbe') return { reason: verdict, message: `Container ${c.name} failed liveness probe` };
  if (verdict === 'StartupProbe') return { reason: verdict, message: `Container ${c.name} failed startup probe` };
  return undefined;
}

/** A container that exists but never ran is removed before it is started again. */
function replaceNotStarted(actions: PodActions, c: Container, current: RuntimeContainer | undefined): void {
  if (current && current.state !== 'exited') actions.toKill.push({ container: current, reason: 'NotStarted', message: `Container ${c.name} was never started` });
}

/**
 * Kubernetes' computeInitContainerActions (with SidecarContainers): walks the init containers in
 * order. A plain one must have succeeded before the next starts (a failed one is restarted unless
 * the pod's restartPolicy is Never, which ends the pod); a sidecar (restartPolicy Always) must have
 * started (its startup probe passed, or it runs when it has none), and is restarted whenever it is
 * not running (or its probes or spec say so) whatever the pod's restartPolicy, also after
 * initialization. Returns true once initialization is done (or was, when app containers exist).
 */
function initContainerActions(pod: Pod, byName: Map<string, RuntimeContainer>, probes: InitProbes, actions: PodActions): boolean {
  // App containers exist only once initialization finished (plain init containers' records may be gone).
  const initialized = (pod.spec?.containers ?? []).some((c) => byName.has(c.name));
  for (const c of pod.spec?.initContainers ?? []) {
    const current = byName.get(c.name);
    if (isSidecar(c)) {
      if (current?.state === 'running') {
        const kill = killReason(c, current, probes.verdict);
        if (kill) {
          actions.toKill.push({ container: current, reason: kill.reason, message: `${kill.message}, will be restarted` });
          actions.toStart.push(toStart(c, true, current));
          if (!initialized) return false;
        } else if (!initialized && !probes.started(current.id)) return false;
        continue;
      }
      replaceNotStarted(actions, c, current);
      actions.toStart.push(toStart(c, true, current));
      if (!initialized) return false;
      continue;
    }
    if (initialized || succeeded(current)) continue;
    if (current?.state === 'running') return false;
    if (current && initFailed(current) && !restartsOnFailure(pod)) {
      actions.killPod = true;
      return false;
    }
    replaceNotStarted(actions, c, current);
    actions.toStart.push(toStart(c, true, current));
    return false;
  }
  return true;
}

/** What the init containers' walk asks of the probe workers. */
export interface InitProbes {
  verdict: ProbeVerdict;
  /** Whether the running container's startup probe passed (true when it has none). */
  started(containerId: string): boolean;
}

/**
 * `started` tells whether a running sidecar's startup probe passed (the next init container waits
 * for it); without it every running container counts as started.
 */
export function computePodActions(pod: Pod, state: PodRuntimeState | undefined, probeVerdict: ProbeVerdict, started: (containerId: string) => boolean = () => true): PodActions {
  const byName = newestByName(state?.containers ?? []);
  const sandbox = sandboxChange(pod, state);
  const actions: PodActions = {
    killPod: sandbox.create,
    createSandbox: sandbox.create,
    sandboxAttempt: sandbox.attempt,
    sandbox: sandbox.sandbox,
    toKill: [],
    toStart: [],
  };
  const specs = pod.spec?.containers ?? [];

  if (sandbox.create) {
    // A Never pod whose sandbox died after its containers ran is over: no new sandbox.
    if (!restartsOnFailure(pod) && sandbox.attempt !== 0 && (state?.containers.length ?? 0) > 0) {
      actions.createSandbox = false;
      return actions;
    }
    const inits = pod.spec?.initContainers ?? [];
    if (inits.length > 0) {
      actions.toStart.push(toStart(inits[0], true, byName.get(inits[0].name)));
      return actions;
    }
    for (const c of specs) {
      const current = byName.get(c.name);
      if (pod.spec?.restartPolicy === 'OnFailure' && succeeded(current)) continue;
      actions.toStart.push(toStart(c, false, current));
    }
    if (actions.toStart.length === 0) actions.createSandbox = false;
    return actions;
  }

  if (!initContainerActions(pod, byName, { verdict: probeVerdict, started }, actions)) return actions;

  let keep = 0;
  let starts = 0;
  for (const c of specs) {
    const current = byName.get(c.name);
    if (!current || current.state !== 'running') {
      if (shouldRestart(pod, current)) {
        replaceNotStarted(actions, c, current);
        actions.toStart.push(toStart(c, false, current));
        starts++;
      }
      continue;
    }
    const kill = killReason(c, current, probeVerdict);
    if (!kill) {
      keep++;
      continue;
    }
    let message = kill.message;
    if (kill.reason === 'SpecChanged' || restartsOnFailure(pod)) {
      message += ', will be restarted';
      actions.toStart.push(toStart(c, false, current));
      starts++;
    }
    actions.toKill.push({ container: current, reason: kill.reason, message });
  }
  // Every app container is done for good: the pod is over, and its sidecars are not restarted
  // (they would keep it alive); killing the pod stops them.
  if (keep === 0 && starts === 0) {
    actions.killPod = true;
    actions.toStart = [];
  }
  return actions;
}

