// Exec: runs a command in a running container. The first request names the target and command;
// later ones feed stdin, close it, or resize the terminal. Output goes back as it comes (stdout
// and stderr apart, unless a tty merges them), with backpressure, and the last response carries
// the exit code. A cancelled call closes the command's stdin.
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { BadRequestError, toServiceError } from '../../../lib/api/errors';
import type { ExecRequest, ExecResponse, ExecStart } from '../../../lib/gen/kite/kubelet/v1/kubelet';
import type { ContainerRuntime } from '../runtime/types';
import { execContainer, findTarget, type TargetContext } from './target';

function firstRequest(call: ServerDuplexStream<ExecRequest, ExecResponse>): Promise<ExecStart> {
  return new Promise((resolve, reject) => {
    const onData = (req: ExecRequest) => {
      cleanup();
      if (!req.start || req.start.command.length === 0) reject(new BadRequestError('the first exec request must carry start with a command'));
      else resolve(req.start);
    };
    const onEnd = () => {
      cleanup();
      reject(new BadRequestError('exec stream ended before its start request'));
    };
    const cleanup = () => {
      call.off('data', onData);
      call.off('end', onEnd);
    };
    call.on('data', onData);
    call.on('end', onEnd);
  });
}

async function forward(source: Readable, call: ServerDuplexStream<ExecRequest, ExecResponse>, field: 'stdout' | 'stderr'): Promise<void> {
  for await (const chunk of source) {
    if (call.cancelled) continue;
    const response: ExecResponse = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), [field]: Buffer.from(chunk as Buffer) };
    if (!call.write(response)) await Promise.race([once(call, 'drain'), once(call, 'cancelled')]);
  }
}

export async function serveExec(call: ServerDuplexStream<ExecRequest, ExecResponse>, runtime: ContainerRuntime, ctx: TargetContext): Promise<void> {
  let stdin: PassThrough | undefined;
  try {
    const start = await firstRequest(call);
    const target = await findTarget(start, ctx);
    const container = execContainer(target);
    stdin = start.stdin ? new PassThrough() : undefined;
    const session = await runtime.exec(container.id, start.command, { stdin, tty: start.tty });
    if (start.tty && start.size) await session.resize(start.size.width, start.size.height).catch(() => undefined);
    call.on('data', (req: ExecRequest) => {
      if (req.stdin.length > 0) stdin?.write(req.stdin);
      if (req.stdinClose) stdin?.end();
      if (req.resize) void session.resize(req.resize.width, req.resize.height).catch(() => undefined);
    });
    call.on('end', () => stdin?.end());
    call.on('cancelled', () => stdin?.end());
    await Promise.all([forward(session.stdout, call, 'stdout'), forward(session.stderr, call, 'stderr')]);
    const exitCode = await session.exitCode;
    if (!call.cancelled) {
      call.write({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode });
      call.end();
    }
  } catch (err) {
    stdin?.end();
    if (!call.cancelled) call.emit('error', toServiceError(err));
  }
}
