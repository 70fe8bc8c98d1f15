// Helpers of the end-to-end tests: run the `kite` and `kitectl` programs as a user would, and
// reach into node containers (docker exec NODE docker ...) where kitectl has no verb.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '..', '..');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolvePromise) => {
    const child = execFile(cmd, args, { cwd: REPO, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, KITE_LOG_LEVEL: 'warn' } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      resolvePromise({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs a command and rejects with its output when it fails. */
export async function must(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

export const kite = (args: string[], timeoutMs = 60_000) => must('node', [join(REPO, 'bin', 'kite'), ...args], { timeoutMs });

export function kitectlFor(kubeconfig: string) {
  return (args: string[], input?: string) => must('node', [join(REPO, 'bin', 'kitectl'), '--kubeconfig', kubeconfig, ...args], { input });
}

/**
 * The real kubectl with a context of the kubectl config `kite create cluster` merged into
 * ($KUBECONFIG: the temporary file test/support/setup.ts names), its cache in `cacheDir`.
 */
export function kubectlFor(context: string, cacheDir: string) {
  return (args: string[], input?: string) => must('kubectl', ['--context', context, '--cache-dir', cacheDir, ...args], { input });
}

export const docker = (args: string[], timeoutMs?: number) => must('docker', args, { timeoutMs });

/** The id of the running container of a pod's container, inside its node. */
export async function podContainer(node: string, pod: string, container: string): Promise<string> {
  const id = (await docker(['exec', node, 'docker', 'ps', '-q', '--filter', `name=^kite_${container}_${pod}_`])).trim().split('\n')[0];
  if (!id) throw new Error(`no running container ${container} of pod ${pod} in node ${node}`);
  return id;
}

/** Runs a command in a pod's container (through the node's engine). */
export async function podExec(node: string, pod: string, container: string, cmd: string[]): Promise<string> {
  return docker(['exec', node, 'docker', 'exec', await podContainer(node, pod, container), ...cmd]);
}

/** IPv4 address inside a CIDR. */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const n = (a: string) => a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const mask = 2 ** 32 - 2 ** (32 - Number(bits));
  return (n(ip) & mask) >>> 0 === (n(base) & mask) >>> 0;
}
