// The HTTP front door (kube-apiserver's --secure-port): Kubernetes' HTTP API beside the gRPC
// port, for kubectl and Kubernetes' client libraries. HTTPS with the gRPC port's serving
// certificate (HTTP/2, which kubectl speaks, and HTTP/1.1), asking for a client certificate
// without requiring one (authentication decides, as on gRPC); plaintext HTTP/1.1 only when the
// gRPC port is plaintext. It is not a second implementation: a request for a path that is not a
// resource (health, /version, discovery, OpenAPI) passes the gate as a non-resource URL (anonymous
// callers included, so RBAC's system:public-info-viewer and system:discovery decide, as in
// Kubernetes), and every resource request becomes the apiserver's own gRPC call through the gate
// (resource-handler.ts, review-handler.ts, gate-client.ts; pods/exec as a WebSocket upgrade on
// HTTP/1.1, exec-websocket.ts).
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { BadRequestError, RequestTooLargeError } from '../../../lib/api/errors';
import { PROTOBUF_MEDIA_TYPE } from '../../../lib/api/k8s-protobuf';
import { AuthorizationServiceService } from '../../../lib/gen/kite/authorization/v1/authorization';
import { logger } from '../../../lib/log';
import type { FrontDoorTrust } from '../auth/authn/front-door-trust';
import { PeerConnections } from '../auth/limits/connection-limit';
import { createDocumentHandler, type DocumentHandler, type HealthCheck } from './documents';
import { ExecWebSocket, refuseUpgrade } from './exec-websocket';
import { GateClient, type HttpCaller } from './gate-client';
import { PortForwardUpgrades } from './port-forward';
import { protobufReply } from './protobuf-reply';
import { answerPlaintextRequest } from './plaintext-request';
import { parseRequestInfo, RequestInfoError } from './request-info';
import { kindOf, notFoundPath, reply, ResourceHandler, type HttpExchange } from './resource-handler';
import { reviewOf, serveReview } from './review-handler';
import { statusOf, warningHeaderValue, type Status } from './status';

export interface FrontDoorConfig {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The gRPC port's serving certificate; plaintext without it. */
  tls?: { certFile: string; keyFile: string; clientCAFile?: string };
  /** The gRPC server's internal unix socket. */
  socketPath: string;
  trust: FrontDoorTrust;
  /** Largest request body accepted (--max-request-bytes). */
  maxRequestBytes: number;
  /** Connections one peer address may hold at once (--max-connections-per-peer; 0: no limit). */
  maxConnectionsPerPeer: number;
  healthChecks?: readonly HealthCheck[];
}

export interface FrontDoor {
  port: number;
  close(): Promise<void>;
}

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;

/** Header values as Go writes them: UTF-8 bytes (Node sends a header string as Latin-1), no control characters. */
function headerText(s: string): string {
  return Buffer.from(s.replace(/[\u0000-\u001f\u007f]/g, ' '), 'utf8').toString('latin1');
}

function header(req: Req, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function headerList(req: Req, name: string): string[] {
  const v = req.headers[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

const EXTRA_HEADER_PREFIX = 'impersonate-extra-';

/** What a connection's TLS layer verified about its client, and its address. */
interface Peer {
  certificate?: Buffer;
  address?: string;
}

const peers = new WeakMap<object, Peer>();

/**
 * The peer of a request's connection, read once per connection (an HTTP/2 session, or an
 * HTTP/1.1 socket): getPeerCertificate() copies the certificate out of OpenSSL on every call.
 * Renegotiation is off on both (node's HTTP/2 turns it off; startFrontDoor for HTTP/1.1, as Go's
 * TLS server has none), so a connection's certificate cannot change.
 */
function peerOf(req: Req): Peer {
  const connection: object = (req as Http2ServerRequest).stream?.session ?? req.socket;
  let peer = peers.get(connection);
  if (!peer) {
    const socket = req.socket as TLSSocket;
    const raw = socket.encrypted && socket.authorized ? socket.getPeerCertificate()?.raw : undefined;
    peer = { certificate: raw?.length ? raw : undefined, address: socket.remoteAddress };
    peers.set(connection, peer);
  }
  return peer;
}

/** The HTTP caller's credentials and impersonation headers, as the gate reads them on gRPC. */
function callerOf(req: Req): HttpCaller {
  const peer = peerOf(req);
  const extra: Record<string, string[]> = {};
  for (const h of Object.keys(req.headers)) {
    if (!h.startsWith(EXTRA_HEADER_PREFIX)) continue;
    // As Kubernetes reads Impersonate-Extra-<key>: the header name lower-cased, then unescaped (client-go escapes "/" as %2F).
    let key: string;
    try {
      key = decodeURIComponent(h.slice(EXTRA_HEADER_PREFIX.length));
    } catch {
      throw new BadRequestError(`the ${h} header's key is not a valid escaped string`);
    }
    extra[key] = headerList(req, h);
  }
  return {
    authorization: header(req, 'authorization'),
    certificate: peer.certificate,
    peer: peer.address,
    // Absent is forwarded as empty: the gate must not fall back to the internal hop's own user agent.
    userAgent: header(req, 'user-agent') ?? '',
    impersonateUser: header(req, 'impersonate-user'),
    impersonateGroups: headerList(req, 'impersonate-group'),
    impersonateUid: header(req, 'impersonate-uid'),
    impersonateExtra: extra,
  };
}

function exchange(req: Req, res: Res, url: URL, maxBytes: number): HttpExchange {
  const r = res as ServerResponse;
  let body: Promise<Buffer> | undefined;
  return {
    method: req.method ?? 'GET',
    query: url.searchParams,
    header: (name) => header(req, name),
    body() {
      body ??= new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            reject(new RequestTooLargeError(`Request entity too large: limit is ${maxBytes}`));
            req.removeAllListeners('data');
            req.resume();
            return;
          }
          chunks.push(c);
        });
        req.on('end', () => resolve(Buffer.concat(chunks)));
        req.on('error', reject);
      });
      return body;
    },
    json(code, value, warnings = [], headers = {}) {
      if (r.headersSent) return;
      const protobuf = protobufReply(header(req, 'accept'), value);
      const text = protobuf ?? JSON.stringify(value);
      r.statusCode = code;
      r.setHeader('content-type', protobuf ? PROTOBUF_MEDIA_TYPE : 'application/json');
      for (const [k, v] of Object.entries(headers)) r.setHeader(k, v);
      if (warnings.length) r.setHeader('warning', [...new Set(warnings)].map((w) => headerText(warningHeaderValue(w))));
      r.end(text);
    },
    start(code, contentType, headers = {}) {
      r.writeHead(code, { 'content-type': contentType, 'cache-control': 'no-cache, private', ...headers });
      // As kube-apiserver's watch (and log) handlers flush: an HTTP/1.1 client (client-node's
      // Watch) sees the 200 before the first event, not only once one comes.
      r.flushHeaders();
    },
    write: (chunk) => r.write(chunk),
    end: () => r.end(),
    onDrain: (fn) => void r.on('drain', fn),
    onClose: (fn) => void r.on('close', fn),
  };
}

export async function startFrontDoor(cfg: FrontDoorConfig): Promise<FrontDoor> {
  const log = logger('apiserver');
  const gate = new GateClient(cfg.socketPath, cfg.trust);
  const resources = new ResourceHandler(gate);
  const execs = new ExecWebSocket(gate);
  const portForwards = new PortForwardUpgrades(gate);
  const documents: DocumentHandler = createDocumentHandler({ healthChecks: cfg.healthChecks });
  const authorizePath = AuthorizationServiceService.authorizeNonResourceRequest;

  const serveDocument = async (x: HttpExchange, path: string, accept: string | undefined, ifNoneMatch: string | undefined) => {
    const doc = await documents({ path, query: x.query, accept, ifNoneMatch });
    if (!doc) return x.json(404, notFoundPath());
    x.start(doc.status, doc.contentType, doc.headers);
    x.write(doc.body);
    x.end();
  };

  const handle = async (req: Req, res: Res) => {
    const url = new URL(req.url ?? '/', 'http://front-door');
    const x = exchange(req, res, url, cfg.maxRequestBytes);
    const path = url.pathname;
    try {
      const method = (req.method ?? 'GET').toUpperCase();
      const caller = callerOf(req);
      const info = parseRequestInfo(method, path, url.searchParams);
      const review = info.isResourceRequest ? reviewOf(info) : undefined;
      if (review) return await serveReview(review, x, gate, caller);
      if (info.isResourceRequest) return await resources.serve(info, x, caller);
      if (method !== 'GET' && method !== 'HEAD') return x.json(404, notFoundPath());
      await gate.unary(authorizePath, { path, verb: method.toLowerCase() }, caller);
      return await serveDocument(x, path, header(req, 'accept'), header(req, 'if-none-match'));
    } catch (err) {
      const status: Status = err instanceof RequestInfoError ? statusOf(new BadRequestError(err.message)) : statusOf(err);
      x.json(...reply(status));
    }
  };
  const onRequest = (req: Req, res: Res) => {
    handle(req, res).catch((err) => {
      log.error({ err, path: req.url }, 'HTTP request failed');
      if (!res.headersSent) (res as ServerResponse).writeHead(500).end();
      else (res as ServerResponse).end();
    });
  };

  let server: Http2SecureServer | HttpServer;
  if (cfg.tls) {
    const ca = cfg.tls.clientCAFile ? readFileSync(cfg.tls.clientCAFile) : undefined;
    server = createSecureServer(
      {
        cert: readFileSync(cfg.tls.certFile),
        key: readFileSync(cfg.tls.keyFile),
        ...(ca ? { ca, requestCert: true, rejectUnauthorized: false } : {}),
        allowHTTP1: true,
      },
      onRequest,
    );
    // No renegotiation on HTTP/1.1 either (peerOf reads a connection's certificate once).
    server.on('secureConnection', (socket: TLSSocket) => socket.disableRenegotiation());
    server.on('tlsClientError', answerPlaintextRequest);
  } else {
    server = createHttpServer(onRequest);
  }
  // Upgrades (HTTP/1.1 only: HTTP/2 has none) are pods/exec and pods/attach WebSockets and pods/portforward (port-forward.ts).
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    try {
      const url = new URL(req.url ?? '/', 'http://front-door');
      const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
      const streaming = info.isResourceRequest && !!kindOf(info)?.declaration.streams && !!info.namespace && (info.subresource === 'exec' || info.subresource === 'attach' || info.subresource === 'portforward');
      if (!streaming) return refuseUpgrade(socket, notFoundPath());
      if (info.subresource === 'portforward') return portForwards.upgrade(info, req, socket, head, callerOf(req));
      execs.upgrade(info, url.searchParams, req, socket, head, callerOf(req));
    } catch (err) {
      refuseUpgrade(socket, err instanceof RequestInfoError ? statusOf(new BadRequestError(err.message)) : statusOf(err));
    }
  });
  // Every connection is counted against its peer's --max-connections-per-peer, as on the gRPC port, before any TLS.
  const peers = new PeerConnections(cfg.maxConnectionsPerPeer);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    const release = peers.admit(socket.remoteAddress ?? 'unknown');
    if (!release) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => {
      release();
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port, cfg.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, tls: !!cfg.tls }, 'HTTP API serving (--secure-port)');
  return {
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      sockets.forEach((s) => s.destroy());
      execs.close();
      portForwards.close();
      await closed;
      gate.close();
    },
  };
}
