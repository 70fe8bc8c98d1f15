// Attach (kubectl attach): joins the main process of a running container, as the kubelet's
// GetAttach does. The terminal is the container's own (its spec's tty, whatever the caller asked,
// since a process' tty cannot change once it started); stdin reaches the process only when the
// caller asked for it and the container was created with stdin open (Kubernetes' runtimes drop it
// otherwise); resizes apply to a tty. The session ends when the process ends, with its exit code,
// or when the caller goes away, which detaches and leaves the process running.
import type { ContainerRuntime } from '../runtime/types';
import { serveSession, type SessionCall } from './exec';
import { execContainer, findTarget, type TargetContext } from './target';

export function serveAttach(call: SessionCall, runtime: ContainerRuntime, ctx: TargetContext): Promise<void> {
  return serveSession(call, 'attach', async (start, stdin, signal) => {
    const target = await findTarget(start, ctx);
    const container = execContainer(target);
    const spec = target.pod.spec!.containers.find((c) => c.name === target.containerName) ?? target.pod.spec!.initContainers.find((c) => c.name === target.containerName);
    const tty = spec?.tty ?? false;
    const withStdin = start.stdin && !!spec?.stdin;
    const session = await runtime.attach(container.id, { stdin: withStdin ? stdin : undefined, tty, signal });
    return { session, tty, stdin: withStdin };
  });
}
