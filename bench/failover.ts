// bench:failover: a highly available cluster from examples/kind-ha.yaml (three control-plane
// nodes behind the <cluster>-external-load-balancer haproxy, one worker), a steady write load
// through its kubeconfig (one ConfigMap created at a time, each call with a 5 s deadline), then
// the control-plane node holding the kube-controller-manager and kube-scheduler Leases killed (`docker kill`: a
// crash, so nothing on it releases its leases). It prints the time from the kill to the new
// kube-controller-manager and kube-scheduler leaders (the Leases' acquireTime, against the lease
// duration: Kubernetes' 15 s, renew deadline 10 s, retry period 2 s), to the first write sent
// after the kill being acknowledged, the longest gap between acknowledged writes around it, and the
// time until haproxy marks the dead apiserver DOWN (its log's timestamps); the load average
// labels the figures. The cluster is deleted at the end, also on failure.
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
  let client: ReturnType<typeof connect> | undefined;
  try {
    await kite(['create', 'cluster', '--config', join(REPO, 'examples', 'kind-ha.yaml'), '--name', name, '--kubeconfig', kubeconfig, '--wait', '5m']);
    client = connect({ kubeconfig, userAgent: 'bench-failover', timeoutMs: 5000, retry: NO_RETRY });
    const c = client;
    /** A Lease's holder: its node (identities are <hostname>_<uuid>) and acquire time. */
    const holder = async (lease: string) => {
      const spec = (await c.leases.get(lease, 'kube-system')).spec;
      return spec?.holderIdentity ? { node: spec.holderIdentity.split('_')[0], acquired: Date.parse(spec.acquireTime ?? '') } : undefined;
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

    // The write load: one create at a time; when each acknowledged one was sent and answered.
    const acked: { sent: number; at: number }[] = [];
    let n = 0;
    const writes = (async () => {
      while (!stopWrites) {
        const i = n++;
        const sent = Date.now();
        try {
          await c.resource(ConfigMaps).create(ConfigMap.fromPartial({ metadata: { name: `failover-${i}`, namespace: 'default' }, data: { n: String(i) } }));
          acked.push({ sent, at: Date.now() });
        } catch {
          await sleep(100);
        }
      }
    })();
    await sleep(10_000);
    const killedAt = Date.now();
    await run('docker', ['kill', leader]);
    process.stdout.write(`killed ${leader} (the kube-controller-manager leader; kube-scheduler leader ${schedulerLeader})\n`);

    const newLeader = async (lease: string) => {
      const h = await until(`a new ${lease} leader`, async () => {
        const x = await holder(lease);
        return x && x.node !== leader ? x : undefined;
      }, 180_000);
      return h.acquired - killedAt;
    };
    const [cmLeaderMs, schedLeaderMs] = await Promise.all([newLeader('kube-controller-manager'), newLeader('kube-scheduler')]);
    const downMs = await until('haproxy to mark the dead apiserver DOWN', async () => {
      const { stdout } = await run('docker', ['logs', '--timestamps', lb], { maxBuffer: 64 << 20 });
      const line = stdout.split('\n').find((l) => new RegExp(`kube-apiservers-grpc/${leader} is (going )?DOWN`).test(l));
      return line ? Date.parse(line.split(' ')[0]) - killedAt : undefined;
    }, 120_000);
    await sleep(10_000);
    stopWrites = true;
    await writes;
    const after = acked.filter((w) => w.sent >= killedAt);
    if (!after.length) throw new Error('no write sent after the kill was acknowledged');
    const around = acked.filter((w) => w.at >= killedAt - 5000).map((w) => w.at);
    const gap = Math.max(...around.slice(1).map((t, i) => t - around[i]));
    const steadyRate = acked.filter((w) => w.at < killedAt).length / 10;
    const loadAfter = load();
    const md = [
      `examples/kind-ha.yaml (3 control-plane nodes, 1 worker, etcd store); the node holding the kube-controller-manager Lease killed (\`docker kill\`) under a steady write load through the kubeconfig (one ConfigMap create at a time, ${steadyRate.toFixed(1)} writes/s before the kill). Measured on a loaded shared machine: load average ${loadBefore} before, ${loadAfter} after (1, 5, 15 min).`,
      '',
      '| from the kill to | time | target |',
      '|---|---|---|',
      `| new kube-controller-manager leader (Lease acquireTime) | ${secs(cmLeaderMs)} | within the lease duration, ${secs(LEASE_DURATION_MS)} |`,
      `| new kube-scheduler leader (Lease acquireTime) | ${secs(schedLeaderMs)} | within the lease duration, ${secs(LEASE_DURATION_MS)} |`,
      `| first write sent after the kill acknowledged | ${secs(after[0].at - killedAt)} | writes resume within 5 s |`,
      `| longest gap between acknowledged writes (from 5 s before the kill) | ${secs(gap)} | |`,
      `| haproxy marks the dead apiserver DOWN | ${secs(downMs)} | |`,
    ].join('\n');
    process.stdout.write(`${md}\n`);
    writeBenchmarkSection('bench:failover', 'npm run bench:failover', md);
  } finally {
    stopWrites = true;
    client?.close();
    await kite(['delete', 'cluster', '--name', name, '--kubeconfig', kubeconfig]).catch((err: Error) => process.stderr.write(`bench:failover: delete cluster: ${err.message}\n`));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench:failover: ${err.message}\n`);
  process.exit(1);
});
