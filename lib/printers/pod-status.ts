// The READY, STATUS and RESTARTS cells of `get pods`, computed as kubectl's printPod does:
// container waiting/terminated reasons win over the phase, init containers show Init:x/y,
// and a pod with a deletionTimestamp shows Terminating. Sidecars (init containers with
// restartPolicy Always) count in READY beside the app containers, and their restarts in RESTARTS.
import { isSidecar } from '../api/pods';
import type { Pod } from '../gen/kite/core/v1/types';
import { since } from './age';

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

const TERMINAL = new Set(['Succeeded', 'Failed']);

export function podSummary(pod: Pod, now = Date.now()): PodSummary {
  const spec = pod.spec;
  const st = pod.status;
  const initContainers = spec?.initContainers ?? [];
  const sidecars = new Set(initContainers.filter(isSidecar).map((c) => c.name));
  const total = (spec?.containers.length ?? 0) + sidecars.size;
  let ready = 0;
  let restarts = 0;
  let lastRestart = 0;
  let sidecarRestarts = 0;
  let lastSidecarRestart = 0;
  const later = (finishedAt: string | undefined, than: number) => {
    const t = finishedAt ? Date.parse(finishedAt) : NaN;
    return !Number.isNaN(t) && t > than ? t : than;
  };
  const noteRestart = (finishedAt: string | undefined) => {
    lastRestart = later(finishedAt, lastRestart);
  };
  let reason = st?.reason || st?.phase || '';
  if (st?.conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  let initializing = false;
  const initStatuses = st?.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += c.restartCount;
    noteRestart(c.lastState?.terminated?.finishedAt);
    const sidecar = sidecars.has(c.name);
    if (sidecar) {
      sidecarRestarts += c.restartCount;
      lastSidecarRestart = later(c.lastState?.terminated?.finishedAt, lastSidecarRestart);
    }
    const term = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (sidecar && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (term) {
      reason = term.reason ? `Init:${term.reason}` : term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  const initialized = st?.conditions.some((c) => c.type === 'Initialized' && c.status === 'True') ?? false;
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = st?.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount;
      noteRestart(c.lastState?.terminated?.finishedAt);
      const waiting = c.state?.waiting;
      const term = c.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const podReady = st?.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
      reason = podReady ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata?.deletionTimestamp && st?.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata?.deletionTimestamp && !TERMINAL.has(st?.phase ?? '')) reason = 'Terminating';

  const restartsCell = restarts !== 0 && lastRestart ? `${restarts} (${since(new Date(lastRestart).toISOString(), now)} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsCell };
}
