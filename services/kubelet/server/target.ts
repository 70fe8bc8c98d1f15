// Finds the runtime container a logs or exec request means: the pod must be bound to this node
// (and have the uid asked for), the container named (or the pod's only one), and the instance the
// current one or, for --previous, the one that ran before.
import { status as Status } from '@grpc/grpc-js';
import { ApiError, BadRequestError, NotFoundError } from '../../../lib/api/errors';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import type { RuntimeSnapshot } from '../pod-workers/runtime-cache';
import type { RuntimeContainer } from '../runtime/types';

export interface TargetRequest {
  namespace: string;
  podName: string;
  podUid: string;
  container: string;
}

export interface TargetContext {
  /** The pod as the kubelet knows it (bound to this node). */
  pod(namespace: string, name: string): Pod | undefined;
  /** A static pod's mirror pod's uid: callers going through the apiserver know the pod by it. */
  mirrorUid?(pod: Pod): string | undefined;
  /** A runtime listing taken after the call. */
  runtime(): Promise<RuntimeSnapshot>;
}

export class FailedPreconditionError extends ApiError {
  constructor(message: string) {
    super(Status.FAILED_PRECONDITION, message, 'BadRequest');
  }
}

export interface Target {
  pod: Pod;
  containerName: string;
  current?: RuntimeContainer;
  previous?: RuntimeContainer;
}

export async function findTarget(req: TargetRequest, ctx: TargetContext): Promise<Target> {
  const namespace = req.namespace || 'default';
  const pod = ctx.pod(namespace, req.podName);
  if (!pod || (req.podUid && pod.metadata!.uid !== req.podUid && ctx.mirrorUid?.(pod) !== req.podUid)) {
    throw new NotFoundError(`pod "${req.podName}" in namespace "${namespace}" not found on this node`);
  }
  const names = [...pod.spec!.initContainers, ...pod.spec!.containers].map((c) => c.name);
  let containerName = req.container;
  if (!containerName) {
    if (pod.spec!.containers.length !== 1) {
      throw new BadRequestError(`a container name must be specified for pod ${req.podName}, choose one of: [${pod.spec!.containers.map((c) => c.name).join(' ')}]`);
    }
    containerName = pod.spec!.containers[0].name;
  }
  if (!names.includes(containerName)) {
    throw new BadRequestError(`container ${containerName} is not valid for pod ${req.podName}`);
  }
  const instances = ((await ctx.runtime()).get(pod.metadata!.uid)?.containers ?? []).filter((c) => c.name === containerName);
  const current = instances[0];
  // A crashed container waiting to restart is its own "previous" run, as lastState shows it.
  const previous = instances.slice(1).find((c) => c.state === 'exited') ?? (current?.state === 'exited' ? current : undefined);
  return { pod, containerName, current, previous };
}

/** The instance a logs request reads. */
export function logsContainer(target: Target, previous: boolean): RuntimeContainer {
  const { pod, containerName } = target;
  if (previous) {
    if (!target.previous) throw new FailedPreconditionError(`previous terminated container "${containerName}" in pod "${pod.metadata!.name}" not found`);
    return target.previous;
  }
  if (!target.current || target.current.state === 'created') {
    throw new FailedPreconditionError(`container "${containerName}" in pod "${pod.metadata!.name}" is waiting to start: ContainerCreating`);
  }
  return target.current;
}

/** The instance an exec runs in: the current one, running. */
export function execContainer(target: Target): RuntimeContainer {
  if (target.current?.state !== 'running') {
    throw new FailedPreconditionError(`container ${target.containerName} is not running in pod ${target.pod.metadata!.name}`);
  }
  return target.current;
}
