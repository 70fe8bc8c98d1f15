// bench:api: creates and updates through the apiserver's gRPC API (the apiserver as its own
// process, as in a cluster) beside raw writes of the same objects to the same kind of store
// (SQLite, etcd) in this run, with 1 and 16 concurrent clients; then a fixed 200 writes/s with
// its latency. Throughput is reported as a ratio of the raw floor.
//   npm run bench:api
//   KITE_BENCH_BACKENDS=sqlite KITE_BENCH_OPS=500 npm run bench:api
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clientset } from '../lib/client/clientset';
import { Pod } from '../lib/gen/kite/core/v1/types';
import { defaultPod, DEFAULT_DEFAULTING } from '../services/apiserver/admission/defaults';
import { EtcdStorage } from '../services/apiserver/storage/etcd';
import type { Storage } from '../services/apiserver/storage/interface';
import { SqliteStorage } from '../services/apiserver/storage/sqlite';
import { startEtcd, type TestEtcd } from '../test/support/etcd';
import { freePort, startProgram, stopProgram } from './lib/processes';
import { writeBenchmarkSection } from './lib/report';
import { fmt, percentile } from './lib/stats';

type Backend = 'sqlite' | 'etcd';
const BACKENDS = (process.env.KITE_BENCH_BACKENDS ?? 'sqlite,etcd').split(',') as Backend[];
/** Writes per phase with 16 clients (a quarter of it with one client). */
const OPS = Number(process.env.KITE_BENCH_OPS ?? 2000);
const CLIENTS = [1, 16];
const FIXED_RATE = 200;
const FIXED_SECONDS = Number(process.env.KITE_BENCH_FIXED_SECONDS ?? 10);

interface Phase {
  ops: number;
  seconds: number;
  latenciesMs: number[];
  /** CPU time of the process doing the writes (the apiserver, or this one for raw), per write. */
  cpuMsPerOp?: number;
}

const rate = (p: Phase) => p.ops / p.seconds;

/** CPU time (user + system) a process has used so far, in ms (Linux /proc; 100 ticks/s). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Runs a phase and records the CPU the writing process used for it. */
async function measured(pid: number, run: () => Promise<Phase>): Promise<Phase> {
  const before = processCpuMs(pid);
  const phase = await run();
  return { ...phase, cpuMsPerOp: (processCpuMs(pid) - before) / phase.ops };
}

/** Runs op(i) for i in [0, ops) with `clients` callers, each waiting for its previous call. */
async function closedLoop(ops: number, clients: number, op: (i: number) => Promise<void>): Promise<Phase> {
  const latenciesMs: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < ops) {
        const i = next++;
        const t = performance.now();
        await op(i);
        latenciesMs.push(performance.now() - t);
      }
    }),
  );
  return { ops, seconds: (performance.now() - start) / 1000, latenciesMs };
}

/** Starts op(i) at a fixed rate regardless of completions (open loop), for `seconds`. */
async function openLoop(perSecond: number, seconds: number, op: (i: number) => Promise<void>): Promise<Phase> {
  const total = Math.round(perSecond * seconds);
  const latenciesMs: number[] = [];
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
  return { ops: total, seconds: (performance.now() - start) / 1000, latenciesMs };
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

interface Row {
  backend: Backend;
  workload: 'create' | 'update';
  clients: number;
  raw: Phase;
  api: Phase;
}

async function rawPhases(storage: Storage, backend: Backend): Promise<Map<string, Phase>> {
  const out = new Map<string, Phase>();
  for (const clients of CLIENTS) {
    const ops = clients === 1 ? OPS / 4 : OPS;
    const run = `raw${clients}`;
    const revs: number[] = [];
    out.set(`create/${clients}`, await measured(process.pid, () => closedLoop(ops, clients, async (i) => {
      revs[i] = (await storage.create(`/registry/pods/default/${run}-${i}`, storedBytes(benchPod(run, i), 0))).modRevision;
    })));
    out.set(`update/${clients}`, await measured(process.pid, () => closedLoop(ops, clients, async (i) => {
      revs[i] = (await storage.update(`/registry/pods/default/${run}-${i}`, storedBytes(benchPod(run, i), 1), revs[i])).modRevision;
    })));
    process.stderr.write(`  raw ${backend} ${clients} client(s) done\n`);
  }
  return out;
}

async function apiPhases(clientsets: Clientset[], backend: Backend, serverPid: number): Promise<Map<string, Phase>> {
  const out = new Map<string, Phase>();
  for (const clients of CLIENTS) {
    const ops = clients === 1 ? OPS / 4 : OPS;
    const run = `api${clients}`;
    const pods: Pod[] = [];
    const cs = (i: number) => clientsets[i % clientsets.length];
    out.set(`create/${clients}`, await measured(serverPid, () => closedLoop(ops, clients, async (i) => {
      pods[i] = await cs(i).pods.create(benchPod(run, i));
    })));
    out.set(`update/${clients}`, await measured(serverPid, () => closedLoop(ops, clients, async (i) => {
      const p = pods[i];
      p.metadata!.annotations = { gen: '1' };
      pods[i] = await cs(i).pods.update(p);
    })));
    process.stderr.write(`  api ${backend} ${clients} client(s) done\n`);
  }
  return out;
}

async function withStorage<T>(backend: Backend, etcd: TestEtcd | undefined, fn: (s: Storage) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'kite-bench-raw-'));
  const storage = backend === 'sqlite' ? new SqliteStorage({ path: join(dir, 'kite.db') }) : new EtcdStorage({ endpoints: [etcd!.endpoint] });
  try {
    return await fn(storage);
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchBackend(backend: Backend): Promise<{ rows: Row[]; fixed: { raw: Phase; api: Phase } }> {
  process.stderr.write(`${backend}:\n`);
  // etcd on disk (not tmpfs): it pays its fsyncs as SQLite does. A fresh etcd for the raw floor and
  // another for the API, so neither run starts with the other's data.
  const rawEtcd = backend === 'etcd' ? await startEtcd({ tmpfs: false }) : undefined;
  let raw: Map<string, Phase>;
  let rawFixed: Phase;
  try {
    [raw, rawFixed] = await withStorage(backend, rawEtcd, async (s) => {
      const phases = await rawPhases(s, backend);
      const revs: number[] = [];
      const fixed = await openLoop(FIXED_RATE, FIXED_SECONDS, async (i) => {
        revs[i] = (await s.create(`/registry/pods/default/fixed-${i}`, storedBytes(benchPod('fixed', i), 0))).modRevision;
      });
      return [phases, fixed] as const;
    });
  } finally {
    await rawEtcd?.stop();
  }

  const apiEtcd = backend === 'etcd' ? await startEtcd({ tmpfs: false }) : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kite-bench-api-'));
  const port = await freePort();
  const storeArgs = backend === 'etcd' ? ['--store', 'etcd', '--etcd-endpoints', apiEtcd!.endpoint] : ['--data-dir', dir];
  const server = startProgram('kite-apiserver', ['--port', String(port), '--bind-address', '127.0.0.1', '--compaction-interval', '0', ...storeArgs]);
  const clientsets = Array.from({ length: 4 }, () => new Clientset({ address: `127.0.0.1:${port}`, tls: false, namespace: 'default', source: 'bench' }, { timeoutMs: 60_000 }));
  try {
    await clientsets[0].waitForReady(30_000);
    await waitServing(clientsets[0]);
    const api = await apiPhases(clientsets, backend, server.pid!);
    const apiFixed = await openLoop(FIXED_RATE, FIXED_SECONDS, async (i) => {
      await clientsets[i % clientsets.length].pods.create(benchPod('fixed', i));
    });
    const rows: Row[] = [];
    for (const workload of ['create', 'update'] as const) {
      for (const clients of CLIENTS) rows.push({ backend, workload, clients, raw: raw.get(`${workload}/${clients}`)!, api: api.get(`${workload}/${clients}`)! });
    }
    return { rows, fixed: { raw: rawFixed, api: apiFixed } };
  } catch (err) {
    throw new Error(`${(err as Error).message}\napiserver stderr: ${server.stderrText()}`);
  } finally {
    clientsets.forEach((c) => c.close());
    await stopProgram(server);
    await apiEtcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
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

const ms = (p: Phase, q: number) => fmt(percentile(p.latenciesMs, q), 1);

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
    '| store | workload | clients | raw writes/s | API writes/s | API / raw | raw p50 / p99 ms | API p50 / p99 ms | CPU ms per write: raw / apiserver |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) =>
      `| ${r.backend} | ${r.workload} | ${r.clients} | ${fmt(rate(r.raw), 0)} | ${fmt(rate(r.api), 0)} | ${fmt(rate(r.api) / rate(r.raw), 2)} | ${ms(r.raw, 50)} / ${ms(r.raw, 99)} | ${ms(r.api, 50)} / ${ms(r.api, 99)} | ${fmt(r.raw.cpuMsPerOp!, 2)} / ${fmt(r.api.cpuMsPerOp!, 2)} |`,
    ),
  ].join('\n');
  const fixedTable = [
    `| store | target | API achieved writes/s | API p50 ms | API p99 ms | raw p50 / p99 ms | target p99 < 50 ms |`,
    '|---|---|---|---|---|---|---|',
    ...fixed.map((f) =>
      `| ${f.backend} | ${FIXED_RATE}/s for ${FIXED_SECONDS} s | ${fmt(rate(f.api), 0)} | ${ms(f.api, 50)} | ${ms(f.api, 99)} | ${ms(f.raw, 50)} / ${ms(f.raw, 99)} | ${percentile(f.api.latenciesMs, 99) < 50 ? 'met' : 'missed'} |`,
    ),
  ].join('\n');
  const text = `Pod creates, then updates of the same pods (PUT with resourceVersion), through gRPC to the apiserver
running as its own process (validation, defaulting, storage, watch cache), beside raw \`Storage\`
writes of the same encoded pods in this process, on the same store kind: SQLite (WAL,
synchronous=FULL) and etcd on disk. "clients" = concurrent callers, each waiting for its reply.
${OPS / 4} writes per phase with 1 client, ${OPS} with 16. Target: API >= 50% of raw with 16 clients.
The raw floor batches the writes of one event-loop turn into one SQLite commit; CPU per write is
the writing process's (this one for raw, the apiserver's for API; the API clients run here).
Load average when the run started: ${load.toFixed(1)} on ${cpus().length} cores (shared machine).

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
