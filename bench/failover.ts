// bench:failover: issue 18's figures for a highly available cluster. In one run it creates a
// single-control-plane cluster on the etcd store (`kite create cluster --store etcd`) and measures
// its write throughput (ConfigMap creates by 8 connections through the kubeconfig, each waiting
// for its previous write, for 15 s, once every kube-system pod is ready and 10 s more; then again
// with its node container limited to KITE_BENCH_NODE_CPUS, default 0.4), deletes
// it, then creates an HA cluster from
// examples/kind-ha.yaml (three control-plane nodes behind the <cluster>-external-load-balancer
// haproxy, one worker) and measures the same write throughput through its load balancer (with
// the nodes sharing the machine, then with each node limited to the same CPU: a machine of its
// own). It moves the kube-controller-manager and kube-scheduler Leases to the etcd leader's node
// (the members' etcd_server_is_leader metric) and, under a
// steady write load (6 connections, one ConfigMap create at a time each, every call with a 5 s
// deadline), kills that node (`docker kill`: a crash, so nothing on it releases its Leases) and, right
// after, creates a pod and scales a ReplicaSet up by one (both retried while the load balancer
// fails over). It prints, from the kill: the new leaders' Leases' acquireTime (also from the old
// leader's last renewal); the new scheduler leader binding the pod (spec.nodeName seen); the new
// controller-manager leader creating the ReplicaSet's second pod; every connection having a write
// sent once `docker kill` returned acknowledged (the slowest connection's failed calls are
// printed: when, and with what error); the longest gap between one connection's acknowledged writes;
// haproxy marking the dead apiserver DOWN (its log's timestamps); and the HA cluster's writes/s
// over the single one's, each against its target (bench/lib/failover-figures.ts), with the CPU
// each program of either cluster spent per write in its throughput phase (bench/lib/cluster-cpu.ts). The load average
// labels the figures. Each cluster is deleted when its part ends, also on failure or an interrupt.
//   npm run bench:failover
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import './lib/own-config';
import { isAlreadyExists } from '../lib/api/errors';
import { ConfigMaps } from '../lib/api/kinds';
import { connect } from '../lib/client/clientset';
import { NO_RETRY } from '../lib/client/retry';
import { ReplicaSet } from '../lib/gen/kite/apps/v1/types';
import { ConfigMap, Pod, PodSpec } from '../lib/gen/kite/core/v1/types';
import { ETCD_METRICS_URL } from '../services/kite/etcd-cluster';
import { LOAD_BALANCER_ROLE } from '../services/kite/load-balancer';
import { CLUSTER_LABEL, ROLE_LABEL } from '../services/kite/nodes';
import { clusterContainerIds, cpuByProgram, sampleCpu } from './lib/cluster-cpu';
import { LEADER_ACTS_TARGET_MS, secs, throughputRatio, verdictCell, within, WRITES_RESUME_TARGET_MS, type Verdict } from './lib/failover-figures';
import { writeBenchmarkSection } from './lib/report';

const run = promisify(execFile);
const REPO = join(__dirname, '..');
const WRITERS = 6;
const THROUGHPUT_CONNECTIONS = 8;
const THROUGHPUT_SECONDS = 15;
const SETTLE_MS = 10_000;
/**
 * The CPU each node container may use in the second throughput phase of either cluster, as if
 * each node were a machine of its own (the nested containers are cgroups under their node's).
 */
const NODE_CPUS = Number(process.env.KITE_BENCH_NODE_CPUS ?? 0.4);
/** cgroup v1's CFS period; a node's quota is NODE_CPUS of it. */
const CFS_PERIOD_US = 100_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((l) => l.toFixed(1)).join(', ');
const kite = (args: string[]) => run('node', [join(REPO, 'bin', 'kite'), ...args], { cwd: REPO, maxBuffer: 64 << 20 });
const client = (kubeconfig: string, userAgent: string) => connect({ kubeconfig, userAgent, timeoutMs: 5000, retry: NO_RETRY });
const configMap = (name: string, n: number) => ConfigMap.fromPartial({ metadata: { name, namespace: 'default' }, data: { n: String(n) } });
const sleeper = (): PodSpec => PodSpec.fromPartial({ containers: [{ name: 'sleep', image: 'kite/busybox:1', command: ['sleep', '3600'] }], terminationGracePeriodSeconds: 0 });

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

/** The clusters alive now, deleted on an interrupt. */
const live = new Map<string, string>();
const deleteCluster = async (name: string) => {
  await kite(['delete', 'cluster', '--name', name, '--kubeconfig', live.get(name)!]).catch((err: Error) => process.stderr.write(`bench:failover: delete cluster ${name}: ${err.message}\n`));
  live.delete(name);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void Promise.all([...live.keys()].map(deleteCluster)).then(() => process.exit(130)));
}

/** Creates a cluster (its kubeconfig in a directory of its own), runs `fn` on it, deletes it whatever happens. */
async function withCluster<T>(name: string, createArgs: string[], fn: (kubeconfig: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'kite-bench-failover-'));
  const kubeconfig = join(dir, 'config');
  live.set(name, kubeconfig);
  try {
    await kite(['create', 'cluster', ...createArgs, '--name', name, '--kubeconfig', kubeconfig, '--wait', '5m']);
    return await fn(kubeconfig);
  } finally {
    // KITE_BENCH_EXPORT_LOGS=DIR keeps each cluster's logs (`kite export logs DIR/<cluster>`) to read after the run.
    const logs = process.env.KITE_BENCH_EXPORT_LOGS;
    if (logs) await kite(['export', 'logs', '--name', name, join(logs, name)]).catch((err: Error) => process.stderr.write(`bench:failover: export logs of ${name}: ${err.message}\n`));
    await deleteCluster(name);
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Throughput {
  perSecond: number;
  /** CPU milliseconds per acknowledged write by program of the cluster, and of this process's clients ("bench clients"). */
  cpuPerWrite: Map<string, number>;
}

/** A cluster's write throughput with its nodes sharing the machine's cores, and with each node limited to NODE_CPUS. */
interface Throughputs {
  shared: Throughput;
  perNode: Throughput;
}

/**
 * Sets the CFS quota of every node container of `cluster` (not its load balancer) to `cpus`, or
 * lifts it (undefined). The containers a node's engine runs are cgroups nested under the node's
 * (deploy/images/node/entrypoint.sh), so the quota covers its static pods and pods too.
 */
async function limitNodes(cluster: string, cpus: number | undefined): Promise<void> {
  const { stdout } = await run('docker', ['ps', '--filter', `label=${CLUSTER_LABEL}=${cluster}`, '--format', `{{.Names}}\t{{.Label "${ROLE_LABEL}"}}`]);
  const nodes = stdout.split('\n').filter(Boolean).map((l) => l.split('\t')).filter(([, role]) => role !== LOAD_BALANCER_ROLE).map(([name]) => name);
  const quota = cpus === undefined ? -1 : Math.round(cpus * CFS_PERIOD_US);
  await Promise.all(nodes.map((n) => run('docker', ['update', '--cpu-period', String(CFS_PERIOD_US), '--cpu-quota', String(quota), n])));
}

/**
 * Acknowledged ConfigMap creates per second: `connections` clients, each waiting for its previous
 * write, for `seconds`; and the CPU each program of `cluster` (and this process) spent meanwhile;
 * first with the nodes sharing the machine, then with each limited to NODE_CPUS.
 */
async function writeThroughput(kubeconfig: string, cluster: string, label: string, connections: number, seconds: number): Promise<Throughputs> {
  const cs = Array.from({ length: connections }, (_, i) => client(kubeconfig, `bench-failover-${label}-${i}`));
  try {
    // Both clusters as they are at rest: every kube-system pod (the static pods, kube-proxy, DNS)
    // ready and SETTLE_MS more, so no component still starting counts against either cluster.
    await until('every kube-system pod ready', async () => {
      const pods = (await cs[0].pods.list({ namespace: 'kube-system' })).items;
      return pods.length > 0 && pods.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ? true : undefined;
    }, 300_000);
    await sleep(SETTLE_MS);
    // One write each first, so the connections are up before the clock starts.
    await Promise.all(cs.map((c, i) => c.resource(ConfigMaps).create(configMap(`throughput-${label}-${i}`, 0))));
    const containers = await clusterContainerIds(cluster);
    const phase = async (name: string): Promise<Throughput> => {
      const cpuBefore = sampleCpu(containers);
      const ownBefore = process.cpuUsage();
      let acked = 0;
      const start = Date.now();
      await Promise.all(cs.map(async (c, i) => {
        for (let j = 1; Date.now() < start + seconds * 1000; j++) {
          await c.resource(ConfigMaps).create(configMap(`throughput-${label}-${name}-${i}-${j}`, j));
          acked++;
        }
      }));
      const elapsed = (Date.now() - start) / 1000;
      const own = process.cpuUsage(ownBefore);
      const cpuPerWrite = new Map(cpuByProgram(cpuBefore, sampleCpu(containers)).map(([program, s]) => [program, (s * 1000) / acked]));
      cpuPerWrite.set('bench clients', (own.user + own.system) / 1000 / acked);
      return { perSecond: acked / elapsed, cpuPerWrite };
    };
    const shared = await phase('shared');
    await limitNodes(cluster, NODE_CPUS);
    try {
      await sleep(2000);
      return { shared, perNode: await phase('per-node') };
    } finally {
      await limitNodes(cluster, undefined);
    }
  } finally {
    for (const c of cs) c.close();
  }
}

/** The control-plane node whose etcd member leads (its etcd_server_is_leader metric), if one answers. */
async function etcdLeader(cluster: string): Promise<string | undefined> {
  const { stdout } = await run('docker', ['ps', '--filter', `label=${CLUSTER_LABEL}=${cluster}`, '--filter', `label=${ROLE_LABEL}=control-plane`, '--format', '{{.Names}}']);
  const script = `fetch('${ETCD_METRICS_URL}/metrics').then((r) => r.text()).then((t) => process.stdout.write(/^etcd_server_is_leader 1$/m.test(t) ? 'leader' : ''))`;
  for (const node of stdout.split('\n').filter(Boolean)) {
    const out = await run('docker', ['exec', node, 'node', '-e', script]).then((r) => r.stdout, () => '');
    if (out === 'leader') return node;
  }
  return undefined;
}

interface HaFigures {
  throughput: Throughputs;
  etcdLeader: string | undefined;
  killMs: number;
  steadyRate: number;
  killed: string;
  leaders: { lease: string; fromKill: number; fromRenewal: number }[];
  boundMs: number;
  replacementMs: number;
  resumedMs: number;
  /** The first write sent after the kill to be acknowledged, on any connection. */
  firstAckMs: number;
  gapMs: number;
  downMs: number;
}

async function haFailover(kubeconfig: string, cluster: string, lb: string): Promise<HaFigures> {
  const c = client(kubeconfig, 'bench-failover');
  const clients = [c];
  let stopWrites = false;
  try {
    /** A Lease's holder: its node (identities are <hostname>_<uuid>). */
    const holder = async (lease: string) => {
      const spec = (await c.leases.get(lease, 'kube-system')).spec;
      return spec?.holderIdentity ? { node: spec.holderIdentity.split('_')[0] } : undefined;
    };
    // Measured first, before the Leases are moved below (which restarts schedulers and controller-managers).
    const throughput = await writeThroughput(kubeconfig, cluster, 'ha', THROUGHPUT_CONNECTIONS, THROUGHPUT_SECONDS);
    // The worst case: the node killed holds both Leases and leads etcd too, so a write forwarded
    // to the etcd leader dies with it and the etcd cluster elects a leader while the load balancer
    // drops an apiserver. While a Lease is held elsewhere, its holder's container there is stopped
    // (it releases the Lease; its kubelet starts it again) until a candidate on that node wins.
    const leader = await until('an etcd leader', () => etcdLeader(cluster), 60_000);
    const moveLease = async (lease: string) => {
      let node = (await until(`a ${lease} leader`, () => holder(lease), 120_000)).node;
      for (let i = 0; i < 10 && node !== leader; i++) {
        const { stdout } = await run('docker', ['exec', node, 'docker', 'ps', '-q', '--filter', `name=kite_${lease}_`]);
        await run('docker', ['exec', node, 'docker', 'stop', ...stdout.split('\n').filter(Boolean)]);
        const previous = node;
        node = (await until(`another ${lease} leader`, async () => {
          const h = await holder(lease);
          return h && h.node !== previous ? h : undefined;
        }, 120_000)).node;
      }
      if (node !== leader) throw new Error(`the ${lease} Lease stayed off ${leader}`);
    };
    await moveLease('kube-controller-manager');
    await moveLease('kube-scheduler');

    // A ReplicaSet with one pod on the worker; the controller-manager's new leader creates its
    // second pod when it is scaled up after the kill.
    const rsLabels = { app: 'failover-replicas' };
    await c.replicaSets.create(ReplicaSet.fromPartial({
      metadata: { name: 'failover-replicas', namespace: 'default' },
      spec: { replicas: 1, selector: { matchLabels: rsLabels }, template: { metadata: { labels: rsLabels }, spec: sleeper() } },
    }));
    const replicaPods = async () => (await c.pods.list({ namespace: 'default', labelSelector: 'app=failover-replicas' })).items
      .filter((p) => p.metadata?.ownerReferences?.some((o) => o.kind === 'ReplicaSet' && o.name === 'failover-replicas'));
    await until('the ReplicaSet\'s pod bound', async () => ((await replicaPods()).some((p) => p.spec?.nodeName) ? true : undefined), 120_000);


    // The write load: WRITERS clients, each its own connection through the load balancer (a
    // distinct user agent is a distinct gRPC subchannel), which spreads them over the apiservers;
    // each creates one ConfigMap at a time. When each acknowledged write was sent and answered.
    const writers = Array.from({ length: WRITERS }, (_, w) => client(kubeconfig, `bench-failover-${w}`));
    clients.push(...writers);
    const acked: { sent: number; at: number }[][] = writers.map(() => []);
    // The failed calls, for the printed account of the slowest connection.
    const failed: { sent: number; at: number; error: string }[][] = writers.map(() => []);
    const writes = writers.map(async (wc, w) => {
      for (let i = 0; !stopWrites; i++) {
        const sent = Date.now();
        try {
          await wc.resource(ConfigMaps).create(configMap(`failover-${w}-${i}`, i));
          acked[w].push({ sent, at: Date.now() });
        } catch (err) {
          failed[w].push({ sent, at: Date.now(), error: (err as Error).message.split('\n')[0].slice(0, 160) });
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
    // The pod and the scale-up can only be acted on by the new leaders: the old one holds both
    // Leases until the kill, and nothing on its node runs after it.
    for (const l of leases) {
      const h = await holder(l);
      if (h?.node !== leader) throw new Error(`${l} is held by ${h?.node ?? 'nobody'}, not ${leader}, before the kill`);
    }
    const etcdLeaderNode = await etcdLeader(cluster);
    const killedAt = Date.now();
    await run('docker', ['kill', leader]);
    // Writes sent before `docker kill` returned may have been answered before the node died.
    const deadAt = Date.now();
    process.stdout.write(`killed ${leader} (holding the kube-controller-manager and kube-scheduler Leases; etcd leader: ${etcdLeaderNode ?? 'unknown'}) in ${deadAt - killedAt} ms\n`);
    const bound = (async () => {
      await until('the probe pod created', async () => {
        await c.pods.create(Pod.fromPartial({ metadata: { name: 'failover-probe', namespace: 'default' }, spec: sleeper() }))
          .catch((err: unknown) => { if (!isAlreadyExists(err)) throw err; });
        return true;
      }, 60_000);
      return until('the probe pod bound', async () => ((await c.pods.get('failover-probe', 'default')).spec?.nodeName ? Date.now() : undefined), 120_000);
    })();
    const replaced = (async () => {
      await until('the ReplicaSet scaled to 2', () => c.replicaSets.patch('failover-replicas', { spec: { replicas: 2 } }, { namespace: 'default' }), 60_000);
      return until('the ReplicaSet\'s second pod', async () => ((await replicaPods()).length >= 2 ? Date.now() : undefined), 120_000);
    })();
    await until('new holders of both Leases', async () => (taken.size === leases.length ? true : undefined), 180_000);
    await watching;
    const [boundAt, replacedAt] = await Promise.all([bound, replaced]);
    if (boundAt < taken.get('kube-scheduler')!) throw new Error('the probe pod was bound before a new kube-scheduler leader took the Lease');
    if (replacedAt < taken.get('kube-controller-manager')!) throw new Error('the second pod was created before a new kube-controller-manager leader took the Lease');
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
    // Per connection: the first write sent once `docker kill` returned to be acknowledged (from
    // the moment the kill was issued), and the longest gap between acknowledged writes from 5 s
    // before the kill; the worst connection is reported, and what its failed calls met printed.
    const resumed = acked.map((a) => {
      const first = a.find((w) => w.sent >= deadAt);
      if (!first) throw new Error('a connection had no write acknowledged after the kill');
      return first.at - killedAt;
    });
    const resumedMs = Math.max(...resumed);
    const slowest = resumed.indexOf(resumedMs);
    process.stdout.write(`slowest connection (${slowest}): first write after the kill acknowledged at ${secs(resumedMs)}; its failed calls after the kill:\n`);
    for (const f of failed[slowest].filter((x) => x.at >= killedAt)) {
      process.stdout.write(`  sent ${secs(f.sent - killedAt)}, failed ${secs(f.at - killedAt)}: ${f.error}\n`);
    }
    const gapMs = Math.max(...acked.map((a) => {
      const around = a.filter((w) => w.at >= killedAt - 5000).map((w) => w.at);
      return Math.max(...around.slice(1).map((t, i) => t - around[i]));
    }));
    return {
      throughput,
      etcdLeader: etcdLeaderNode,
      killMs: deadAt - killedAt,
      steadyRate: acked.flat().filter((w) => w.at < killedAt && w.at >= killedAt - 10_000).length / 10,
      killed: leader,
      leaders: leases.map((l) => ({ lease: l, fromKill: taken.get(l)! - killedAt, fromRenewal: taken.get(l)! - lastRenew.get(l)! })),
      boundMs: boundAt - killedAt,
      replacementMs: replacedAt - killedAt,
      resumedMs,
      firstAckMs: Math.min(...resumed),
      gapMs,
      downMs,
    };
  } finally {
    stopWrites = true;
    for (const cl of clients) cl.close();
  }
}

async function main(): Promise<void> {
  const loadBefore = load();
  const single = `failover-single-${process.pid}`;
  const singleRun = await withCluster(single, ['--store', 'etcd'], (kubeconfig) => writeThroughput(kubeconfig, single, 'single', THROUGHPUT_CONNECTIONS, THROUGHPUT_SECONDS));
  process.stdout.write(`single-control-plane etcd cluster: ${singleRun.shared.perSecond.toFixed(1)} writes/s, ${singleRun.perNode.perSecond.toFixed(1)} with its node limited to ${NODE_CPUS} CPU\n`);
  const ha = `failover-${process.pid}`;
  const f = await withCluster(ha, ['--config', join(REPO, 'examples', 'kind-ha.yaml')], (kubeconfig) => haFailover(kubeconfig, ha, `${ha}-external-load-balancer`));
  const columns = [singleRun.shared, f.throughput.shared, singleRun.perNode, f.throughput.perNode].map((t) => t.cpuPerWrite);
  const programs = [...new Set(columns.flatMap((c) => [...c.keys()]))]
    .map((p) => ({ p, ms: columns.map((c) => c.get(p) ?? 0) }))
    .filter((r) => r.ms.some((v) => v >= 0.01))
    .sort((a, b) => b.ms[1] - a.ms[1]);
  const totals = columns.map((_, i) => programs.reduce((sum, r) => sum + r.ms[i], 0));
  const sharedRatio = throughputRatio(f.throughput.shared.perSecond, singleRun.shared.perSecond);
  const perNodeRatio = throughputRatio(f.throughput.perNode.perSecond, singleRun.perNode.perSecond);
  const cpuMs = (v: number) => v.toFixed(2);
  const loadAfter = load();
  const row = (what: string, v: Verdict, fromRenewal = '') => `| ${what} | ${v.value} | ${fromRenewal} | ${verdictCell(v)} |`;
  const md = [
    `examples/kind-ha.yaml (3 control-plane nodes, 1 worker, etcd store); the node holding the kube-controller-manager and kube-scheduler Leases (${f.killed}; ${f.etcdLeader === f.killed ? 'also' : 'not'} the etcd leader${f.etcdLeader ? '' : ' as far as its metrics told'}) killed (\`docker kill\`, which returned after ${secs(f.killMs)}) under a steady write load through the kubeconfig (${WRITERS} connections through the load balancer, one ConfigMap create at a time each, ${f.steadyRate.toFixed(1)} writes/s together before the kill); right after the kill a pod is created and a one-pod ReplicaSet scaled to 2 through the kubeconfig (retried while the load balancer fails over). Write throughput: ${THROUGHPUT_CONNECTIONS} connections through the kubeconfig, each creating one ConfigMap at a time, for ${THROUGHPUT_SECONDS} s, once every kube-system pod is ready and ${SETTLE_MS / 1000} s more, against the HA cluster (before the kill) and against a single-control-plane \`kite create cluster --store etcd\` cluster created, measured and deleted earlier in the same run; in each cluster twice: with its nodes sharing the machine's ${cpus().length} cores, then with every node container limited to ${NODE_CPUS} CPU (\`docker update --cpu-quota\`, which covers the node's static pods and pods: a machine of its own for each node, as an HA control plane is deployed; the load balancer and this benchmark's clients unlimited). Load average ${loadBefore} before, ${loadAfter} after (1, 5, 15 min; the machine is shared: other work counts).`,
    '',
    '| | from the kill | from the old leader\'s last renewal | target |',
    '|---|---|---|---|',
    ...f.leaders.map((l) => row(`new ${l.lease} leader (its Lease's acquireTime)`, within(l.fromKill, LEADER_ACTS_TARGET_MS), secs(l.fromRenewal))),
    row('the new kube-scheduler leader binds a pod created after the kill (spec.nodeName seen)', within(f.boundMs, LEADER_ACTS_TARGET_MS)),
    row('the new kube-controller-manager leader creates the pod of a ReplicaSet scaled up after the kill', within(f.replacementMs, LEADER_ACTS_TARGET_MS)),
    row('the first write sent after `docker kill` returned acknowledged (slowest connection)', within(f.resumedMs, WRITES_RESUME_TARGET_MS)),
    `| the first write sent after \`docker kill\` returned acknowledged (fastest connection) | ${secs(f.firstAckMs)} | | |`,
    `| longest gap between acknowledged writes of one connection | ${secs(f.gapMs)} | | |`,
    `| haproxy marks the dead apiserver DOWN | ${secs(f.downMs)} | | |`,
    `| write throughput, HA over single-control-plane etcd, each node limited to ${NODE_CPUS} CPU (a machine of its own) | ${perNodeRatio.value} | | ${verdictCell(perNodeRatio)} |`,
    `| write throughput, HA over single-control-plane etcd, all nodes sharing the machine's ${cpus().length} cores | ${sharedRatio.value} | | ${verdictCell(sharedRatio)} |`,
    '',
    `CPU per acknowledged write during each throughput phase (ms; each program's processes in the cluster's containers, all nodes together, idle work included; "bench clients" is this benchmark's own ${THROUGHPUT_CONNECTIONS} connections):`,
    '',
    `| program | single, shared | HA, shared | single, ${NODE_CPUS} CPU per node | HA, ${NODE_CPUS} CPU per node |`,
    '|---|---|---|---|---|',
    ...programs.map((r) => `| ${r.p} | ${r.ms.map(cpuMs).join(' | ')} |`),
    `| total | ${totals.map(cpuMs).join(' | ')} |`,
    '',
    'What the HA cluster pays per write beside the single one: every etcd member appends, fsyncs and applies it (three etcd processes instead of one, talking peer TLS; the two thirds of the writes that reach a follower are forwarded to the leader), every apiserver decodes it into its watch cache (three instead of one), and each apiserver serves a third of the writes, so fewer of them share a read, a flush or an event-loop turn; three more nodes\' kubelets and kube-proxies, and haproxy with its checks, run beside. When every node has a machine of its own that work is spread over three of them, and the HA cluster\'s throughput is bounded by its busiest node (the etcd leader\'s); when all nodes share one machine\'s cores it is paid from the same CPU as the single cluster\'s, and the ratio is about the inverse of the CPU per write (the total row).',
    '',
    'The killed node holds both Leases and leads etcd (the benchmark moves the Leases to the etcd leader\'s node first): the worst case. A write that a follower handed to the dead etcd leader is lost with it, and its apiserver answers it Timeout at 90% of the client\'s 5 s deadline, so the slowest connection\'s first write comes at about that deadline plus its retry; the fastest connection\'s shows when the cluster took writes again.',
    '',
    'A candidate takes a Lease over once it has seen no renewal for the lease duration (15 s) and then tries every retry period (2 s, jittered up to 4.4 s), as client-go: the new leader comes 15 to ~19 s after the old one\'s last renewal, which was up to 2 s before the kill. The pod\'s binding and the second pod are seen by polling every 250 ms, so they are at most that late; both are checked to come after the new leader\'s acquireTime.',
  ].join('\n');
  process.stdout.write(`${md}\n`);
  writeBenchmarkSection('bench:failover', 'npm run bench:failover', md);
}

main().catch((err: Error) => {
  process.stderr.write(`bench:failover: ${err.message}\n`);
  process.exit(1);
});
