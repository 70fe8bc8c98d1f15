// `kitectl exec` on Docker: an exec instance started over a hijacked connection, its output
// demultiplexed into stdout and stderr, stdin piped in (its end closes the process' stdin), and
// the exit code read once the output is drained.
import { PassThrough, type Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { RuntimeError } from './errors';
import { FrameDecoder } from './stream-frames';
import type { ExecOptions, ExecSession } from './types';

/** How long the engine may take to record the exit code after the output ended. */
const EXIT_CODE_WAIT_MS = 5_000;
const EXIT_CODE_POLL_MS = 20;

export async function startExec(container: Docker.Container, command: string[], options: ExecOptions): Promise<ExecSession> {
  if (command.length === 0) throw new RuntimeError('ExecError', 'exec needs a command');
  const tty = options.tty ?? false;
  const exec = await container.exec({
    Cmd: command,
    AttachStdin: options.stdin !== undefined,
    AttachStdout: true,
    AttachStderr: true,
    Tty: tty,
    Env: options.env?.map((e) => `${e.name}=${e.value}`),
    WorkingDir: options.workingDir,
  });
  const connection = (await exec.start({ hijack: true, stdin: options.stdin !== undefined, Tty: tty })) as Duplex;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const decoder = new FrameDecoder();
  connection.on('data', (chunk: Buffer) => {
    if (tty) {
      stdout.write(chunk);
      return;
    }
    for (const frame of decoder.push(chunk)) (frame.stream === 'stderr' ? stderr : stdout).write(frame.payload);
  });
  let connectionError: Error | undefined;
  const drained = new Promise<void>((resolve) => {
    let finished = false;
    // The connection may end, close and error in any order; the first one ends the output.
    // Errors end it too: writing stdin the process never read fails (EPIPE) before the end
    // arrives, and must not cost the output. The exit code tells whether the process finished.
    const finish = (): void => {
      if (finished) return;
      finished = true;
      options.stdin?.unpipe(connection);
      stdout.end();
      stderr.end();
      resolve();
    };
    connection.once('end', finish);
    connection.once('close', finish);
    connection.on('error', (err: Error) => {
      connectionError ??= err;
      finish();
    });
  });
  if (options.stdin) options.stdin.pipe(connection);

  const exitCode = drained.then(async () => {
    const deadline = Date.now() + EXIT_CODE_WAIT_MS;
    for (;;) {
      const info = await exec.inspect();
      if (!info.Running && info.ExitCode !== null) return info.ExitCode;
      if (Date.now() > deadline) {
        const cause = connectionError ? ` (connection: ${connectionError.message})` : '';
        throw new RuntimeError('ExecError', `exec of ${command[0]}: no exit code after its output ended${cause}`);
      }
      await sleep(EXIT_CODE_POLL_MS);
    }
  });
  // Callers that only want output must not see an unhandled rejection.
  exitCode.catch(() => undefined);

  return {
    stdout,
    stderr,
    exitCode,
    resize: async (columns: number, rows: number) => {
      if (tty) await exec.resize({ w: columns, h: rows });
    },
  };
}
