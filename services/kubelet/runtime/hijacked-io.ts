// The two ends of a hijacked Docker connection (exec and attach): the engine's output
// demultiplexed into stdout and stderr (raw with a tty, where the terminal merges them), and the
// caller's stdin piped in, its end half-closing the connection (the process' stdin, for a
// StdinOnce container or an exec). Output is read from the engine only as fast as the caller reads
// it (a full stdout or stderr pauses the connection), so a slow reader holds the process, not the
// kubelet's memory: callers read both streams.
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import { FrameDecoder } from './stream-frames';

export interface HijackedIo {
  stdout: PassThrough;
  stderr: PassThrough;
  /** Resolves when the output ended (the connection ended, closed or failed). */
  drained: Promise<void>;
  /** The connection's first error, if it failed. */
  error(): Error | undefined;
}

export function hijackedIo(connection: Duplex, tty: boolean, stdin: Readable | undefined): HijackedIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const decoder = new FrameDecoder();
  const full = () => stdout.writableNeedDrain || stderr.writableNeedDrain;
  connection.on('data', (chunk: Buffer) => {
    if (tty) stdout.write(chunk);
    else for (const frame of decoder.push(chunk)) (frame.stream === 'stderr' ? stderr : stdout).write(frame.payload);
    if (full()) connection.pause();
  });
  const resume = () => {
    if (!full()) connection.resume();
  };
  stdout.on('drain', resume);
  stderr.on('drain', resume);
  let connectionError: Error | undefined;
  const drained = new Promise<void>((resolve) => {
    let finished = false;
    // The connection may end, close and error in any order; the first one ends the output.
    // Errors end it too: writing stdin the process never read fails (EPIPE) before the end
    // arrives, and must not cost the output. The exit code tells whether the process finished.
    const finish = (): void => {
      if (finished) return;
      finished = true;
      stdin?.unpipe(connection);
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
  if (stdin) stdin.pipe(connection);
  return { stdout, stderr, drained, error: () => connectionError };
}
