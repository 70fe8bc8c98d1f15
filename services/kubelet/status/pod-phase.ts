// A pod's phase from its container statuses, as Kubernetes' kubelet computes it (getPhase): the app
// containers decide it; sidecars only delay it while initialization runs.
import { isSidecar } from '../../../lib/api/pods';
import type { ContainerStatus, PodSpec } from '../../../lib/gen/kite/core/v1/types';

/** A plain init container failed in a Never pod (sidecars are always restarted: never a failure). */
function initContainersFailed(spec: PodSpec, initStatuses: readonly ContainerStatus[]): boolean {
  if (spec.restartPolicy !== 'Never') return false;
  return spec.initContainers.some((c) => {
    const s = initStatuses.find((x) => x.name === c.name);
    const t = s?.state?.terminated ?? (s?.state?.waiting ? s.lastState?.terminated : undefined);
    return !isSidecar(c) && t !== undefined && t.exitCode !== 0;
  });
}

/** Initialization not done: a plain init container has not succeeded, or a sidecar has not started. */
function initContainersPending(spec: PodSpec, initStatuses: readonly ContainerStatus[]): boolean {
  return spec.initContainers.some((c) => {
    const s = initStatuses.find((x) => x.name === c.name);
    if (isSidecar(c)) return !s?.started;
    return !(s?.state?.terminated && s.state.terminated.exitCode === 0);
  });
}

export function podPhase(spec: PodSpec, statuses: readonly ContainerStatus[], initStatuses: readonly ContainerStatus[] = []): string {
  if (initContainersFailed(spec, initStatuses)) return 'Failed';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  let unknown = 0;
  for (const c of spec.containers) {
    const s = statuses.find((x) => x.name === c.name);
    if (!s?.state) {
      unknown++;
    } else if (s.state.running) {
      running++;
    } else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      // Waiting to be restarted after a run counts as stopped, not as never started.
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else {
      unknown++;
    }
  }
  if (initContainersPending(spec, initStatuses) && running === 0 && stopped === 0) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (spec.restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (spec.restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}
