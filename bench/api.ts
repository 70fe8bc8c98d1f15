// bench:api: creates and updates through the apiserver's gRPC API (the apiserver as its own
// process, as in a cluster) beside raw writes of the same objects to the same kind of store
// (SQLite, etcd) in this run, with 1 and 16 concurrent clients; then a fixed 200 writes/s with
// its latency. Raw and API phases alternate over several rounds so both see the same machine
// load; throughput is the median over rounds, reported as a ratio of the raw floor. The
// apiserver's event-loop delay during its write phases comes from its own /metrics (prom-client's
// perf_hooks.monitorEventLoopDelay histogram, reset by each scrape).
//   npm run bench:api
//   KITE_BENCH_BACKENDS=sqlite KITE_BENCH_ROUNDS=1 npm run bench:api
import { mkdtempSync, rmSync } from 'node:fs';
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
import { closedLoop, processCpuMs, type Phase } from './lib/closed-loop';
import { freePort, startProgram, stopProgram } from './lib/processes';
import { writeBenchmarkSection } from './lib/report';
import { fmt, median, percentile } from './lib/stats';

type Backend = 'sqlite' | 'etcd';
type Workload = 'create' | 'update';
const BACKENDS = (process.env.KITE_BENCH_BACKENDS ?? 'sqlite,etcd').split(',') as Backend[];
const ROUNDS = Number(process.env.KITE_BENCH_ROUNDS ?? 3);
/** Writes per phase by number of concurrent clients. */
const OPS: Record<number, number> = { 1: 200, 16: 1000 };
const CLIENTS = [1, 16];
const FIXED_RATE = 200;
const FIXED_SECONDS = Number(process.env.KITE_BENCH_FIXED_SECONDS ?? 10);

const rate = (p: Phase) => p.ops / p.seconds;

/** Starts op(i) at a fixed rate regardless of completions (open loop), for `seconds`. */
async function openLoop(pid: number, perSecond: number, seconds: number, op: (i: number) => Promise<void>): Promise<Phase> {
  const total = Math.round(perSecond * seconds);
  const latenciesMs: number[] = [];
  const cpu = processCpuMs(pid);
  const start = performance.now();
  const calls: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // Latency from when the write was due, so a stalled sender shows up as latency too.
    calls.push(op(i).then(() => void latenciesMs.push(performance.now() - due)));
  }
  await Promise.all(calls);
  return { ops: total, seconds: (performance.now() - start) / 1000, latenciesMs, cpuMsPerOp: (processCpuMs(pid) - cpu) / total };
}

function benchPod(run: string, i: number): Pod {
  return Pod.fromPartial({
    metadata: { name: `${run}-${i}`, namespace: 'default', labels: { app: 'bench', run } },
    spec: { containers: [{ name: 'c', image: 'nginx:1.22', ports: [{ containerPort: 80 }], resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  });
}

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

/** Where the writes go: raw storage in this process, or the apiserver through gRPC. */
interface Target {
  pid: number;
  create(run: string, i: number): Promise<void>;
  update(run: string, i: number): Promise<void>;
}

function rawTarget(storage: Storage): Target {
  const revs = new Map<string, number>();
  const key = (run: string, i: number) => `/registry/pods/default/${run}-${i}`;
  return {
    pid: process.pid,
    async create(run, i) {
      revs.set(key(run, i), (await storage.create(key(run, i), storedBytes(benchPod(run, i), 0))).modRevision);
    },
    async update(run, i) {
      const k = key(run, i);
      revs.set(k, (await storage.update(k, storedBytes(benchPod(run, i), 1), revs.get(k)!)).modRevision);
    },
  };
}

function apiTarget(clientsets: Clientset[], pid: number): Target {
  const pods = new Map<string, Pod>();
  return {
    pid,
    async create(run, i) {
      pods.set(`${run}-${i}`, await clientsets[i % clientsets.length].pods.create(benchPod(run, i)));
    },
    async update(run, i) {
      const p = pods.get(`${run}-${i}`)!;
      p.metadata!.annotations = { gen: '1' };
      pods.set(`${run}-${i}`, await clientsets[i % clientsets.length].pods.update(p));
    },
  };
}

interface Row {
  backend: Backend;
  workload: Workload;
  clients: number;
  raw: Phase[];
  api: Phase[];
  /** The apiserver's event-loop delay during each API phase. */
  apiLoop: LoopDelay[];
}

interface LoopDelay {
  p99Ms: number;
  maxMs: number;
}

/** prom-client's monitorEventLoopDelay resolution: each sample is a timer interval of at least this. */
const LOOP_RESOLUTION_MS = 10;

/**
 * The apiserver's event-loop delay since the previous call: its /metrics gauges
 * (nodejs_eventloop_lag_{p99,max}_seconds) are read from a histogram each scrape resets. Its
 * samples are whole timer intervals: the delay is what exceeds the resolution.
 */
async function scrapeLoopDelay(metricsPort: number): Promise<LoopDelay> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  const text = await res.text();
  if (!res.ok) throw new Error(`apiserver /metrics: ${res.status} ${text}`);
  const gauge = (name: string): number => {
    const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
    if (!m) throw new Error(`apiserver /metrics has no ${name}`);
    return Math.max(0, Number(m[1]) * 1000 - LOOP_RESOLUTION_MS);
  };
  return { p99Ms: gauge('nodejs_eventloop_lag_p99_seconds'), maxMs: gauge('nodejs_eventloop_lag_max_seconds') };
}

/** Runs an API phase between two scrapes of the apiserver's event-loop delay. */
async function withLoopDelay(metricsPort: number, loop: LoopDelay[], phase: () => Promise<Phase>): Promise<Phase> {
  await scrapeLoopDelay(metricsPort);
  const result = await phase();
  loop.push(await scrapeLoopDelay(metricsPort));
  return result;
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
    const clientsets = Array.from({ length: 4 }, () => new Clientset({ address: `127.0.0.1:${port}`, tls: false, namespace: 'default', source: 'bench' }, { timeoutMs: 60_000 }));
    cleanups.push(() => clientsets.forEach((c) => c.close()));
    await clientsets[0].waitForReady(30_000).catch((err: Error) => {
      throw new Error(`${err.message}\napiserver stderr: ${server.stderrText()}`);
    });
    await waitServing(clientsets[0]);
    await ensureDefaultServiceAccounts(clientsets[0], ['default']);

    const targets = { raw: rawTarget(storage), api: apiTarget(clientsets, server.pid!) };
    const rows: Row[] = [];
    for (const workload of ['create', 'update'] as const) {
      for (const clients of CLIENTS) rows.push({ backend, workload, clients, raw: [], api: [], apiLoop: [] });
    }
    const row = (w: Workload, c: number) => rows.find((r) => r.workload === w && r.clients === c)!;
    for (let round = 0; round < ROUNDS; round++) {
      for (const clients of CLIENTS) {
        for (const kind of ['raw', 'api'] as const) {
          const t = targets[kind];
          const run = `r${round}c${clients}`;
          for (const workload of ['create', 'update'] as const) {
            const r = row(workload, clients);
            const phase = () => closedLoop(t.pid, OPS[clients], clients, (i) => t[workload](run, i));
            r[kind].push(kind === 'api' ? await withLoopDelay(metricsPort, r.apiLoop, phase) : await phase());
          }
        }
      }
      process.stderr.write(`  round ${round + 1}/${ROUNDS} done\n`);
    }
    const fixed = {
      raw: await openLoop(process.pid, FIXED_RATE, FIXED_SECONDS, (i) => targets.raw.create('fixed', i)),
      api: await openLoop(server.pid!, FIXED_RATE, FIXED_SECONDS, (i) => targets.api.create('fixed', i)),
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
/** Event-loop delay: the worst phase's p99 and the worst delay of all phases. */
const loopMs = (loop: LoopDelay[]) => `${fmt(Math.max(...loop.map((l) => l.p99Ms)), 1)} / ${fmt(Math.max(...loop.map((l) => l.maxMs)), 1)}`;

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
    '| store | workload | clients | raw writes/s | API writes/s | API / raw | raw p50 / p99 ms | API p50 / p99 ms | CPU ms per write: raw / apiserver | apiserver event-loop delay p99 / max ms |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) =>
      `| ${r.backend} | ${r.workload} | ${r.clients} | ${fmt(medianRate(r.raw), 0)} | ${fmt(medianRate(r.api), 0)} | ${fmt(medianRate(r.api) / medianRate(r.raw), 2)} | ${ms(r.raw, 50)} / ${ms(r.raw, 99)} | ${ms(r.api, 50)} / ${ms(r.api, 99)} | ${cpuMs(r.raw)} / ${cpuMs(r.api)} | ${loopMs(r.apiLoop)} |`,
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
alternate over ${ROUNDS} rounds: writes/s are medians over rounds, latencies pooled. CPU per write is
the writing process's (this one for raw, the apiserver's for API, all its threads: SQLite commits
run on its writer thread; the API clients run here). Event-loop delay: the apiserver's own
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
