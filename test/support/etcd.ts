// Starts a throwaway etcd (Debian's /usr/bin/etcd) on free loopback ports for tests. A missing
// binary is an error, not a skip: CI installs etcd-server. KITE_SKIP_ETCD=1 opts out explicitly.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ETCD_BINARY = process.env.KITE_ETCD_BINARY ?? '/usr/bin/etcd';

export interface TestEtcd {
  /** "127.0.0.1:PORT" (with TLS "https://127.0.0.1:PORT"), as the etcd3 client and --etcd-endpoints take it. */
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

/** True when the caller asked to skip etcd-backed tests (KITE_SKIP_ETCD=1). */
export function etcdSkipped(): boolean {
  return process.env.KITE_SKIP_ETCD === '1';
}

export interface StartEtcdOptions {
  /** Keep the data on tmpfs (default: tests do not need etcd's fsyncs; benchmarks do). */
  tmpfs?: boolean;
  timeoutMs?: number;
  /** Clients on TLS with client certificates of `caFile` (health is then read from a plaintext metrics URL). */
  tls?: { certFile: string; keyFile: string; caFile: string };
  /** The client port (default: a free one). */
  clientPort?: number;
}

/** One etcd member to start: its name, URLs and data directory. */
interface Member {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
}

interface RunningMember {
  child: ChildProcess;
  exited: Promise<void>;
}

function requireEtcdBinary(): void {
  if (!existsSync(ETCD_BINARY)) {
    throw new Error(`${ETCD_BINARY} not found: install Debian's etcd-server (apt-get install etcd-server), or set KITE_SKIP_ETCD=1 to skip etcd tests`);
  }
}

/** A data directory for a member: on tmpfs unless `tmpfs` is false (or there is none). */
function dataDirFor(tmpfs = true): string {
  return mkdtempSync(join(tmpfs && existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'kite-etcd-'));
}

/** Starts one member of the cluster `initialCluster` names; its stderr goes to `onStderr`. */
function spawnMember(m: Member, initialCluster: string, extraArgs: string[], onStderr: (text: string) => void): RunningMember {
  const child = spawn(
    ETCD_BINARY,
    [
      '--name', m.name,
      '--data-dir', m.dataDir,
      '--listen-client-urls', m.clientUrl,
      '--advertise-client-urls', m.clientUrl,
      '--listen-peer-urls', m.peerUrl,
      '--initial-advertise-peer-urls', m.peerUrl,
      '--initial-cluster', initialCluster,
      // As the kite clusters' members do (every 5 s there), so watches resume from recent revisions.
      '--experimental-watch-progress-notify-interval', '1s',
      ...extraArgs,
      '--logger', 'zap',
      '--log-level', 'error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (d: Buffer) => onStderr(d.toString()));
  return { child, exited: new Promise<void>((resolve) => child.once('exit', () => resolve())) };
}

export async function startEtcd(opts: StartEtcdOptions = {}): Promise<TestEtcd> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  requireEtcdBinary();
  const [freeClientPort, peerPort, metricsPort] = await freePorts(3);
  const clientPort = opts.clientPort ?? freeClientPort;
  const m: Member = {
    name: 'kite-test',
    clientUrl: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${clientPort}`,
    peerUrl: `http://127.0.0.1:${peerPort}`,
    dataDir: dataDirFor(opts.tmpfs !== false),
  };
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  const tlsArgs = opts.tls
    ? ['--cert-file', opts.tls.certFile, '--key-file', opts.tls.keyFile, '--trusted-ca-file', opts.tls.caFile, '--client-cert-auth', '--listen-metrics-urls', metricsUrl]
    : [];
  let stderr = '';
  const { child, exited } = spawnMember(m, `${m.name}=${m.peerUrl}`, tlsArgs, (text) => {
    stderr = (stderr + text).slice(-4000);
  });
  const stop = async (): Promise<void> => {
    await killAndWait(child, exited);
    rmSync(m.dataDir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(opts.tls ? metricsUrl : m.clientUrl, child, timeoutMs);
  } catch (err) {
    await stop();
    throw new Error(`etcd did not become healthy: ${(err as Error).message}\n${stderr}`);
  }
  return { endpoint: opts.tls ? m.clientUrl : `127.0.0.1:${clientPort}`, pid: child.pid!, stop };
}

async function waitHealthy(clientUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`etcd exited (${child.exitCode ?? child.signalCode})`);
    try {
      const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      if (body.health === 'true') return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms`);
}

async function killAndWait(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Ports the kernel handed out and that were free a moment ago (the usual small race is accepted). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<import('node:net').Server>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export interface TestEtcdCluster {
  /** Every member's "127.0.0.1:PORT", as --etcd-endpoints takes them. */
  endpoints: string[];
  /** Each member's current pid (a restarted member has a new one). */
  pids: number[];
  /** SIGKILLs member i (its data stays, as a crashed machine's disk would). */
  killMember(i: number): Promise<void>;
  /** Starts member i again on its data, ports and name; resolves once it reports healthy. */
  restartMember(i: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a `size`-member etcd cluster on loopback (one --initial-cluster naming every member's
 * peer URL, state new, data on tmpfs); killMember/restartMember crash and bring back one member for
 * failure tests; stop() ends each member by its process and removes its data.
 */
export async function startEtcdCluster(size = 3, timeoutMs = 20_000): Promise<TestEtcdCluster> {
  requireEtcdBinary();
  const ports = await freePorts(2 * size);
  const members: Member[] = Array.from({ length: size }, (_, i) => ({
    name: `kite-test-${i}`,
    clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
    peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
    dataDir: dataDirFor(),
  }));
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const clusterArgs = ['--initial-cluster-state', 'new', '--initial-cluster-token', `kite-test-${process.pid}-${ports[0]}`];
  let stderr = '';
  const spawnOne = (m: Member) =>
    spawnMember(m, initialCluster, clusterArgs, (text) => {
      stderr = (stderr + `${m.name}: ${text}`).slice(-4000);
    });
  const running = members.map(spawnOne);
  const stop = async (): Promise<void> => {
    await Promise.all(running.map((r) => killAndWait(r.child, r.exited)));
    for (const m of members) rmSync(m.dataDir, { recursive: true, force: true });
  };
  try {
    await Promise.all(members.map((m, i) => waitHealthy(m.clientUrl, running[i].child, timeoutMs)));
  } catch (err) {
    await stop();
    throw new Error(`the etcd cluster did not become healthy: ${(err as Error).message}\n${stderr}`);
  }
  const pids = running.map((r) => r.child.pid!);
  const killMember = async (i: number): Promise<void> => {
    const r = running[i];
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await r.exited;
  };
  const restartMember = async (i: number): Promise<void> => {
    await killMember(i);
    running[i] = spawnOne(members[i]);
    pids[i] = running[i].child.pid!;
    try {
      await waitHealthy(members[i].clientUrl, running[i].child, timeoutMs);
    } catch (err) {
      throw new Error(`etcd member ${members[i].name} did not come back: ${(err as Error).message}\n${stderr}`);
    }
  };
  return { endpoints: members.map((m) => m.clientUrl.replace('http://', '')), pids, killMember, restartMember, stop };
}
