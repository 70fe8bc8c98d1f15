// pods/portforward as kubectl v1.32 negotiates it (k8s.io/client-go/tools/portforward, KEP-4006):
// first a WebSocket upgrade offering the subprotocol SPDY/3.1+portforward.k8s.io, whose binary
// messages tunnel a SPDY/3.1 session (kube-apiserver's streamtunnel handler); if that upgrade is
// refused, a plain `Upgrade: SPDY/3.1` with `X-Stream-Protocol-Version: portforward.k8s.io`. Both
// are served, over the one SPDY session of port-forward-spdy.ts. Protocol portforward.k8s.io: for
// each local connection kubectl opens an error stream and a data stream (headers streamType
// error|data, port, requestID); their pair becomes one PodService/PortForwardPod stream through the
// gate (authorized as create pods/portforward, audited) to the pod's kubelet; data flows both
// ways, and a failure is written on the error stream as the kubelet words it. As kube-apiserver
// authorizes the upgrade request itself, the upgrade is refused with a 403 Status for a caller who
// may not create pods/portforward (a SelfSubjectAccessReview through the gate), before any stream.
import type { ClientDuplexStream, ServiceError } from '@grpc/grpc-js';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { fromServiceError } from '../../../lib/api/errors';
import { ALL_KINDS } from '../../../lib/api/kinds';
import { AuthorizationServiceService } from '../../../lib/gen/kite/authorization/v1/authorization';
import type { SelfSubjectAccessReview, SelfSubjectReview } from '../../../lib/gen/kite/authorization/v1/authorization';
import type { PortForwardPodRequest, PortForwardPodResponse } from '../../../lib/gen/kite/core/v1/services';
import { forbidden } from '../auth/authz/forbidden';
import { podPortForwardAttributes } from '../auth/request-attributes';
import { refuseUpgrade } from './exec-websocket';
import { GateClient, type HttpCaller } from './gate-client';
import { SpdySession, type SpdyStream, type SpdyTransport } from './port-forward-spdy';
import type { RequestInfo } from './request-info';
import { failure, statusOf, type Subject } from './status';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** The WebSocket subprotocol of the tunnelled SPDY session (client-go's tunneling dialer). */
export const TUNNEL_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;
const SPDY_UPGRADE = 'SPDY/3.1';

const PODS = ALL_KINDS.find((k) => k.group === '' && k.resource === 'pods')!;

/** Pauses a forwarded connection's gRPC stream while this much waits to go out to kubectl. */
const HIGH_WATER_BYTES = 1 << 20;

function headerOf(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return (Array.isArray(v) ? v.join(',') : (v ?? '')).trim();
}

function listOf(req: IncomingMessage, name: string): string[] {
  return headerOf(req, name)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The session's bytes as binary WebSocket messages, one per write, as client-go's TunnelingConnection reads them. */
function webSocketTransport(ws: WebSocket): SpdyTransport {
  return {
    send: (data, sent) => ws.send(data, { binary: true }, () => sent()),
    buffered: () => ws.bufferedAmount,
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    close: () => ws.close(1000),
  };
}

function socketTransport(socket: Duplex): SpdyTransport {
  return {
    send: (data, sent) => void socket.write(data, () => sent()),
    buffered: () => socket.writableLength,
    pause: () => void socket.pause(),
    resume: () => void socket.resume(),
    close: () => socket.destroy(),
  };
}

/** Pauses reading the client while some forwarded connection's stream is full. */
interface Flow {
  block(who: object): void;
  unblock(who: object): void;
}

/** One kubectl connection forwarded: the error and data streams of a requestID. */
interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
}

export class PortForwardUpgrades {
  // `ws` accepts only RFC 6455 token subprotocols, and "SPDY/3.1+portforward.k8s.io" has a '/':
  // the header is checked here, taken off the request before `ws` sees it and written back on the 101.
  private readonly wss = new WebSocketServer({ noServer: true }).on('headers', (headers: string[]) => headers.push(`Sec-WebSocket-Protocol: ${TUNNEL_PROTOCOL}`));

  private readonly sessions = new Set<SpdySession>();

  constructor(private readonly gate: GateClient) {}

  /** Serves one upgrade request for pods/<name>/portforward in `info`. */
  upgrade(info: RequestInfo, req: IncomingMessage, socket: Duplex, head: Buffer, caller: HttpCaller): void {
    const subject: Subject = { group: '', resource: 'pods', kind: 'Pod', name: info.name };
    const upgrade = headerOf(req, 'upgrade').toLowerCase();
    let protocolError: string | undefined;
    if (upgrade === 'websocket') {
      if (!listOf(req, 'sec-websocket-protocol').includes(TUNNEL_PROTOCOL)) protocolError = `the client offered no WebSocket subprotocol ${TUNNEL_PROTOCOL}`;
    } else if (upgrade === SPDY_UPGRADE.toLowerCase()) {
      const offered = listOf(req, 'x-stream-protocol-version');
      if (offered.length && !offered.includes(PORT_FORWARD_PROTOCOL)) {
        protocolError = `unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ["${PORT_FORWARD_PROTOCOL}"]`;
      }
    } else {
      protocolError = `unsupported upgrade "${headerOf(req, 'upgrade')}" (served: WebSocket ${TUNNEL_PROTOCOL}, ${SPDY_UPGRADE})`;
    }
    if (protocolError) return refuseUpgrade(socket, failure(400, 'BadRequest', `unable to upgrade: ${protocolError}`));
    let gone = false;
    socket.once('close', () => (gone = true));
    this.authorize(info, caller).then(
      () => {
        if (gone) return;
        if (upgrade === 'websocket') {
          delete req.headers['sec-websocket-protocol'];
          this.wss.handleUpgrade(req, socket, head, (ws) => this.serveWebSocket(ws, info, caller));
          return;
        }
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${SPDY_UPGRADE}\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`);
        const session = this.session(socketTransport(socket), info, caller);
        socket.on('data', (chunk: Buffer) => session.feed(chunk));
        socket.on('close', () => session.close());
        socket.on('error', () => session.close());
        if (head.length) session.feed(head);
      },
      (err) => refuseUpgrade(socket, statusOf(err, subject)),
    );
  }

  /** kube-apiserver authorizes the upgrade request (create pods/portforward) before it upgrades. */
  private async authorize(info: RequestInfo, caller: HttpCaller): Promise<void> {
    const attrs = podPortForwardAttributes({ start: { namespace: info.namespace, podName: info.name } });
    const resourceAttributes = { namespace: attrs.namespace, verb: attrs.verb, group: '', version: 'v1', resource: 'pods', subresource: 'portforward', name: info.name };
    const [review, who] = await Promise.all([
      this.gate.unary<SelfSubjectAccessReview>(AuthorizationServiceService.createSelfSubjectAccessReview, { selfSubjectAccessReview: { spec: { resourceAttributes } } }, caller),
      this.gate.unary<SelfSubjectReview>(AuthorizationServiceService.createSelfSubjectReview, {}, caller),
    ]);
    const status = review.response.status;
    if (status?.allowed) return;
    const user = who.response.status?.userInfo;
    throw forbidden({ name: user?.username ?? '', uid: user?.uid ?? '', groups: user?.groups ?? [], extra: {} }, attrs, status?.reason ?? '');
  }

  private serveWebSocket(ws: WebSocket, info: RequestInfo, caller: HttpCaller): void {
    const session = this.session(webSocketTransport(ws), info, caller);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) return;
      session.feed(Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]));
    });
    ws.on('close', () => session.close());
    ws.on('error', () => session.close());
  }

  private session(transport: SpdyTransport, info: RequestInfo, caller: HttpCaller): SpdySession {
    const pairs = new Map<string, Pair>();
    // The forwarded connections whose stream does not take more yet: the client is not read until none is left.
    const blocked = new Set<object>();
    const flow = {
      block: (who: object) => {
        if (blocked.size === 0) transport.pause();
        blocked.add(who);
      },
      unblock: (who: object) => {
        if (blocked.delete(who) && blocked.size === 0) transport.resume();
      },
    };
    const session: SpdySession = new SpdySession(
      transport,
      (stream) => {
        const type = stream.headers.get('streamtype') ?? '';
        // Clients older than requestID pair an error stream with the data stream opened next (id + 2), as the kubelet does.
        const id = stream.headers.get('requestid') ?? String(type === 'data' ? stream.id - 2 : stream.id);
        if (type !== 'error' && type !== 'data') return stream.reset();
        const pair = pairs.get(id) ?? {};
        if (pair[type]) return stream.reset();
        pair[type] = stream;
        pairs.set(id, pair);
        if (pair.error && pair.data) {
          pairs.delete(id);
          this.forward(pair.error, pair.data, info, caller, transport, flow);
        }
      },
      () => this.sessions.delete(session),
    );
    this.sessions.add(session);
    return session;
  }

  /** One forwarded connection: a PortForwardPod stream between the pair and the pod's port. */
  private forward(errorStream: SpdyStream, dataStream: SpdyStream, info: RequestInfo, caller: HttpCaller, transport: SpdyTransport, flow: Flow): void {
    const portText = dataStream.headers.get('port') ?? '';
    const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
    const fail = (message: string) => {
      errorStream.write(Buffer.from(message, 'utf8'));
      errorStream.end();
      dataStream.end();
    };
    if (!(port >= 1 && port <= 65535)) return fail(`error parsing port "${portText}": it must be a number between 1 and 65535`);
    const call: ClientDuplexStream<PortForwardPodRequest, PortForwardPodResponse> = this.gate.duplex(GateClient.method(PODS, 'portForward'), caller);
    let reset = false;
    const cancel = () => {
      reset = true;
      call.cancel();
    };
    dataStream.on('data', (chunk) => {
      if (call.write({ start: undefined, data: chunk, close: false })) return;
      flow.block(call);
      call.once('drain', () => flow.unblock(call));
    });
    const unblock = () => flow.unblock(call);
    call.on('end', unblock);
    call.on('error', unblock);
    dataStream.on('end', () => {
      call.write({ start: undefined, data: Buffer.alloc(0), close: true });
      call.end();
    });
    dataStream.on('reset', cancel);
    errorStream.on('reset', cancel);
    call.on('data', (r: PortForwardPodResponse) => {
      dataStream.write(Buffer.from(r.data), () => {
        if (transport.buffered() < HIGH_WATER_BYTES) call.resume();
      });
      if (transport.buffered() >= HIGH_WATER_BYTES) call.pause();
    });
    call.on('end', () => {
      dataStream.end();
      errorStream.end();
    });
    call.on('error', (err: ServiceError) => {
      if (!reset) fail(fromServiceError(err).message);
    });
    call.write({ start: { namespace: info.namespace, podName: info.name, podUid: '', port }, data: Buffer.alloc(0), close: false });
  }

  close(): void {
    for (const s of this.sessions) s.close();
    this.wss.close();
  }
}
