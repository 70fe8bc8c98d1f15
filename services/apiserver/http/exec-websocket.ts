// pods/exec and pods/attach over Kubernetes' streaming protocol (k8s.io/apimachinery's wsstream and
// remotecommand, KEP-3396): a WebSocket upgrade of `GET|POST .../pods/<name>/exec?command=..`
// (or `.../attach?stdin=..`),
// subprotocol v5.channel.k8s.io (v4.channel.k8s.io accepted), every binary message one channel
// byte then data: 0 stdin, 1 stdout, 2 stderr, 3 error (a metav1.Status: Success, or
// NonZeroExitCode with an ExitCode cause), 4 resize ({"Width":..,"Height":..}), and v5's 255
// (close the stream named by the next byte; kubectl closes stdin so). Not a second
// implementation: the upgrade request becomes the apiserver's own PodService/ExecPod (AttachPod)
// stream through the gate (authorized as create pods/exec (pods/attach), audited once). The
// WebSocket is accepted once the session started (the stream's response headers); an error before
// that (forbidden, no such pod or container) is the HTTP reply, a metav1.Status, as kube-apiserver
// answers before it upgrades. An attach ends with Success when the process ends, whatever its exit
// code, as Kubernetes' kubelets report it (kubectl run -i reads the code from the pod's status, and
// takes an attach error for a failed attach).
import type { ClientDuplexStream, Metadata, ServiceError } from '@grpc/grpc-js';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { BadRequestError, fromServiceError } from '../../../lib/api/errors';
import { ALL_KINDS } from '../../../lib/api/kinds';
import type { ExecPodRequest, ExecPodResponse } from '../../../lib/gen/kite/core/v1/services';
import { GateClient, type HttpCaller } from './gate-client';
import { parseBool, type RequestInfo } from './request-info';
import { failure, statusOf, type Status, type Subject } from './status';

/** The subprotocols served, preferred first (kubectl 1.30+ offers v5 then v4). */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** One message: the channel byte, then the data. */
export function frame(channel: number, data: Uint8Array | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  return Buffer.concat([Buffer.of(channel), body]);
}

/** What a client's message asks of the command, as the ExecPod message that carries it; undefined: nothing to forward. */
export function execMessageOf(protocol: string, message: Buffer): ExecPodRequest | undefined {
  if (message.length === 0) return undefined;
  const channel = message[0];
  const data = message.subarray(1);
  const none = { start: undefined, stdin: Buffer.alloc(0), stdinClose: false, resize: undefined };
  switch (channel) {
    case CHANNEL.stdin:
      return data.length ? { ...none, stdin: Buffer.from(data) } : undefined;
    case CHANNEL.resize: {
      let size: { Width?: unknown; Height?: unknown };
      try {
        size = JSON.parse(data.toString('utf8'));
      } catch {
        return undefined;
      }
      const dim = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff ? v : undefined);
      const width = dim(size?.Width);
      const height = dim(size?.Height);
      return width === undefined || height === undefined ? undefined : { ...none, resize: { width, height } };
    }
    case CHANNEL.close:
      // v5 only: the stream to close is the next byte; only stdin is the client's to close.
      return protocol === EXEC_PROTOCOLS[0] && data[0] === CHANNEL.stdin ? { ...none, stdinClose: true } : undefined;
    default:
      return undefined;
  }
}

/** The error channel's Status for an exit code (remotecommand's NonZeroExitCode with an ExitCode cause). */
export function exitStatus(code: number, command: readonly string[]): Partial<Status> {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** The options of Kubernetes' PodExecOptions query, checked as kube-apiserver checks them. */
export function execOptionsOf(query: URLSearchParams): { command: string[]; container: string; stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean } {
  const flag = (name: string, dflt: boolean) => parseBool(query.get(name)) ?? dflt;
  const opts = {
    command: query.getAll('command'),
    container: query.get('container') ?? '',
    stdin: flag('stdin', false),
    stdout: flag('stdout', true),
    stderr: flag('stderr', true),
    tty: flag('tty', false),
  };
  if (opts.command.length === 0) throw new BadRequestError('you must specify at least one command for the container');
  if (!opts.stdin && !opts.stdout && !opts.stderr) throw new BadRequestError('you must specify at least 1 of stdin, stdout, stderr');
  return opts;
}

/** The options of Kubernetes' PodAttachOptions query: exec's without a command. */
export function attachOptionsOf(query: URLSearchParams): ReturnType<typeof execOptionsOf> {
  const flag = (name: string, dflt: boolean) => parseBool(query.get(name)) ?? dflt;
  const opts = { command: [], container: query.get('container') ?? '', stdin: flag('stdin', false), stdout: flag('stdout', true), stderr: flag('stderr', true), tty: flag('tty', false) };
  if (!opts.stdin && !opts.stdout && !opts.stderr) throw new BadRequestError('you must specify at least 1 of stdin, stdout, stderr');
  return opts;
}

/** A plain (not upgraded) request to exec or attach: Kubernetes' 400. */
export function upgradeRequired(): Status {
  return failure(400, 'BadRequest', 'Upgrade request required');
}

/** Writes an HTTP/1.1 reply carrying a Status on a socket that was not upgraded, and closes it. */
export function refuseUpgrade(socket: Duplex, s: Status): void {
  const body = JSON.stringify(s);
  socket.end(
    `HTTP/1.1 ${s.code} ${STATUS_CODES[s.code] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Who asked what, exactly: a refusal is only repeated to the same credentials for the same request. */
function refusalKey(req: IncomingMessage, caller: HttpCaller): string {
  const cert = caller.certificate ? createHash('sha256').update(caller.certificate).digest('base64') : '';
  return JSON.stringify([req.url, caller.authorization ?? '', cert, caller.peer ?? '', caller.impersonateUser ?? '', caller.impersonateGroups, caller.impersonateUid ?? '', caller.impersonateExtra ?? {}]);
}

/** How long a refused WebSocket's Status waits for kubectl's SPDY retry of the same request. */
const REFUSAL_TTL_MS = 30_000;
const MAX_REFUSALS = 1024;

/** The refusals of recent WebSocket upgrades, each answered once more (to the SPDY retry). */
export class Refusals {
  private readonly byKey = new Map<string, { status: Status; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  remember(key: string, status: Status): void {
    if (this.byKey.size >= MAX_REFUSALS) this.byKey.delete(this.byKey.keys().next().value!);
    this.byKey.delete(key);
    this.byKey.set(key, { status, at: this.now() });
  }

  take(key: string): Status | undefined {
    const r = this.byKey.get(key);
    this.byKey.delete(key);
    return r && this.now() - r.at <= REFUSAL_TTL_MS ? r.status : undefined;
  }
}

const PODS = ALL_KINDS.find((k) => k.group === '' && k.resource === 'pods')!;

/** Pauses the gRPC stream while this much is waiting to go out on the WebSocket. */
const HIGH_WATER_BYTES = 1 << 20;

export class ExecWebSocket {
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered: Set<string>) => EXEC_PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });

  private readonly refusals = new Refusals();

  constructor(private readonly gate: GateClient) {}

  /** Serves one upgrade request for pods/<name>/exec or pods/<name>/attach in `info`. */
  upgrade(info: RequestInfo, query: URLSearchParams, req: IncomingMessage, socket: Duplex, head: Buffer, caller: HttpCaller): void {
    const subject: Subject = { group: '', resource: 'pods', kind: 'Pod', name: info.name };
    const attach = info.subresource === 'attach';
    const key = refusalKey(req, caller);
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      // kubectl retries a refused WebSocket as SPDY: the same request gets the same refusal, without running anything.
      return refuseUpgrade(socket, this.refusals.take(key) ?? failure(400, 'BadRequest', `unable to upgrade: only WebSocket (${EXEC_PROTOCOLS.join(', ')}) is served for pods/${info.subresource}`));
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!EXEC_PROTOCOLS.some((p) => offered.includes(p))) {
      return refuseUpgrade(socket, failure(400, 'BadRequest', `unable to upgrade: the client offered none of the subprotocols ${EXEC_PROTOCOLS.join(', ')}`));
    }
    let opts: ReturnType<typeof execOptionsOf>;
    try {
      opts = attach ? attachOptionsOf(query) : execOptionsOf(query);
    } catch (err) {
      return refuseUpgrade(socket, statusOf(err, subject));
    }
    const call = this.gate.duplex<ExecPodRequest, ExecPodResponse>(GateClient.method(PODS, attach ? 'attach' : 'exec'), caller);
    let ws: WebSocket | undefined;
    let upgrading = false;
    let finished = false;
    // Frames the stream produced while the upgrade completes; `last` closes the WebSocket after it.
    const outbox: Array<{ data: Buffer; last: boolean }> = [];
    socket.on('error', () => call.cancel());
    socket.once('close', () => {
      if (!ws) call.cancel();
    });
    const deliver = (data: Buffer, last = false) => {
      const sock = ws;
      if (!sock) {
        outbox.push({ data, last });
        return;
      }
      sock.send(data, () => {
        if (last) sock.close(1000);
        else if (sock.bufferedAmount < HIGH_WATER_BYTES) call.resume();
      });
      if (sock.bufferedAmount >= HIGH_WATER_BYTES) call.pause();
    };
    const finish = (status: Partial<Status>) => {
      if (finished) return;
      finished = true;
      if (upgrading) return deliver(frame(CHANNEL.error, JSON.stringify(status)), true);
      this.refusals.remember(key, status as Status);
      refuseUpgrade(socket, status as Status);
    };
    call.on('metadata', (_md: Metadata) => {
      if (finished || upgrading) return;
      upgrading = true;
      this.wss.handleUpgrade(req, socket, head, (accepted) => {
        ws = accepted;
        this.pipe(accepted, call, () => finished);
        for (const f of outbox.splice(0)) deliver(f.data, f.last);
      });
    });
    let exitCode = 0;
    call.on('data', (r: ExecPodResponse) => {
      if (r.exitCode !== undefined) exitCode = r.exitCode;
      if (opts.stdout && r.stdout.length) deliver(frame(CHANNEL.stdout, r.stdout));
      if (opts.stderr && r.stderr.length) deliver(frame(CHANNEL.stderr, r.stderr));
    });
    call.on('error', (err: ServiceError) => {
      if (finished) return;
      finish(statusOf(typeof err.code === 'number' ? fromServiceError(err) : err, subject));
    });
    call.on('end', () => finish(attach ? exitStatus(0, []) : exitStatus(exitCode, opts.command)));
    call.write({
      start: { namespace: info.namespace, podName: info.name, podUid: '', container: opts.container, command: opts.command, stdin: opts.stdin, tty: opts.tty, size: undefined },
      stdin: Buffer.alloc(0),
      stdinClose: false,
      resize: undefined,
    });
  }

  /**
   * The client's messages into the stream, read no faster than the stream takes them (kubectl
   * cp's tar); the client going away ends (or, before the command ended, cancels) it.
   */
  private pipe(ws: WebSocket, call: ClientDuplexStream<ExecPodRequest, ExecPodResponse>, ended: () => boolean): void {
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) return;
      const msg = execMessageOf(ws.protocol, Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]));
      if (!msg || ended() || call.write(msg) || ws.isPaused) return;
      ws.pause();
      call.once('drain', () => ws.resume());
    });
    ws.on('close', () => {
      if (!ended()) call.cancel();
    });
    ws.on('error', () => call.cancel());
  }

  close(): void {
    this.wss.close();
  }
}
