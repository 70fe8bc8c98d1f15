// `kitectl exec` on Docker: an exec instance started over a hijacked connection, its output
// demultiplexed into stdout and stderr, stdin piped in (its end closes the process' stdin), and
// the exit code read once the output is drained.
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { RuntimeError } from './errors';
import { hijackedIo } from './hijacked-io';
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
  const { stdout, stderr, drained, error } = hijackedIo(connection, tty, options.stdin);

  const exitCode = drained.then(async () => {
    const deadline = Date.now() + EXIT_CODE_WAIT_MS;
    for (;;) {
      const info = await exec.inspect();
      if (!info.Running && info.ExitCode !== null) return info.ExitCode;
      if (Date.now() > deadline) {
        const cause = error() ? ` (connection: ${error()!.message})` : '';
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
