// The real kubectl against a real apiserver's HTTP front door (--secure-port): the apiserver of
// secure-apiserver.ts (cluster PKI, Node,RBAC) with its HTTPS port on, the controllers a
// Deployment, a Job, a StatefulSet or a DaemonSet needs (replicaset, deployment, job, statefulset, daemonset, garbage collector) and a stand-in kubelet that
// reports the namespace's pods Running and Ready, so rollouts finish; a kubeconfig for kubectl
// (the HTTPS port) and one for kitectl (the gRPC port), both with the admin identity and the
// test's namespace as the context's. kubectl runs with its own HOME (its discovery cache) and
// KUBECONFIG, never the user's.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clientset } from '../../../lib/client/clientset';
import { Namespace } from '../../../lib/gen/kite/core/v1/types';
import { startControllerManager, type ControllerManager } from '../../../services/controller-manager/manager';
import { startFakeKubelet, type FakeKubelet } from '../controller-manager/support/fake-kubelet';
import { kitectl, type KitectlResult } from '../kitectl/run-kitectl';
import { startSecureApiserver, writeKubeconfig, type SecureApiserver } from '../security/secure-apiserver';

export interface CommandResult {
  code: number;
  out: string;
  err: string;
}

export interface KubectlRunOptions {
  stdin?: string;
  env?: Record<string, string>;
}

/** The kubectl on PATH, or undefined when none is installed. */
export function installedKubectl(): string | undefined {
  const r = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0] : undefined;
}

export interface KubectlHarness {
  api: SecureApiserver;
  admin: Clientset;
  /** The test's namespace: the default of both contexts. */
  namespace: string;
  /** https://127.0.0.1:<secure port> */
  httpsServer: string;
  kubeconfig: string;
  dir: string;
  kubectl(args: string[], opts?: KubectlRunOptions): Promise<CommandResult>;
  /** kubectl that must exit 0 (the failure names the command and its stderr). */
  ok(args: string[], opts?: KubectlRunOptions): Promise<string>;
  /** kubectl started and left running (get -w): its output and error output so far, its end, and stop(). */
  background(args: string[]): { output(): string; errors(): string; done: Promise<CommandResult>; stop(): Promise<CommandResult> };
  kitectl(args: string[], stdin?: string): Promise<KitectlResult>;
  stop(): Promise<void>;
}

/**
 * kubectl and kitectl with the same arguments: asserts the same exit code, output and error output
 * (kubectl's error output passed through `fixErr` first, e.g. to name kitectl where kubectl names
 * itself) and returns kitectl's.
 */
export async function sameAsKubectl(h: KubectlHarness, args: string[], fixErr: (err: string) => string = (err) => err): Promise<{ code: number; out: string; err: string }> {
  const theirs = await h.kubectl(args);
  const mine = await h.kitectl(args);
  assert.deepEqual({ code: mine.code, out: mine.out, err: mine.err }, { code: theirs.code, out: theirs.out, err: fixErr(theirs.err) }, `kitectl ${args.join(' ')}`);
  return { code: mine.code, out: mine.out, err: mine.err };
}

export async function startKubectlHarness(): Promise<KubectlHarness> {
  const api = await startSecureApiserver({ config: { securePort: 0 } });
  const dir = mkdtempSync(join(tmpdir(), 'kite-kubectl-'));
  const stop = new AbortController();
  let cm: ControllerManager | undefined;
  let kubelet: FakeKubelet | undefined;
  const halt = async () => {
    stop.abort();
    await cm?.done;
    await kubelet?.stopped;
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const admin = await api.admin();
    const namespace = `kubectl-${randomBytes(3).toString('hex')}`;
    await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: namespace } }));
    cm = startControllerManager({
      clientset: await api.admin(),
      controllers: ['replicaset', 'deployment', 'job', 'statefulset', 'daemonset', 'disruption', 'garbagecollector'],
      signal: stop.signal,
    });
    await cm.synced;
    kubelet = startFakeKubelet(admin, namespace, stop.signal);

    const httpsServer = `https://127.0.0.1:${api.server.securePort}`;
    const kubeconfig = writeKubeconfig(api, join(dir, 'kubeconfig'), { namespace, server: httpsServer });
    const kitectlConfig = writeKubeconfig(api, join(dir, 'kitectl-config'), { namespace, server: `https://${api.address}` });

    const env = (extra: Record<string, string> = {}) => ({ ...process.env, HOME: dir, KUBECONFIG: kubeconfig, KUBECTL_EXTERNAL_DIFF: '', ...extra });
    const kubectl = (args: string[], opts: KubectlRunOptions = {}) =>
      new Promise<CommandResult>((resolve, reject) => {
        const child = spawn('kubectl', args, { env: env(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
        child.stdin.end(opts.stdin ?? '');
      });
    const background = (args: string[]) => {
      const child = spawn('kubectl', args, { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const closed = new Promise<CommandResult>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, out, err })));
      return {
        output: () => out,
        errors: () => err,
        done: closed,
        stop: () => {
          child.kill('SIGTERM');
          return closed;
        },
      };
    };
    return {
      api,
      admin,
      namespace,
      httpsServer,
      kubeconfig,
      dir,
      kubectl,
      async ok(args, opts) {
        const r = await kubectl(args, opts);
        if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited with ${r.code}: ${r.err.trim() || r.out.trim()}`);
        return r.out;
      },
      background,
      kitectl: (args, stdin) => kitectl(['--kubeconfig', kitectlConfig, ...args], { stdin }),
      stop: halt,
    };
  } catch (err) {
    await halt();
    throw err;
  }
}
