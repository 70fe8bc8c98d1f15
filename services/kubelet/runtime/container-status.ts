// A container's state as the kubelet needs it, read from `docker inspect` and the kubelet's labels.
import type Docker from 'dockerode';
import { LABEL, parsePreStopLabel, SANDBOX_CONTAINER_NAME } from './labels';
import type { ContainerStateName, RuntimeContainer } from './types';

/** Docker's "never" timestamp. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

function time(value: string | undefined): string | undefined {
  return !value || value === ZERO_TIME ? undefined : value;
}

function stateName(status: string): ContainerStateName {
  switch (status) {
    case 'created':
      return 'created';
    case 'running':
    case 'paused':
    case 'restarting':
      return 'running';
    case 'exited':
    case 'dead':
      return 'exited';
    default:
      return 'unknown';
  }
}

/** Kubernetes' terminated reasons. */
function terminatedReason(oomKilled: boolean, exitCode: number, error: string): string {
  if (oomKilled) return 'OOMKilled';
  if (error) return 'ContainerCannotRun';
  return exitCode === 0 ? 'Completed' : 'Error';
}

function optionalInt(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isInteger(n) ? n : undefined;
}

/**
 * Docker stamps StartedAt after its start call returns, so a process that exits at once can
 * finish "before" it started; Kubernetes' statuses never show that, so start is clamped to finish.
 */
function startTime(startedAt: string | undefined, finishedAt: string | undefined): string | undefined {
  if (!startedAt || !finishedAt) return startedAt;
  return Date.parse(finishedAt) < Date.parse(startedAt) ? finishedAt : startedAt;
}

export function runtimeContainer(info: Docker.ContainerInspectInfo): RuntimeContainer {
  const labels = info.Config.Labels ?? {};
  const sandbox = labels[LABEL.sandbox] === 'true';
  const state = stateName(info.State.Status);
  const exited = state === 'exited';
  const finishedAt = exited ? time(info.State.FinishedAt) : undefined;
  const out: RuntimeContainer = {
    id: info.Id,
    name: labels[LABEL.containerName] ?? (sandbox ? SANDBOX_CONTAINER_NAME : ''),
    sandbox,
    podUid: labels[LABEL.podUid] ?? '',
    podName: labels[LABEL.podName] ?? '',
    podNamespace: labels[LABEL.podNamespace] ?? '',
    image: info.Config.Image,
    imageId: info.Image,
    hash: labels[LABEL.containerHash] ?? '',
    restartCount: optionalInt(labels[LABEL.restartCount]) ?? 0,
    terminationGracePeriodSeconds: optionalInt(labels[LABEL.terminationGracePeriod]),
    preStop: parsePreStopLabel(labels[LABEL.preStopHandler]),
    state,
    createdAt: info.Created,
    startedAt: startTime(time(info.State.StartedAt), finishedAt),
    finishedAt,
    exitCode: exited ? info.State.ExitCode : undefined,
    oomKilled: info.State.OOMKilled,
    reason: exited ? terminatedReason(info.State.OOMKilled, info.State.ExitCode, info.State.Error) : undefined,
    message: info.State.Error || undefined,
  };
  if (sandbox) {
    const networks = Object.values(info.NetworkSettings?.Networks ?? {});
    out.ip = networks.map((n) => n.IPAddress).find((ip) => ip) ?? '';
  }
  return out;
}
