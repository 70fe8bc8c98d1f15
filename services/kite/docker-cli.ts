// The host's `docker` CLI, run as a child process: kite drives the host engine and, through
// `docker exec NODE docker ...`, each node's inner engine, the way kind does.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export class DockerError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
    readonly code: number | null,
  ) {
    super(`docker ${args.slice(0, 4).join(' ')}${args.length > 4 ? ' ...' : ''} failed (exit ${code}): ${stderr.trim() || 'no message'}`);
  }
}

export interface RunOptions {
  /** Written to the command's standard input. */
  input?: string | Buffer;
  /** A file to read standard input from (e.g. an image archive for `docker load`). */
  inputFile?: string;
}

/** Runs `docker ARGS...` and resolves with its standard output. */
export function docker(args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const fd = opts.inputFile ? openSync(opts.inputFile, 'r') : undefined;
    const child = spawn('docker', args, { stdio: [fd ?? 'pipe', 'pipe', 'pipe'] });
    if (fd !== undefined) closeSync(fd);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(new Error(`cannot run docker: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new DockerError(args, Buffer.concat(err).toString('utf8'), code));
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.input ?? '');
  });
}

/** Like docker(), resolving undefined instead of rejecting when the command fails. */
export function dockerMaybe(args: string[]): Promise<string | undefined> {
  return docker(args).catch(() => undefined);
}

/** Runs a docker command inside a node: `docker exec [-i] NODE ARGS...`. */
export function nodeExec(node: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const interactive = opts.input !== undefined || opts.inputFile !== undefined;
  return docker(['exec', ...(interactive ? ['-i'] : []), node, ...args], opts);
}
