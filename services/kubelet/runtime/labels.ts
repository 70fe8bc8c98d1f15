// The labels on every container the kubelet creates. They are the kubelet's only memory across
// restarts: listPodContainers() rebuilds every pod's state from them.
import { LifecycleHandler, type Container } from '../../../lib/gen/kite/core/v1/types';

export const LABEL = {
  podNamespace: 'io.kite.pod.namespace',
  podName: 'io.kite.pod.name',
  podUid: 'io.kite.pod.uid',
  containerName: 'io.kite.container.name',
  containerHash: 'io.kite.container.hash',
  restartCount: 'io.kite.container.restartCount',
  terminationGracePeriod: 'io.kite.pod.terminationGracePeriod',
  /** The container's preStop handler (JSON), run when the kubelet stops a container whose pod it no longer has. */
  preStopHandler: 'io.kite.container.preStopHandler',
  sandbox: 'io.kite.sandbox',
  node: 'io.kite.node',
} as const;

/** Also on pod networks the runtime creates, so they can be found and removed per node. */
export const POD_NETWORK_LABEL = 'io.kite.pod-network';

/** The container name Kubernetes gives a pod's sandbox. */
export const SANDBOX_CONTAINER_NAME = 'POD';

export interface PodIdentity {
  namespace: string;
  name: string;
  uid: string;
}

export interface ContainerLabelInput {
  node: string;
  pod: PodIdentity;
  containerName: string;
  sandbox: boolean;
  hash?: string;
  restartCount?: number;
  terminationGracePeriodSeconds?: number;
  /** preStopLabel(container). */
  preStop?: string;
}

export function containerLabels(input: ContainerLabelInput): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL.node]: input.node,
    [LABEL.podNamespace]: input.pod.namespace,
    [LABEL.podName]: input.pod.name,
    [LABEL.podUid]: input.pod.uid,
    [LABEL.containerName]: input.containerName,
    [LABEL.sandbox]: String(input.sandbox),
    [LABEL.restartCount]: String(input.restartCount ?? 0),
  };
  if (input.hash !== undefined) labels[LABEL.containerHash] = input.hash;
  if (input.terminationGracePeriodSeconds !== undefined) {
    labels[LABEL.terminationGracePeriod] = String(input.terminationGracePeriodSeconds);
  }
  if (input.preStop !== undefined) labels[LABEL.preStopHandler] = input.preStop;
  return labels;
}

/**
 * The container's preStop handler as a label value (Kubernetes keeps it in a label too), with a
 * named httpGet port resolved to its number: the label alone must be enough to run it.
 */
export function preStopLabel(container: Container): string | undefined {
  const handler = container.lifecycle?.preStop;
  if (!handler) return undefined;
  const port = handler.httpGet?.port;
  const named = typeof port === 'string' ? container.ports.find((p) => p.name === port) : undefined;
  const resolved = named ? { ...handler, httpGet: { ...handler.httpGet!, port: named.containerPort } } : handler;
  return JSON.stringify(LifecycleHandler.toJSON(resolved));
}

export function parsePreStopLabel(value: string | undefined): LifecycleHandler | undefined {
  if (!value) return undefined;
  try {
    return LifecycleHandler.fromJSON(JSON.parse(value));
  } catch {
    return undefined;
  }
}

/**
 * Docker's name for a container: Kubernetes' dockershim scheme (kite_<container>_<pod>_<ns>_<uid>_<attempt>),
 * readable in `docker ps` and unique per attempt.
 */
export function dockerContainerName(pod: PodIdentity, containerName: string, attempt: number): string {
  return `kite_${containerName}_${pod.name}_${pod.namespace}_${pod.uid}_${attempt}`;
}
