// pods/log, pods/exec, pods/attach and pods/portforward: the apiserver finds the pod's node and
// proxies the stream to that node's kubelet (kite.kubelet.v1.KubeletService), as kube-apiserver
// does. Messages of both APIs share field numbers, so they pass through unchanged.
import type { ChannelCredentials, ClientDuplexStream, Metadata, ClientReadableStream, ServerDuplexStream, ServerWritableStream, ServiceError } from '@grpc/grpc-js';
import { credentials as grpcCredentials, status as Status } from '@grpc/grpc-js';
import { BadRequestError, UnavailableError, fromServiceError, type ApiError } from '../../../lib/api/errors';
import type { ExecPodRequest, ExecPodResponse, PodLogChunk, PodLogsRequest, PortForwardPodRequest, PortForwardPodResponse } from '../../../lib/gen/kite/core/v1/services';
import type { Node, Pod } from '../../../lib/gen/kite/core/v1/types';
import type { KubeletServiceClient } from '../../../lib/gen/kite/kubelet/v1/kubelet';
import { kubeletAddress, kubeletClient } from '../../../lib/client/kubelet-client';
import type { Registry } from '../registry/registry';
import { endStream, failStream, guard } from '../../../lib/grpc/panic-recovery';

export interface KubeletConnection {
  /** TLS credentials with the apiserver's kubelet-client certificate; plaintext when absent. */
  credentials?: ChannelCredentials;
}

/** Finds a pod's kubelet and keeps one client per kubelet address. */
export class KubeletDialer {
  private readonly clients = new Map<string, KubeletServiceClient>();

  constructor(
    private readonly pods: Registry<Pod>,
    private readonly nodes: Registry<Node>,
    private readonly conn: KubeletConnection = {},
  ) {}

  async forPod(namespace: string, name: string): Promise<{ pod: Pod; client: KubeletServiceClient }> {
    if (!name) throw new BadRequestError('podName is required');
    const pod = await this.pods.get(namespace || 'default', name);
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw new BadRequestError(`pod ${name} does not have a host assigned`);
    const node = await this.nodes.get('', nodeName);
    const address = kubeletAddress(node);
    if (!address) throw new UnavailableError(`node ${nodeName} has not reported a kubelet address`);
    let client = this.clients.get(address);
    if (!client) {
      client = kubeletClient(address, this.conn.credentials ?? grpcCredentials.createInsecure(), nodeName);
      this.clients.set(address, client);
    }
    return { pod, client };
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

/** The kubelet's errors keep their code, reason and message; a dead connection says which node. */
function upstreamError(err: ServiceError, what: string): ApiError {
  if (err.code === Status.UNAVAILABLE) return new UnavailableError(`cannot reach the kubelet for ${what}: ${err.details}`);
  return fromServiceError(err);
}

/** `method` names the call in logs. Never throws: failures end the call (and the kubelet's stream). */
export async function proxyPodLogs(method: string, dialer: KubeletDialer, call: ServerWritableStream<PodLogsRequest, PodLogChunk>): Promise<void> {
  const req = call.request;
  let upstream: ClientReadableStream<PodLogChunk> | undefined;
  const fail = (err: unknown) => {
    upstream?.cancel();
    failStream(method, call, err);
  };
  try {
    const { pod, client } = await dialer.forPod(req.namespace, req.podName);
    if (call.cancelled) return;
    upstream = client.containerLogs({ ...req, namespace: pod.metadata!.namespace, podUid: req.podUid || pod.metadata!.uid });
  } catch (err) {
    fail(err);
    return;
  }
  const up = upstream;
  call.on('cancelled', guard(() => up.cancel(), fail));
  call.on('drain', guard(() => up.resume(), fail));
  up.on(
    'data',
    guard((chunk: PodLogChunk) => {
      if (!call.write(chunk)) up.pause();
    }, fail),
  );
  up.on(
    'error',
    guard((err: ServiceError) => {
      if (!call.cancelled) failStream(method, call, upstreamError(err, `pod ${req.podName}`));
    }, fail),
  );
  up.on('end', guard(() => endStream(method, call), fail));
}

/** What the first message of a pod stream names (exec, attach, port-forward). */
interface PodStreamStart {
  namespace: string;
  podName: string;
  podUid: string;
}

/**
 * `admit` authorizes the session from its first message (it names the pod) before anything is
 * forwarded. `method` names the call in logs; `kubelet` is the kubelet's call it becomes (Exec,
 * or Attach: the same messages). Failures end the call and the kubelet's stream.
 */
export function proxyExecPod(
  method: string,
  dialer: KubeletDialer,
  call: ServerDuplexStream<ExecPodRequest, ExecPodResponse>,
  admit: (first: ExecPodRequest) => Promise<void>,
  kubelet: 'exec' | 'attach' = 'exec',
): void {
  const open = (client: KubeletServiceClient) => (kubelet === 'attach' ? client.attach() : client.exec()) as ClientDuplexStream<ExecPodRequest, ExecPodResponse>;
  proxyPodStream(method, dialer, call, admit, open, 'the first ExecPod message must carry start (namespace, podName, command)');
}

/** pods/portforward: one forwarded connection, PodService/PortForwardPod to KubeletService/PortForward. */
export function proxyPortForwardPod(
  method: string,
  dialer: KubeletDialer,
  call: ServerDuplexStream<PortForwardPodRequest, PortForwardPodResponse>,
  admit: (first: PortForwardPodRequest) => Promise<void>,
): void {
  const open = (client: KubeletServiceClient) => client.portForward() as ClientDuplexStream<PortForwardPodRequest, PortForwardPodResponse>;
  proxyPodStream(method, dialer, call, admit, open, 'the first PortForwardPod message must carry start (namespace, podName, port)');
}

/** One bidi stream to the pod's kubelet; its responses pass back with backpressure. */
function proxyPodStream<Q extends { start?: PodStreamStart }, R>(
  method: string,
  dialer: KubeletDialer,
  call: ServerDuplexStream<Q, R>,
  admit: (first: Q) => Promise<void>,
  openUpstream: (client: KubeletServiceClient) => ClientDuplexStream<Q, R>,
  noStart: string,
): void {
  let upstream: ClientDuplexStream<Q, R> | undefined;
  const buffered: Q[] = [];
  let opening = false;
  let callEnded = false;
  const fail = (err: unknown) => {
    upstream?.cancel();
    failStream(method, call, err);
  };
  const open = async (msg: Q, start: PodStreamStart) => {
    await admit(msg);
    const { pod, client } = await dialer.forPod(start.namespace, start.podName);
    if (call.cancelled) return;
    const up = openUpstream(client);
    upstream = up;
    const first = buffered.shift()!;
    up.on('metadata', guard((md: Metadata) => call.sendMetadata(md), fail));
    up.on(
      'data',
      guard((res: R) => {
        if (!call.write(res)) up.pause();
      }, fail),
    );
    call.on('drain', guard(() => up.resume(), fail));
    up.on(
      'error',
      guard((err: ServiceError) => {
        if (!call.cancelled) failStream(method, call, upstreamError(err, `pod ${start.podName}`));
      }, fail),
    );
    up.on('end', guard(() => endStream(method, call), fail));
    up.write({ ...first, start: { ...start, namespace: pod.metadata!.namespace, podUid: start.podUid || pod.metadata!.uid } });
    for (const m of buffered.splice(0)) up.write(m);
    if (callEnded) up.end();
  };
  call.on(
    'data',
    guard((msg: Q) => {
      if (upstream) {
        upstream.write(msg);
        return;
      }
      buffered.push(msg);
      if (opening) return;
      const start = msg.start;
      if (!start) {
        fail(new BadRequestError(noStart));
        return;
      }
      opening = true;
      open(msg, start).catch(fail);
    }, fail),
  );
  call.on(
    'end',
    guard(() => {
      callEnded = true;
      upstream?.end();
    }, fail),
  );
  call.on('cancelled', guard(() => upstream?.cancel(), fail));
}
