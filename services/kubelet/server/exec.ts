// Exec: runs a command in a running container. The first request names the target and command;
// later ones feed stdin, close it, or resize the terminal (stdin arriving before the command
// started is buffered, not lost; a caller writing faster than the process reads is paused). Output
// goes back as it comes (stdout and stderr apart, unless a tty merges them), with backpressure, in
// messages of at most MAX_CHUNK_BYTES, and the last response carries the exit code. A cancelled
// call closes the command's stdin. attach.ts serves attach with the same session loop
// (serveSession).
import { PassThrough, type Readable } from 'node:stream';
import { Metadata, type ServerDuplexStream } from '@grpc/grpc-js';
import { BadRequestError, toServiceError } from '../../../lib/api/errors';
import type { ExecRequest, ExecResponse, ExecStart, TerminalSize } from '../../../lib/gen/kite/kubelet/v1/kubelet';
import type { AttachSession, ContainerRuntime, ExecSession } from '../runtime/types';
import { execContainer, findTarget, type TargetContext } from './target';

type Call = ServerDuplexStream<ExecRequest, ExecResponse>;

export type SessionCall = Call;

/** Reads the call's requests from the first one on: resolves the start, routes the rest. */
function readRequests(call: Call, what: 'exec' | 'attach', stdin: PassThrough, resize: (size: TerminalSize) => void): Promise<ExecStart> {
  return new Promise((resolve, reject) => {
    let started = false;
    call.on('data', (req: ExecRequest) => {
      if (!started) {
        started = true;
        if (!req.start) reject(new BadRequestError(`the first ${what} request must carry start`));
        else if (what === 'exec' && req.start.command.length === 0) reject(new BadRequestError('the first exec request must carry start with a command'));
        else resolve(req.start);
        return;
      }
      if (req.stdin.length > 0 && !stdin.writableEnded && !stdin.write(req.stdin)) {
        call.pause();
        stdin.once('drain', () => call.resume());
      }
      if (req.stdinClose) stdin.end();
      if (req.resize) resize(req.resize);
    });
    call.on('end', () => {
      stdin.end();
      if (!started) reject(new BadRequestError(`${what} stream ended before its start request`));
    });
    call.on('cancelled', () => stdin.end());
  });
}

/**
 * The most output one response carries. A stream read while the call waits for 'drain' hands
 * over all it buffered at once (tens of MB for kubectl cp), more than a gRPC message may hold.
 */
export const MAX_CHUNK_BYTES = 1024 * 1024;

/** Resolves when the call can take more, or is cancelled; leaves no listener behind. */
function writable(call: Call): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
  });
}

async function forward(source: Readable, call: Call, field: 'stdout' | 'stderr'): Promise<void> {
  for await (const chunk of source) {
    const data = chunk as Buffer;
    for (let at = 0; at < data.length && !call.cancelled; at += MAX_CHUNK_BYTES) {
      const response: ExecResponse = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), [field]: data.subarray(at, at + MAX_CHUNK_BYTES) };
      if (!call.write(response)) await writable(call);
    }
  }
}

/**
 * Opens the session a start asks for; `stdin` carries the caller's input, `signal` ends the
 * session early. `stdin` in the result: whether the session reads the input (else it is dropped).
 */
export type OpenSession = (start: ExecStart, stdin: PassThrough, signal: AbortSignal) => Promise<{ session: ExecSession | AttachSession; tty: boolean; stdin: boolean }>;

/** The loop exec and attach share: start, output with backpressure, resizes, then the exit code (when there is one). */
export async function serveSession(call: Call, what: 'exec' | 'attach', open: OpenSession): Promise<void> {
  const stdin = new PassThrough();
  const cancelled = new AbortController();
  call.on('cancelled', () => cancelled.abort());
  let session: ExecSession | AttachSession | undefined;
  let pendingSize: TerminalSize | undefined;
  const resize = (size: TerminalSize) => {
    if (session) void session.resize(size.width, size.height).catch(() => undefined);
    else pendingSize = size;
  };
  try {
    const start = await readRequests(call, what, stdin, resize);
    const opened = await open(start, stdin, cancelled.signal);
    session = opened.session;
    // Input nobody reads must not fill up and pause the call (its resizes would wait behind it).
    if (!opened.stdin) stdin.resume();
    const size = pendingSize ?? start.size;
    if (opened.tty && size) await session.resize(size.width, size.height).catch(() => undefined);
    // The response headers say the session started (the HTTP front door upgrades to a WebSocket on them).
    if (!call.cancelled) call.sendMetadata(new Metadata());
    await Promise.all([forward(session.stdout, call, 'stdout'), forward(session.stderr, call, 'stderr')]);
    const exitCode = await session.exitCode;
    if (!call.cancelled) {
      if (exitCode !== undefined) call.write({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode });
      call.end();
    }
  } catch (err) {
    stdin.end();
    if (!call.cancelled) call.emit('error', toServiceError(err));
  }
}

export function serveExec(call: Call, runtime: ContainerRuntime, ctx: TargetContext): Promise<void> {
  return serveSession(call, 'exec', async (start, stdin) => {
    const container = execContainer(await findTarget(start, ctx));
    const session = await runtime.exec(container.id, start.command, { stdin: start.stdin ? stdin : undefined, tty: start.tty });
    return { session, tty: start.tty, stdin: start.stdin };
  });
}
