// `kubectl attach` on Docker: a hijacked attach to the container's main process (Docker's
// POST /containers/{id}/attach?stream=1), its output demultiplexed, stdin piped in when asked
// (the engine only takes it when the container was created with OpenStdin; with StdinOnce its
// end closes the process' stdin). Detaching (the signal) leaves the process running; when the
// process ends, the session ends with its exit code, read from the container's state.
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { hijackedIo } from './hijacked-io';
import type { AttachOptions, AttachSession } from './types';

/** How long the engine may take to record the container's exit after its output ended. */
const EXIT_WAIT_MS = 5_000;
const EXIT_POLL_MS = 20;

export async function startAttach(container: Docker.Container, options: AttachOptions): Promise<AttachSession> {
  const tty = options.tty ?? false;
  const withStdin = options.stdin !== undefined;
  const connection = (await container.attach({ stream: true, stdin: withStdin, stdout: true, stderr: true, hijack: true })) as Duplex;
  const detach = (): void => {
    connection.destroy();
  };
  if (options.signal?.aborted) detach();
  else options.signal?.addEventListener('abort', detach, { once: true });
  const { stdout, stderr, drained } = hijackedIo(connection, tty, options.stdin);

  const exitCode = drained.then(async (): Promise<number | undefined> => {
    options.signal?.removeEventListener('abort', detach);
    if (options.signal?.aborted) return undefined;
    const deadline = Date.now() + EXIT_WAIT_MS;
    for (;;) {
      const state = (await container.inspect()).State;
      if (!state.Running) return state.ExitCode;
      // Still running: the engine ended the stream for another reason (the process lives on).
      if (Date.now() > deadline) return undefined;
      await sleep(EXIT_POLL_MS);
    }
  });
  // Callers that only want output must not see an unhandled rejection.
  exitCode.catch(() => undefined);

  return {
    stdout,
    stderr,
    exitCode,
    resize: async (columns: number, rows: number) => {
      if (tty) await container.resize({ w: columns, h: rows });
    },
  };
}
