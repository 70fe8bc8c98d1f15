// `kitectl attach`: joins the main process of a running container through the apiserver
// (PodService/AttachPod, proxied from the pod's kubelet), as kubectl attach does: it reads the pod
// first (a completed pod cannot be attached to), picks the container (-c, else the
// kubectl.kubernetes.io/default-container annotation, else the first), takes the container's own
// terminal setting (warning when -t asks for one the container did not allocate), then streams.
// Unlike kubectl, which Kubernetes' attach stream gives no exit code, kitectl ends with the
// process' exit code when the process ended.
import type { ExecPodRequest, ExecPodResponse } from '../../lib/gen/kite/core/v1/services';
import type { Container, Pod } from '../../lib/gen/kite/core/v1/types';
import type { Cli } from './cli-context';
import { CliError } from './cli-errors';
import { ExitCode, podName, streamSession } from './logs-exec';

export interface AttachOptions {
  container?: string;
  stdin?: boolean;
  tty?: boolean;
  quiet?: boolean;
}

const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/** kubectl's containerToAttachTo: the named container (app or init), else the pod's default one. */
export function containerToAttachTo(pod: Pod, name: string | undefined, warn: (text: string) => void): Container {
  const spec = pod.spec!;
  if (name) {
    const found = [...spec.containers, ...spec.initContainers].find((c) => c.name === name);
    if (!found) throw new CliError(`cannot attach to the container: container not found (${name})`);
    return found;
  }
  const annotated = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  const byAnnotation = annotated ? spec.containers.find((c) => c.name === annotated) : undefined;
  if (byAnnotation) return byAnnotation;
  if (spec.containers.length === 0) throw new CliError(`cannot attach to the container: pod ${pod.metadata!.name} does not have any containers`);
  if (spec.containers.length > 1) {
    const all = [...spec.containers.map((c) => c.name), ...spec.initContainers.map((c) => `${c.name} (init)`)];
    warn(`Defaulted container "${spec.containers[0].name}" out of: ${all.join(', ')}\n`);
  }
  return spec.containers[0];
}

export async function attach(cli: Cli, podArg: string, opts: AttachOptions): Promise<void> {
  const name = podName(podArg);
  const namespace = await cli.namespace();
  const pods = (await cli.clientset()).pods;
  const pod = await pods.get(name, namespace);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw new CliError(`cannot attach a container in a completed pod; current phase is ${phase}`);
  const container = containerToAttachTo(pod, opts.container, (t) => opts.quiet || cli.io.err(t));
  let tty = !!opts.tty;
  if (tty && !container.tty) {
    tty = false;
    if (!opts.quiet) cli.io.err(`error: Unable to use a TTY - container ${container.name} did not allocate one\n`);
  } else if (!tty && container.tty) {
    // The process' terminal is fixed when it starts: its output comes as one stream either way.
    tty = true;
  }
  if (!opts.quiet) cli.io.err("If you don't see a command prompt, try pressing enter.\n");
  const input = opts.stdin ? await cli.io.readStdin() : undefined;
  const start = { namespace, podName: name, podUid: pod.metadata!.uid, container: container.name, command: [], stdin: input !== undefined, tty, size: undefined };
  const exitCode = await streamSession(cli, pods.duplex<ExecPodRequest, ExecPodResponse>('attach'), start, input);
  if (exitCode !== undefined && exitCode !== 0) throw new ExitCode(exitCode);
}
