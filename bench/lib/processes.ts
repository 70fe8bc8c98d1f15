// Starting Kite's programs and a benchmark's worker scripts as child processes, so each has its
// own event loop and its memory can be read apart. Every child is killed on exit. A child that
// exits before the benchmark stops it fails the benchmark at once, with its last log lines
// (whileRunning), instead of leaving it waiting for something the child will never do.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import './own-config';

const ROOT = join(__dirname, '..', '..');
/** How much of a child's stderr is kept for messages, and how many of its last lines are shown. */
const KEPT_CHARS = 8000;
const SHOWN_LINES = 20;
const SHOWN_LINE_CHARS = 300;

export type Program = ChildProcess & {
  /** The program or script, for messages. */
  label: string;
  /** The last KEPT_CHARS characters the child wrote to stderr. */
  stderrText(): string;
};

const children = new Set<ChildProcess>();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

/** Children stopProgram is stopping: their exit is expected. */
const stopping = new WeakSet<ChildProcess>();
/** Children that exited early and were not stopped since, and the callers of whileRunning waiting to hear of one. */
const exitedEarly = new Map<ChildProcess, Error>();
const waiting = new Set<(err: Error) => void>();

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** The last `n` non-empty lines of a text, each cut at SHOWN_LINE_CHARS (a bundled source line can be huge). */
export function lastLines(text: string, n = SHOWN_LINES): string {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .slice(-n)
    .map((l) => (l.length > SHOWN_LINE_CHARS ? `${l.slice(0, SHOWN_LINE_CHARS)}...` : l))
    .join('\n');
}

function track(child: ChildProcess, label: string): Program {
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-KEPT_CHARS);
  });
  children.add(child);
  child.once('exit', (code, signal) => {
    children.delete(child);
    if (stopping.has(child)) return;
    // Its last words may still be in the pipe: wait for the stream to close (not for ever: a
    // grandchild may hold it open).
    let reported = false;
    const report = () => {
      if (reported || stopping.has(child)) return;
      reported = true;
      const output = lastLines(err);
      const e = new Error(`${label} exited (${signal ?? `code ${code}`}) before the benchmark stopped it; ${output ? `its last log lines:\n${output}` : 'it logged nothing'}`);
      exitedEarly.set(child, e);
      waiting.forEach((reject) => reject(e));
    };
    if (child.stderr!.destroyed) return report();
    const t = setTimeout(report, 500);
    child.stderr!.once('close', () => {
      clearTimeout(t);
      report();
    });
  });
  return Object.assign(child, { label, stderrText: () => err });
}

/**
 * Runs bin/<program> with args (stderr is kept for failures). With KITE_BENCH_CPU_PROF=<dir>, the
 * apiserver writes a V8 CPU profile of its main thread into dir when it stops (bench/cpu-profile.ts
 * summarizes it); KITE_BENCH_CPU_PROF_INTERVAL=<µs> samples more often than V8's 1000 µs.
 */
export function startProgram(program: string, args: string[], env: Record<string, string> = {}): Program {
  const profile = process.env.KITE_BENCH_CPU_PROF;
  const interval = process.env.KITE_BENCH_CPU_PROF_INTERVAL;
  const nodeFlags =
    program === 'kite-apiserver' && profile ? ['--cpu-prof', '--cpu-prof-dir', profile, ...(interval ? ['--cpu-prof-interval', interval] : [])] : [];
  return startProcess(program, process.execPath, [...nodeFlags, join(ROOT, 'bin', program), ...args], { KITE_LOG_LEVEL: 'warn', ...env });
}

/** Runs any command as a tracked child (stderr kept, stdout ignored). */
export function startProcess(label: string, command: string, args: string[], env: Record<string, string> = {}): Program {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  return track(child, label);
}

/** Forks a TypeScript worker script (IPC with `advanced` serialization), tracked as startProgram's children are. */
export function forkWorker(script: string, env: Record<string, string> = {}): Program {
  const child = fork(script, [], {
    execArgv: ['--require', require.resolve('tsx/cjs')],
    serialization: 'advanced',
    env: { ...process.env, KITE_LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  return track(child, script.split('/').pop()!);
}

/**
 * Settles as `work` does, unless a child started here exits before stopProgram stops it (or has
 * exited so and was not stopped since): then it rejects at once with that child's last log lines.
 */
export function whileRunning<T>(work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const [failed] = exitedEarly.values();
    if (failed) {
      work.catch(() => undefined);
      reject(failed);
      return;
    }
    waiting.add(reject);
    work.then(resolve, reject).finally(() => waiting.delete(reject));
  });
}

/** Stops a child (SIGTERM, then SIGKILL after 5 s); its exit, even an earlier one, is no longer a failure. */
export async function stopProgram(child: ChildProcess): Promise<void> {
  stopping.add(child);
  exitedEarly.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await done;
  clearTimeout(t);
}

/** Resident memory of a process in MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = status.match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : NaN;
}
