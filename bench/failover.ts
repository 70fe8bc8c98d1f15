// bench:failover: a highly available cluster from examples/kind-ha.yaml (three control-plane
// nodes behind the <cluster>-external-load-balancer haproxy, one worker), a steady write load
// through its kubeconfig (6 connections, each creating one ConfigMap at a time, each call with a
// 5 s deadline), then the control-plane node holding the kube-controller-manager and
// kube-scheduler Leases killed (`docker kill`: a crash, so nothing on it releases its Leases). It
// prints the time to the new leaders (their Leases' acquireTime), from the kill and from the old
// leader's last renewal, against the lease duration (Kubernetes' 15 s, renew deadline 10 s, retry
// period 2 s); the time until every connection has a write sent after the kill acknowledged; the
// longest gap between one connection's acknowledged writes; and the time until haproxy marks the
// dead apiserver DOWN (its log's timestamps). The load average labels the figures. The cluster
// is deleted at the end, also on failure.
//   npm run bench:failover
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import './lib/own-config';
import { ConfigMaps } from '../lib/api/kinds';
import { connect } from '../lib/client/clientset';
import { NO_RETRY } from '../lib/client/retry';
import { ConfigMap } from '../lib/gen/kite/core/v1/types';
import { writeBenchmarkSection } from './lib/report';

const run = promisify(execFile);
const REPO = join(__dirname, '..');
const LEASE_DURATION_MS = 15_000;
const WRITERS = 6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const load = () => loadavg().map((l) => l.toFixed(1)).join(', ');
const kite = (args: string[]) => run('node', [join(REPO, 'bin', 'kite'), ...args], { cwd: REPO, maxBuffer: 64 << 20 });

/** Polls until `fn` answers, for at most `ms`. */
async function until<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

async function main(): Promise<void> {
  const name = `failover-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'kite-bench-failover-'));
  const kubeconfig = join(dir, 'config');
  const lb = `${name}-external-load-balancer`;
  const loadBefore = load();
  let stopWrites = false;
  const clients: ReturnType<typeof connect>[] = [];
  try {
    await kite(['create', 'cluster', '--config', join(REPO, 'examples', 'kind-ha.yaml'), '--name', name, '--kubeconfig', kubeconfig, '--wait', '5m']);
    const c = connect({ kubeconfig, userAgent: 'bench-failover', timeoutMs: 5000, retry: NO_RETRY });
    clients.push(c);
    /** A Lease's holder: its node (identities are <hostname>_<uuid>). */
    const holder = async (lease: string) => {
      const spec = (await c.leases.get(lease, 'kube-system')).spec;
      return spec?.holderIdentity ? { node: spec.holderIdentity.split('_')[0] } : undefined;
    };
    const leader = (await until('a kube-controller-manager leader', () => holder('kube-controller-manager'), 120_000)).node;
    // The killed node holds both Leases: while the scheduler leads elsewhere, its container there
    // is stopped (it releases the Lease; the kubelet starts it again) until one on `leader` wins.
    let schedulerLeader = (await until('a kube-scheduler leader', () => holder('kube-scheduler'), 120_000)).node;
    for (let i = 0; i < 10 && schedulerLeader !== leader; i++) {
      const { stdout } = await run('docker', ['exec', schedulerLeader, 'docker', 'ps', '-q', '--filter', 'name=kite_kube-scheduler_']);
      await run('docker', ['exec', schedulerLeader, 'docker', 'stop', ...stdout.split('\n').filter(Boolean)]);
      const previous = schedulerLeader;
      schedulerLeader = (await until('another kube-scheduler leader', async () => {
        const h = await holder('kube-scheduler');
        return h && h.node !== previous ? h : undefined;
      }, 120_000)).node;
    }
    if (schedulerLeader !== leader) throw new Error(`the kube-scheduler Lease stayed off ${leader}`);

    // The write load: WRITERS clients, each its own connection through the load balancer (a
    // distinct user agent is a distinct gRPC subchannel), which spreads them over the apiservers;
    // each creates one ConfigMap at a time. When each acknowledged write was sent and answered.
    const writers = Array.from({ length: WRITERS }, (_, w) => connect({ kubeconfig, userAgent: `bench-failover-${w}`, timeoutMs: 5000, retry: NO_RETRY }));
    clients.push(...writers);
    const acked: { sent: number; at: number }[][] = writers.map(() => []);
    const writes = writers.map(async (wc, w) => {
      for (let i = 0; !stopWrites; i++) {
        const sent = Date.now();
        try {
          await wc.resource(ConfigMaps).create(ConfigMap.fromPartial({ metadata: { name: `failover-${w}-${i}`, namespace: 'default' }, data: { n: String(i) } }));
          acked[w].push({ sent, at: Date.now() });
        } catch {
          await sleep(100);
        }
      }
    });
    // The Leases, every 250 ms: the old leader's last renewal, and the new holder.
    const leases = ['kube-controller-manager', 'kube-scheduler'];
    const lastRenew = new Map<string, number>();
    const taken = new Map<string, number>();
    const watching = (async () => {
      while (taken.size < leases.length && !stopWrites) {
        await Promise.all(leases.map(async (l) => {
          const spec = (await c.leases.get(l, 'kube-system').catch(() => undefined))?.spec;
          const node = spec?.holderIdentity.split('_')[0];
          if (node === leader) lastRenew.set(l, Date.parse(spec!.renewTime ?? ''));
          else if (node && !taken.has(l)) taken.set(l, Date.parse(spec!.acquireTime ?? ''));
        }));
        await sleep(250);
      }
    })();
    await sleep(10_000);
    const killedAt = Date.now();
    await run('docker', ['kill', leader]);
    process.stdout.write(`killed ${leader} (holding the kube-controller-manager and kube-scheduler Leases)\n`);
    await until('new holders of both Leases', async () => (taken.size === leases.length ? true : undefined), 180_000);
    await watching;
    const downMs = await until('haproxy to mark the dead apiserver DOWN', async () => {
      const { stdout } = await run('docker', ['logs', '--timestamps', lb], { maxBuffer: 64 << 20 });
      // The first DOWN after the kill (servers start DOWN while the nodes come up).
      const at = stdout.split('\n')
        .filter((l) => new RegExp(`kube-apiservers-grpc/${leader} is (going )?DOWN`).test(l))
        .map((l) => Date.parse(l.split(' ')[0]))
        .find((t) => t >= killedAt);
      return at === undefined ? undefined : at - killedAt;
    }, 120_000);
    await sleep(10_000);
    stopWrites = true;
    await Promise.all(writes);
    // Per connection: the first write sent after the kill to be acknowledged, and the longest gap
    // between acknowledged writes from 5 s before the kill; the worst connection is reported.
    const resumed = Math.max(...acked.map((a) => {
      const first = a.find((w) => w.sent >= killedAt);
      if (!first) throw new Error('a connection had no write acknowledged after the kill');
      return first.at - killedAt;
    }));
    const gap = Math.max(...acked.map((a) => {
      const around = a.filter((w) => w.at >= killedAt - 5000).map((w) => w.at);
      return Math.max(...around.slice(1).map((t, i) => t - around[i]));
    }));
    const steadyRate = acked.flat().filter((w) => w.at < killedAt && w.at >= killedAt - 10_000).length / 10;
    const loadAfter = load();
    const row = (l: string) => `| new ${l} leader (its Lease's acquireTime) | ${secs(taken.get(l)! - killedAt)} | ${secs(taken.get(l)! - lastRenew.get(l)!)} | within the lease duration, ${secs(LEASE_DURATION_MS)}, plus 5 s |`;
    const md = [
      `examples/kind-ha.yaml (3 control-plane nodes, 1 worker, etcd store); the node holding the kube-controller-manager and kube-scheduler Leases killed (\`docker kill\`) under a steady write load through the kubeconfig (${WRITERS} connections through the load balancer, one ConfigMap create at a time each, ${steadyRate.toFixed(1)} writes/s together before the kill). Measured on a loaded shared machine: load average ${loadBefore} before, ${loadAfter} after (1, 5, 15 min).`,
      '',
      '| | from the kill | from the old leader\'s last renewal | target |',
      '|---|---|---|---|',
      ...leases.map(row),
      `| the first write sent after the kill acknowledged (slowest connection) | ${secs(resumed)} | | writes resume within 5 s |`,
      `| longest gap between acknowledged writes of one connection | ${secs(gap)} | | |`,
      `| haproxy marks the dead apiserver DOWN | ${secs(downMs)} | | |`,
      '',
      'A candidate takes a Lease over once it has seen no renewal for the lease duration (15 s) and then tries every retry period (2 s, jittered up to 4.4 s), as client-go: the new leader comes 15 to ~19 s after the old one\'s last renewal, which was up to 2 s before the kill.',
    ].join('\n');
    process.stdout.write(`${md}\n`);
    writeBenchmarkSection('bench:failover', 'npm run bench:failover', md);
  } finally {
    stopWrites = true;
    for (const cl of clients) cl.close();
    await kite(['delete', 'cluster', '--name', name, '--kubeconfig', kubeconfig]).catch((err: Error) => process.stderr.write(`bench:failover: delete cluster: ${err.message}\n`));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench:failover: ${err.message}\n`);
  process.exit(1);
});
