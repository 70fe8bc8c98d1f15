// PortForward: one TCP connection to a port of a pod, as the kubelet's streaming server forwards
// one kubectl port-forward connection (Kubernetes' pkg/kubelet/cri/streaming/portforward). The
// first request names the pod and port; the runtime connects to localhost on that port inside the
// pod's network namespace (CRI's PortForward, runtime/port-forward.ts), so a port the pod binds
// only to its loopback is reachable, as in Kubernetes; the response headers say it is connected.
// Then bytes flow both ways with backpressure: `data` in, `data` out; `close` (or the end of the
// requests) half-closes the connection; the pod closing it ends the call. A connection that fails
// ends the call with FAILED_PRECONDITION in Kubernetes' wording ("error forwarding port 80 to pod
// web, uid ...: failed to connect to localhost:80 inside the network namespace of process 4242,
// IPv4: dial tcp4 127.0.0.1:80: connect: connection refused ...").
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { Metadata, type ServerDuplexStream } from '@grpc/grpc-js';
import { BadRequestError, NotFoundError, toServiceError } from '../../../lib/api/errors';
import type { PortForwardRequest, PortForwardResponse, PortForwardStart } from '../../../lib/gen/kite/kubelet/v1/kubelet';
import type { ContainerRuntime } from '../runtime/types';
import { FailedPreconditionError, type TargetContext } from './target';

type Call = ServerDuplexStream<PortForwardRequest, PortForwardResponse>;

/** Reads the first request (the start); the rest go to `onData` / `onClose` once `attach` is called. */
function firstRequest(call: Call): Promise<{ start: PortForwardStart; attach: (onData: (b: Buffer) => void, onClose: () => void) => void }> {
  return new Promise((resolve, reject) => {
    let started = false;
    const early: PortForwardRequest[] = [];
    let ended = false;
    let sinks: { onData: (b: Buffer) => void; onClose: () => void } | undefined;
    const route = (req: PortForwardRequest) => {
      if (req.data.length) sinks!.onData(Buffer.from(req.data));
      if (req.close) sinks!.onClose();
    };
    call.on('data', (req: PortForwardRequest) => {
      if (!started) {
        started = true;
        if (!req.start) return reject(new BadRequestError('the first port-forward request must carry start with a port'));
        return resolve({
          start: req.start,
          attach: (onData, onClose) => {
            sinks = { onData, onClose };
            for (const r of early.splice(0)) route(r);
            if (ended) onClose();
          },
        });
      }
      if (sinks) route(req);
      else early.push(req);
    });
    call.on('end', () => {
      ended = true;
      if (!started) reject(new BadRequestError('port-forward stream ended before its start request'));
      else sinks?.onClose();
    });
  });
}

/** The pod's running sandbox (it owns the pod's network namespace). */
async function podSandbox(start: PortForwardStart, ctx: TargetContext): Promise<{ sandboxId: string; name: string; uid: string }> {
  const namespace = start.namespace || 'default';
  const pod = ctx.pod(namespace, start.podName);
  if (!pod || (start.podUid && pod.metadata!.uid !== start.podUid && ctx.mirrorUid?.(pod) !== start.podUid)) {
    throw new NotFoundError(`pod "${start.podName}" in namespace "${namespace}" not found on this node`);
  }
  const uid = pod.metadata!.uid;
  const sandbox = ((await ctx.runtime()).get(uid)?.sandboxes ?? []).find((s) => s.state === 'running');
  if (!sandbox) throw new FailedPreconditionError(`error forwarding port ${start.port} to pod ${pod.metadata!.name}, uid ${uid}: the pod's sandbox is not running`);
  return { sandboxId: sandbox.id, name: pod.metadata!.name, uid };
}

async function relay(socket: Duplex, call: Call): Promise<void> {
  for await (const chunk of socket) {
    if (call.cancelled) break;
    if (!call.write({ data: chunk as Buffer })) await Promise.race([once(call, 'drain'), once(call, 'cancelled')]);
  }
}

export async function servePortForward(call: Call, runtime: ContainerRuntime, ctx: TargetContext): Promise<void> {
  let socket: Duplex | undefined;
  call.on('cancelled', () => socket?.destroy());
  try {
    const { start, attach } = await firstRequest(call);
    if (!Number.isInteger(start.port) || start.port < 1 || start.port > 65535) throw new BadRequestError(`invalid port ${start.port}: it must be between 1 and 65535`);
    const target = await podSandbox(start, ctx);
    try {
      socket = await runtime.portForward(target.sandboxId, start.port);
    } catch (err) {
      throw new FailedPreconditionError(`error forwarding port ${start.port} to pod ${target.name}, uid ${target.uid}: ${(err as Error).message}`);
    }
    const s = socket;
    if (call.cancelled) {
      s.destroy();
      return;
    }
    // A slow pod connection pauses the caller's stream, not the kubelet's memory.
    attach(
      (data) => {
        if (!s.write(data)) {
          call.pause();
          s.once('drain', () => call.resume());
        }
      },
      () => s.end(),
    );
    // The response headers say the connection is made.
    call.sendMetadata(new Metadata());
    await relay(s, call);
    s.destroy();
    if (!call.cancelled) call.end();
  } catch (err) {
    socket?.destroy();
    if (!call.cancelled) call.emit('error', toServiceError(err));
  }
}
