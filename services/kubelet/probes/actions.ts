// The handler actions probes and lifecycle hooks share, run from inside the kubelet (which shares
// the node's network, so pod IPs are reachable directly): an HTTP GET, a TCP connect, a command
// run in the container. Each reports what happened; the caller decides what counts as success
// (a probe wants a 2xx/3xx status or exit 0, a hook only that the request or command ran).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Container, HTTPGetAction, TCPSocketAction } from '../../../lib/gen/kite/core/v1/types';
import type { ContainerRuntime } from '../runtime/types';

/** Output kept from a response or command, as Kubernetes caps it. */
export const MAX_OUTPUT = 10 * 1024;

/** A port number, or a container port name looked up in the container's ports. */
export function resolvePort(port: unknown, container: Pick<Container, 'name' | 'ports'>): number {
  if (typeof port === 'number') return port;
  if (typeof port === 'string') {
    if (/^\d+$/.test(port)) return Number(port);
    const named = container.ports.find((p) => p.name === port);
    if (named) return named.containerPort;
  }
  throw new Error(`invalid probe port ${JSON.stringify(port)} for container ${container.name}`);
}

/** An action's failure: the message is Kubernetes' wording for it ("Get \"http://...\": ..."). */
export class ActionError extends Error {}

export interface HttpGetOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  userAgent: string;
}

export interface HttpGetResult {
  url: string;
  statusCode: number;
  /** The first MAX_OUTPUT characters of the body. */
  body: string;
}

/** GET on the action's host (the pod IP by default), port and path. Rejects with ActionError when no response arrives. */
export function httpGet(action: HTTPGetAction, container: Pick<Container, 'name' | 'ports'>, podIP: string, opts: HttpGetOptions): Promise<HttpGetResult> {
  const port = resolvePort(action.port, container);
  const host = action.host || podIP;
  const https = action.scheme === 'HTTPS';
  const path = action.path || '/';
  const url = `${https ? 'https' : 'http'}://${host}:${port}${path.startsWith('/') ? '' : '/'}${path}`;
  const headers: Record<string, string> = { 'User-Agent': opts.userAgent, Accept: '*/*' };
  for (const h of action.httpHeaders) headers[h.name] = h.value;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => done(() => reject(new ActionError(`Get "${url}": ${message}`)));
    const done = (settle: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      settle();
    };
    const onAbort = () => fail('context canceled');
    const req = (https ? httpsRequest : httpRequest)(url, { method: 'GET', headers, timeout: opts.timeoutMs, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < MAX_OUTPUT) body += chunk;
      });
      res.on('end', () => done(() => resolve({ url, statusCode: res.statusCode ?? 0, body: body.slice(0, MAX_OUTPUT) })));
      res.on('error', (err) => fail(err.message));
    });
    req.on('timeout', () => fail('context deadline exceeded (Client.Timeout exceeded while awaiting headers)'));
    req.on('error', (err) => fail(err.message));
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.end();
  });
}

/** Connects to the action's host (the pod IP by default) and port. Rejects with ActionError when it cannot. */
export function tcpConnect(action: TCPSocketAction, container: Pick<Container, 'name' | 'ports'>, podIP: string, timeoutMs: number): Promise<void> {
  const port = resolvePort(action.port, container);
  const host = action.host || podIP;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (err?: string) => {
      socket.destroy();
      if (err === undefined) resolve();
      else reject(new ActionError(`dial tcp ${host}:${port}: ${err}`));
    };
    socket.once('connect', () => done());
    socket.once('timeout', () => done('i/o timeout'));
    socket.once('error', (err) => done(err.message));
  });
}

export interface ExecOptions {
  /** Gives up waiting after this long (the command may go on in the container). */
  timeoutMs?: number;
  /** Gives up waiting when aborted. */
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
  /** stdout and stderr as they came, the first MAX_OUTPUT characters. */
  output: string;
}

async function collect(stream: NodeJS.ReadableStream, sink: { text: string }): Promise<void> {
  for await (const chunk of stream) if (sink.text.length < MAX_OUTPUT) sink.text += chunk.toString();
}

/**
 * Runs the command in the container and waits for its exit code. Rejects with ActionError on a
 * timeout or abort, and with the runtime's error when the command cannot run.
 */
export async function execCommand(runtime: ContainerRuntime, containerId: string, command: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const giveUp = new Promise<never>((_resolve, reject) => {
    if (opts.timeoutMs !== undefined) {
      const ms = opts.timeoutMs;
      timer = setTimeout(() => reject(new ActionError(`command ${JSON.stringify(command)} timed out after ${ms / 1000}s`)), ms);
    }
    if (opts.signal) {
      onAbort = () => reject(new ActionError(`command ${JSON.stringify(command)} abandoned: context canceled`));
      if (opts.signal.aborted) onAbort();
      else opts.signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  giveUp.catch(() => undefined);
  const run = (async (): Promise<ExecResult> => {
    const session = await runtime.exec(containerId, command);
    const output = { text: '' };
    const [exitCode] = await Promise.all([session.exitCode, collect(session.stdout, output), collect(session.stderr, output)]);
    return { exitCode, output: output.text.slice(0, MAX_OUTPUT) };
  })();
  try {
    return await Promise.race([run, giveUp]);
  } finally {
    clearTimeout(timer);
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    run.catch(() => undefined);
  }
}
