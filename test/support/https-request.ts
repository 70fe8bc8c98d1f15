// Requests to an apiserver's HTTPS ports (Kubernetes' HTTP API on --secure-port, /metrics) as a
// client with a certificate or a bearer token sends them, over HTTP/1.1 (client libraries, curl)
// or on an HTTP/2 session (kubectl): the integration tests' one way to make them.
import type { IncomingHttpHeaders } from 'node:http';
import { connect, type ClientHttp2Session } from 'node:http2';
import { request } from 'node:https';

/** An HTTPS port on loopback and who calls it: the cluster CA, and a client certificate if any. */
export interface HttpsTarget {
  port: number;
  ca: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface HttpsReply {
  status: number;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  body: string;
  /** The body parsed as JSON; undefined when it is empty or not JSON. */
  json: any;
}

/** The name the apiserver's serving certificate is checked for. */
const SERVER_NAME = 'kubernetes';

/** A request body: bytes and text as they are, anything else as JSON. */
export type Body = Buffer | string | object;

function bytesOf(body: Body | undefined): Buffer | undefined {
  if (body === undefined || Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
}

function reply(status: number, headers: IncomingHttpHeaders, raw: Buffer): HttpsReply {
  const body = raw.toString('utf8');
  let json: unknown;
  try {
    json = body ? JSON.parse(body) : undefined;
  } catch {
    json = undefined;
  }
  return { status, headers, raw, body, json };
}

/** One HTTP/1.1 request on a connection of its own; the Content-Type is JSON unless `headers` say otherwise. */
export function httpsRequest(to: HttpsTarget, method: string, path: string, body?: Body, headers: Record<string, string> = {}): Promise<HttpsReply> {
  const bytes = bytesOf(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: to.port,
        method,
        path,
        ca: to.ca,
        cert: to.cert,
        key: to.key,
        servername: SERVER_NAME,
        agent: false,
        headers: { 'content-type': 'application/json', ...headers, 'content-length': String(bytes?.length ?? 0) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(reply(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))));
      },
    );
    req.on('error', reject);
    req.end(bytes);
  });
}

/**
 * An HTTP/2 session to the port (close it when done). Its requests report their own errors; the
 * session's (a reset when the apiserver stops before the session has closed) end nothing.
 */
export function http2Session(to: HttpsTarget): ClientHttp2Session {
  const session = connect(`https://127.0.0.1:${to.port}`, { ca: to.ca, cert: to.cert, key: to.key, servername: SERVER_NAME });
  session.on('error', () => {});
  return session;
}

/** One request on an HTTP/2 session; the Content-Type is JSON unless `headers` say otherwise. */
export function http2Request(session: ClientHttp2Session, method: string, path: string, body?: Body, headers: Record<string, string> = {}): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': method, ':path': path, 'content-type': 'application/json', ...headers }, { endStream: false });
    const chunks: Buffer[] = [];
    let h: IncomingHttpHeaders = {};
    req.on('response', (r) => (h = r as IncomingHttpHeaders));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(reply(Number(h[':status']), h, Buffer.concat(chunks))));
    req.on('error', reject);
    req.end(bytesOf(body));
  });
}
