// What a sync must do to a pod, computed from its spec and what the runtime holds (Kubernetes'
// computePodActions): whether the sandbox must be (re)created, which containers to kill and which
// to start. Pure: backoff, images and probes' verdicts are applied by the caller.
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

/**
 * Kubernetes' findNextInitContainerToRun: the init container to (re)start next, whether the last
 * one seen failed, and whether initialization is done.
 */
export function nextInitContainer(
  pod: Pod,
  byName: Map<string, RuntimeContainer>,
): { next?: Container; failed: boolean; done: boolean } {
  const inits = pod.spec?.initContainers ?? [];
  if (inits.length === 0) return { failed: false, done: true };
  // App containers exist only once initialization finished.
  if ((pod.spec?.containers ?? []).some((c) => byName.has(c.name))) return { failed: false, done: true };
  for (let i = inits.length - 1; i >= 0; i--) {
    const status = byName.get(inits[i].name);
    if (status && initFailed(status)) return { next: inits[i], failed: true, done: false };
  }
  for (let i = inits.length - 1; i >= 0; i--) {
    const status = byName.get(inits[i].name);
    if (!status) continue;
    if (status.state === 'running') return { failed: false, done: false };
    if (status.state === 'created') return { next: inits[i], failed: false, done: false };
    if (i === inits.length - 1) return { failed: false, done: true };
    return { next: inits[i + 1], failed: false, done: false };
  }
  return { next: inits[0], failed: false, done: false };
}

export function computePodActions(pod: Pod, state: PodRuntimeState | undefined, probeVerdict: ProbeVerdict): PodActions {
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

  const init = nextInitContainer(pod, byName);
  if (!init.done) {
    if (init.next) {
      if (init.failed && !restartsOnFailure(pod)) actions.killPod = true;
      else {
        const current = byName.get(init.next.name);
        if (current && current.state !== 'exited') actions.toKill.push({ container: current, reason: 'NotStarted', message: `Container ${init.next.name} was never started` });
        actions.toStart.push(toStart(init.next, true, current));
      }
    }
    return actions;
  }

  let keep = 0;
  for (const c of specs) {
    const current = byName.get(c.name);
    if (!current || current.state !== 'running') {
      if (shouldRestart(pod, current)) {
        if (current && current.state !== 'exited') actions.toKill.push({ container: current, reason: 'NotStarted', message: `Container ${c.name} was never started` });
        actions.toStart.push(toStart(c, false, current));
      }
      continue;
    }
    let reason: KillReason;
    let message: string;
    let restart = restartsOnFailure(pod);
    const verdict = probeVerdict(current.id);
    if (current.hash !== '' && current.hash !== containerHash(c)) {
      reason = 'SpecChanged';
      message = `Container ${c.name} definition changed`;
      restart = true;
    } else if (verdict === 'LivenessProbe') {
      reason = verdict;
      message = `Container ${c.name} failed liveness probe`;
    } else if (verdict === 'StartupProbe') {
      reason = verdict;
      message = `Container ${c.name} failed startup probe`;
    } else {
      keep++;
      continue;
    }
    if (restart) {
      message += ', will be restarted';
      actions.toStart.push(toStart(c, false, current));
    }
    actions.toKill.push({ container: current, reason, message });
  }
  if (keep === 0 && actions.toStart.length === 0) actions.killPod = true;
  return actions;
}

