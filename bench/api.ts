// bench:api: creates and updates through the apiserver's gRPC API (the apiserver as its own
// process, as in a cluster) beside raw writes of the same objects to the same kind of store
// (SQLite, etcd) in this run, with 1 and 16 concurrent clients; then a fixed 200 writes/s with
// its latency. The API clients run in client processes of their own (bench/lib/api-client-worker.ts),
// so their CPU is measured apart; the raw writes run in this process. Raw and API phases alternate
// over several rounds so both see the same machine load; throughput is the median over rounds,
// reported as a ratio of the raw floor. From the apiserver's own /metrics around each API phase:
// its CPU per write (process_cpu_seconds_total, all threads) and its event-loop delay (prom-client's
// perf_hooks.monitorEventLoopDelay histogram, reset by each scrape); from /proc, its JavaScript
// thread's idle share of the phase.
//   npm run bench:api
//   KITE_BENCH_BACKENDS=sqlite KITE_BENCH_ROUNDS=1 npm run bench:api
// A profile of the apiserver's writes with 16 clients (bench/cpu-profile.ts reads it):
//   KITE_BENCH_CPU_PROF=/tmp/prof KITE_BENCH_BACKENDS=sqlite KITE_BENCH_ROUNDS=1 KITE_BENCH_CLIENTS=16 \
//     KITE_BENCH_WRITES=2000 KITE_BENCH_FIXED_SECONDS=1 npm run bench:api
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clientset } from '../lib/client/clientset';
import { ensureDefaultServiceAccounts } from './lib/service-accounts';
import { Pod } from '../lib/gen/kite/core/v1/types';
import { defaultPod, DEFAULT_DEFAULTING } from '../services/apiserver/registry/defaults';
import { EtcdStorage } from '../services/apiserver/storage/etcd';
import type { Storage } from '../services/apiserver/storage/interface';
import { SqliteStorage } from '../services/apiserver/storage/sqlite';
import { startEtcd, type TestEtcd } from '../test/support/etcd';
import { benchPod, type ClientCommand, type ClientReply, type Workload } from './lib/api-client-worker';
import { scrapeMetrics } from './lib/apiserver-metrics';
import { closedLoop, openLoop, type Phase } from './lib/closed-loop';
import { forkWorker, freePort, startProgram, stopProgram, whileRunning } from './lib/processes';
import { writeBenchmarkSection } from './lib/report';
import { fmt, median, percentile } from './lib/stats';

type Backend = 'sqlite' | 'etcd';
const BACKENDS = (process.env.KITE_BENCH_BACKENDS ?? 'sqlite,etcd').split(',') as Backend[];
const ROUNDS = Number(process.env.KITE_BENCH_ROUNDS ?? 3);
/** Writes per phase by number of concurrent clients. */
const OPS: Record<number, number> = { 1: 200, 16: Number(process.env.KITE_BENCH_WRITES ?? 1000) };
/** The numbers of concurrent clients measured (1 and 16 unless KITE_BENCH_CLIENTS names one). */
const CLIENTS = (process.env.KITE_BENCH_CLIENTS ?? '1,16').split(',').map(Number);
if (CLIENTS.some((c) => !(c in OPS))) throw new Error(`KITE_BENCH_CLIENTS: each must be one of ${Object.keys(OPS).join(', ')}`);
const FIXED_RATE = 200;
const FIXED_SECONDS = Number(process.env.KITE_BENCH_FIXED_SECONDS ?? 10);
/** Client processes the API callers are spread over (16 clients: 4 callers each, one connection each). */
const CLIENT_PROCESSES = Number(process.env.KITE_BENCH_CLIENT_PROCESSES ?? 4);

const rate = (p: Phase) => p.ops / p.seconds;

/** The bytes the apiserver would store for a pod: defaulted, with server metadata. */
function storedBytes(pod: Pod, generation: number): Buffer {
  const p = Pod.fromPartial(pod);
  defaultPod(p, DEFAULT_DEFAULTING);
  p.metadata!.uid = '6f1d5c2e-0000-4000-8000-000000000000';
  p.metadata!.creationTimestamp = new Date().toISOString().slice(0, 19) + 'Z';
  p.metadata!.generation = 1;
  p.metadata!.annotations = { gen: String(generation) };
  p.status = Pod.fromPartial({ status: { phase: 'Pending', qosClass: 'Burstable' } }).status;
  return Buffer.from(Pod.encode(p).finish());
}

/** Raw storage writes of the bytes the apiserver would store, from this process. */
function rawTarget(storage: Storage): Record<Workload, (run: string, i: number) => Promise<void>> {
  const revs = new Map<string, number>();
  const key = (run: string, i: number) => `/registry/pods/default/${run}-${i}`;
  return {
    async create(run, i) {
      revs.set(key(run, i), (await storage.create(key(run, i), storedBytes(benchPod(run, i), 0))).modRevision);
    },
    async update(run, i) {
      const k = key(run, i);
      revs.set(k, (await storage.update(k, storedBytes(benchPod(run, i), 1), revs.get(k)!)).modRevision);
    },
  };
}

/** A client process: asks it for one thing at a time. */
type ClientProcess = (cmd: ClientCommand) => Promise<Phase | undefined>;

async function startClientProcess(address: string, cleanups: (() => Promise<void> | void)[]): Promise<ClientProcess> {
  const proc = forkWorker(join(__dirname, 'lib', 'api-client-worker.ts'));
  cleanups.push(() => stopProgram(proc));
  const next = () =>
    whileRunning(
      new Promise<Phase | undefined>((resolve, reject) =>
        proc.once('message', (r: ClientReply) => ('error' in r ? reject(new Error(`bench:api client process: ${r.error}`)) : resolve('phase' in r ? r.phase : undefined))),
      ),
    );
  await next();
  const ask: ClientProcess = (cmd) => {
    const reply = next();
    proc.send(cmd);
    return reply;
  };
  await ask({ cmd: 'start', address });
  return ask;
}

/** CPU time (user + system) of a process's main (JavaScript) thread so far, in ms (Linux /proc; 100 ticks/s). */
function mainThreadCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** An API phase: Phase's CPU is the apiserver's (all threads), with what the clients and its event loop did. */
interface ApiPhase extends Phase {
  /** The client processes' CPU per write. */
  clientCpuMsPerOp: number;
  /** 1 - the fraction of the phase the apiserver's JavaScript thread was on a core. */
  idleShare: number;
  loop: LoopDelay;
}

/**
 * `ops` creates or updates from `clients` callers spread over the client processes (the same
 * process writes index i in every phase with that many clients, so it updates what it created).
 */
async function apiPhase(procs: ClientProcess[], server: { pid: number; metricsPort: number }, workload: Workload, run: string, ops: number, clients: number): Promise<ApiPhase> {
  const used = procs.slice(0, Math.min(clients, procs.length));
  const before = await scrapeMetrics(server.metricsPort);
  const mainBefore = mainThreadCpuMs(server.pid);
  const start = performance.now();
  const phases = (await Promise.all(
    used.map((ask, k) =>
      ask({
        cmd: 'closed',
        workload,
        run,
        indices: Array.from({ length: ops }, (_, i) => i).filter((i) => i % used.length === k),
        clients: Math.floor(clients / used.length) + (k < clients % used.length ? 1 : 0),
      }),
    ),
  )) as Phase[];
  const seconds = (performance.now() - start) / 1000;
  const idleShare = Math.max(0, 1 - (mainThreadCpuMs(server.pid) - mainBefore) / 1000 / seconds);
  const after = await scrapeMetrics(server.metricsPort);
  return {
    ops,
    seconds,
    latenciesMs: phases.flatMap((p) => p.latenciesMs),
    cpuMsPerOp: ((after.process_cpu_seconds_total - before.process_cpu_seconds_total) * 1000) / ops,
    clientCpuMsPerOp: phases.reduce((sum, p) => sum + p.cpuMsPerOp * p.ops, 0) / ops,
    idleShare,
    loop: loopDelay(after),
  };
}

interface Row {
  backend: Backend;
  workload: Workload;
  clients: number;
  raw: Phase[];
  api: ApiPhase[];
}

interface LoopDelay {
  p99Ms: number;
  maxMs: number;
}

/** prom-client's monitorEventLoopDelay resolution: each sample is a timer interval of at least this. */
const LOOP_RESOLUTION_MS = 10;

/**
 * The apiserver's event-loop delay since its previous scrape: its /metrics gauges
 * (nodejs_eventloop_lag_{p99,max}_seconds) are read from a histogram each scrape resets. Its
 * samples are whole timer intervals: the delay is what exceeds the resolution.
 */
function loopDelay(metrics: Record<string, number>): LoopDelay {
  const gauge = (name: string): number => {
    if (!(name in metrics)) throw new Error(`apiserver /metrics has no ${name}`);
    return Math.max(0, metrics[name] * 1000 - LOOP_RESOLUTION_MS);
  };
  return { p99Ms: gauge('nodejs_eventloop_lag_p99_seconds'), maxMs: gauge('nodejs_eventloop_lag_max_seconds') };
}

async function waitServing(c: Clientset): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await c.namespaces.get('default');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function benchBackend(backend: Backend): Promise<{ rows: Row[]; fixed: { raw: Phase; api: Phase } }> {
  process.stderr.write(`${backend}:\n`);
  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    // etcd on disk (not tmpfs): it pays its fsyncs as SQLite does. One etcd for the raw floor
    // and another for the apiserver, so neither sees the other's data.
    const etcds: TestEtcd[] = [];
    if (backend === 'etcd') {
      for (let i = 0; i < 2; i++) {
        const e = await startEtcd({ tmpfs: false });
        cleanups.push(() => e.stop());
        etcds.push(e);
      }
    }
    const rawDir = mkdtempSync(join(tmpdir(), 'kite-bench-raw-'));
    const apiDir = mkdtempSync(join(tmpdir(), 'kite-bench-api-'));
    cleanups.push(() => rmSync(rawDir, { recursive: true, force: true }), () => rmSync(apiDir, { recursive: true, force: true }));
    const storage = backend === 'sqlite' ? new SqliteStorage({ path: join(rawDir, 'kite.db') }) : new EtcdStorage({ endpoints: [etcds[0].endpoint] });
    cleanups.push(() => storage.close());

    const port = await freePort();
    const metricsPort = await freePort();
    const storeArgs = backend === 'etcd' ? ['--store', 'etcd', '--etcd-endpoints', etcds[1].endpoint] : ['--data-dir', apiDir];
    const server = startProgram('kite-apiserver', ['--port', String(port), '--bind-address', '127.0.0.1', '--compaction-interval', '0', '--metrics-port', String(metricsPort), ...storeArgs]);
    cleanups.push(() => stopProgram(server));
    const client = new Clientset({ address: `127.0.0.1:${port}`, tls: false, namespace: 'default', source: 'bench' }, { timeoutMs: 60_000 });
    cleanups.push(() => client.close());
    await whileRunning(client.waitForReady(30_000));
    await whileRunning(waitServing(client));
    await ensureDefaultServiceAccounts(client, ['default']);
    const procs: ClientProcess[] = [];
    for (let k = 0; k < CLIENT_PROCESSES; k++) procs.push(await startClientProcess(`127.0.0.1:${port}`, cleanups));

    const raw = rawTarget(storage);
    const apiServer = { pid: server.pid!, metricsPort };
    const rows: Row[] = [];
    for (const workload of ['create', 'update'] as const) {
      for (const clients of CLIENTS) rows.push({ backend, workload, clients, raw: [], api: [] });
    }
    const row = (w: Workload, c: number) => rows.find((r) => r.workload === w && r.clients === c)!;
    for (let round = 0; round < ROUNDS; round++) {
      for (const clients of CLIENTS) {
        const run = `r${round}c${clients}`;
        for (const workload of ['create', 'update'] as const) {
          row(workload, clients).raw.push(await closedLoop(process.pid, OPS[clients], clients, (i) => raw[workload](run, i)));
        }
        for (const workload of ['create', 'update'] as const) {
          row(workload, clients).api.push(await apiPhase(procs, apiServer, workload, run, OPS[clients], clients));
        }
      }
      process.stderr.write(`  round ${round + 1}/${ROUNDS} done\n`);
    }
    const fixed = {
      raw: await openLoop(process.pid, FIXED_RATE, FIXED_SECONDS, (i) => raw.create('fixed', i)),
      api: (await procs[0]({ cmd: 'open', run: 'fixed', perSecond: FIXED_RATE, seconds: FIXED_SECONDS }))!,
    };
    return { rows, fixed };
  } finally {
    for (const c of cleanups.reverse()) await c();
  }
}

/** Median throughput over rounds. */
const medianRate = (phases: Phase[]) => median(phases.map(rate));
/** Latency percentile over every write of every round. */
const ms = (phases: Phase[], q: number) => fmt(percentile(phases.flatMap((p) => p.latenciesMs), q), 1);
const cpuMs = (phases: Phase[]) => fmt(median(phases.map((p) => p.cpuMsPerOp)), 2);
const clientCpuMs = (phases: ApiPhase[]) => fmt(median(phases.map((p) => p.clientCpuMsPerOp)), 2);
const idle = (phases: ApiPhase[]) => `${fmt(median(phases.map((p) => p.idleShare)) * 100, 0)}%`;
/** Event-loop delay: the worst phase's p99 and the worst delay of all phases. */
const loopMs = (phases: ApiPhase[]) => `${fmt(Math.max(...phases.map((p) => p.loop.p99Ms)), 1)} / ${fmt(Math.max(...phases.map((p) => p.loop.maxMs)), 1)}`;

async function main(): Promise<void> {
  const load = loadavg()[0];
  const rows: Row[] = [];
  const fixed: { backend: Backend; raw: Phase; api: Phase }[] = [];
  for (const backend of BACKENDS) {
    const r = await benchBackend(backend);
    rows.push(...r.rows);
    fixed.push({ backend, ...r.fixed });
  }
  const table = [
    '| store | workload | clients | raw writes/s | API writes/s | API / raw | raw p50 / p99 ms | API p50 / p99 ms | CPU ms per write: raw / apiserver / API clients | apiserver idle share | apiserver event-loop delay p99 / max ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) =>
      `| ${r.backend} | ${r.workload} | ${r.clients} | ${fmt(medianRate(r.raw), 0)} | ${fmt(medianRate(r.api), 0)} | ${fmt(medianRate(r.api) / medianRate(r.raw), 2)} | ${ms(r.raw, 50)} / ${ms(r.raw, 99)} | ${ms(r.api, 50)} / ${ms(r.api, 99)} | ${cpuMs(r.raw)} / ${cpuMs(r.api)} / ${clientCpuMs(r.api)} | ${idle(r.api)} | ${loopMs(r.api)} |`,
    ),
  ].join('\n');
  const fixedTable = [
    '| store | target | API achieved writes/s | API p50 ms | API p99 ms | raw p50 / p99 ms | target p99 < 50 ms |',
    '|---|---|---|---|---|---|---|',
    ...fixed.map((f) =>
      `| ${f.backend} | ${FIXED_RATE}/s for ${FIXED_SECONDS} s | ${fmt(rate(f.api), 0)} | ${ms([f.api], 50)} | ${ms([f.api], 99)} | ${ms([f.raw], 50)} / ${ms([f.raw], 99)} | ${percentile(f.api.latenciesMs, 99) < 50 ? 'met' : 'missed'} |`,
    ),
  ].join('\n');
  const text = `Pod creates, then updates of the same pods (PUT with resourceVersion), through gRPC to the apiserver
running as its own process (admission, storage, watch cache), beside raw \`Storage\` writes of the
same encoded pods from this process to a store of the same kind: SQLite (WAL, synchronous=FULL,
commits on a writer thread; the writes that arrive during a commit share the next) and etcd on disk. "clients" = concurrent callers,
each waiting for its reply; ${OPS[1]} writes per phase with 1 client, ${OPS[16]} with 16; raw and API phases
alternate over ${ROUNDS} rounds: writes/s are medians over rounds, latencies pooled. The API callers
run in ${CLIENT_PROCESSES} client processes of their own (16 clients: ${16 / CLIENT_PROCESSES} callers and one connection each; 1 client:
one process), the raw writes in this process: no client shares the apiserver's event loop, but all
share the machine's ${cpus().length} cores. CPU per write (medians over rounds): raw = this process's;
apiserver = its process_cpu_seconds_total (all threads: SQLite commits run on its writer thread)
from its /metrics before and after each API phase; API clients = the client processes' together.
Idle share = 1 - the fraction of the phase the apiserver's JavaScript thread was on a core
(/proc, median over rounds): near 0% the apiserver's JavaScript thread is the bottleneck; well above it, something else holds the rate back (the clients,
the commits, or the machine's other load: time spent waiting for a core counts as idle) and
API / raw understates the apiserver. Event-loop delay: the apiserver's own
perf_hooks.monitorEventLoopDelay (prom-client's, a timer every ${LOOP_RESOLUTION_MS} ms, its lateness counted)
over each API phase, read from its /metrics; the worst phase's p99 and the worst delay of all phases.
Targets: API >= 50% of raw with 16 clients; p99 < 50 ms at 200 writes/s; event-loop delay
p99 <= 5 ms and max <= 20 ms during the writes (issue 16).
Load average at the start / end of the run: ${load.toFixed(1)} / ${loadavg()[0].toFixed(1)} on ${cpus().length} cores (a shared machine: expect noise).

${table}

Fixed rate (open loop: latency counted from when each create was due):

${fixedTable}`;
  process.stdout.write(`\n${text}\n`);
  writeBenchmarkSection('bench:api', 'npm run bench:api', text);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:api failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
