// PortForward: one TCP connection to a port of a pod, as the kubelet's streaming server forwards
// one kubectl port-forward connection (Kubernetes' pkg/kubelet/cri/streaming/portforward). The
// first request names the pod and port; the kubelet connects to the pod's IP on that port (the
// node routes to its pods, as it must for Services), says so with the response headers, and then
// relays bytes both ways with backpressure: `data` in, `data` out; `close` (or the end of the
// requests) half-closes the connection; the pod closing it ends the call. A connection that fails
// ends the call with Kubernetes' wording ("error forwarding port 80 to pod web, uid ...: dial tcp4
// 10.244.0.5:80: connect: connection refused"). Where Kubernetes' runtimes dial localhost inside
// the pod's network namespace, this dials the pod's address: a port a pod binds only to its
// loopback is not reachable (hostNetwork pods are dialled on the node's loopback, their localhost).
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { Metadata, type ServerDuplexStream } from '@grpc/grpc-js';
import { BadRequestError, NotFoundError, toServiceError } from '../../../lib/api/errors';
import type { PortForwardRequest, PortForwardResponse, PortForwardStart } from '../../../lib/gen/kite/kubelet/v1/kubelet';
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

/** The address a pod's port is reached at: its sandbox's IP, or the node's loopback for hostNetwork pods. */
async function podAddress(start: PortForwardStart, ctx: TargetContext): Promise<{ host: string; name: string; uid: string }> {
  const namespace = start.namespace || 'default';
  const pod = ctx.pod(namespace, start.podName);
  if (!pod || (start.podUid && pod.metadata!.uid !== start.podUid)) {
    throw new NotFoundError(`pod "${start.podName}" in namespace "${namespace}" not found on this node`);
  }
  const uid = pod.metadata!.uid;
  if (pod.spec!.hostNetwork) return { host: '127.0.0.1', name: pod.metadata!.name, uid };
  const sandbox = ((await ctx.runtime()).get(uid)?.sandboxes ?? []).find((s) => s.state === 'running' && s.ip);
  if (!sandbox) throw new FailedPreconditionError(`error forwarding port ${start.port} to pod ${pod.metadata!.name}, uid ${uid}: the pod's sandbox is not running`);
  return { host: sandbox.ip!, name: pod.metadata!.name, uid };
}

/** Go's wording of a failed dial, as Kubernetes' runtimes report it. */
function dialError(host: string, port: number, err: NodeJS.ErrnoException): string {
  const why = err.code === 'ECONNREFUSED' ? 'connection refused' : err.code === 'EHOSTUNREACH' ? 'no route to host' : err.code === 'ETIMEDOUT' ? 'connection timed out' : err.message;
  return `dial tcp4 ${host}:${port}: connect: ${why}`;
}

function dial(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

async function relay(socket: Socket, call: Call): Promise<void> {
  for await (const chunk of socket) {
    if (call.cancelled) break;
    if (!call.write({ data: chunk as Buffer })) await Promise.race([once(call, 'drain'), once(call, 'cancelled')]);
  }
}

export async function servePortForward(call: Call, ctx: TargetContext): Promise<void> {
  let socket: Socket | undefined;
  call.on('cancelled', () => socket?.destroy());
  try {
    const { start, attach } = await firstRequest(call);
    if (!Number.isInteger(start.port) || start.port < 1 || start.port > 65535) throw new BadRequestError(`invalid port ${start.port}: it must be between 1 and 65535`);
    const target = await podAddress(start, ctx);
    try {
      socket = await dial(target.host, start.port);
    } catch (err) {
      throw new FailedPreconditionError(`error forwarding port ${start.port} to pod ${target.name}, uid ${target.uid}: ${dialError(target.host, start.port, err as NodeJS.ErrnoException)}`);
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
