// bench:watch: watch fan-out. The apiserver runs as its own process; 100, 1000 and 5000
// kubelet-style watchers (and 100 that see everything) are spread over client processes
// (bench/lib/watch-worker.ts) and connections; this process writes pod updates at a fixed rate,
// each carrying its send time, and the workers histogram delivery latency (receive - send). The
// apiserver's CPU per event comes from its /metrics; memory per watcher is its growth from 0 to
// the scenario's idle watchers.
//   npm run bench:watch
//   KITE_BENCH_WATCH_SCENARIOS=selective KITE_BENCH_WATCH_SECONDS=2 npm run bench:watch
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clientset } from '../lib/client/clientset';
import { ensureDefaultServiceAccounts } from './lib/service-accounts';
import { Pod } from '../lib/gen/kite/core/v1/types';
import { scrapeMetrics } from './lib/apiserver-metrics';
import { forkWorker, freePort, rssMiB, startProgram, stopProgram, whileRunning } from './lib/processes';
import { writeBenchmarkSection } from './lib/report';
import { fmt, median } from './lib/stats';
import { BUCKET_MS, BUCKETS, nowMs, SENT_AT, type WorkerReport, type WorkerStart } from './lib/watch-worker';

const WATCHERS = Number(process.env.KITE_BENCH_WATCHERS ?? 1000);
const RATE = Number(process.env.KITE_BENCH_WATCH_RATE ?? 200);
const ROUNDS = 3;
const ROUND_SECONDS = Number(process.env.KITE_BENCH_WATCH_SECONDS ?? 5);
/** Watchers that receive every event (200k deliveries/s at 1000 is beyond one core's worth of Node). */
const BROADCAST_WATCHERS = Number(process.env.KITE_BENCH_BROADCAST_WATCHERS ?? 100);
const WORKERS = 2;
const CONNECTIONS_PER_WORKER = 10;
/** The apiserver serves at most 100 concurrent streams per connection (as kube-apiserver's HTTP/2 default): more watchers take more connections. */
const STREAMS_PER_CONNECTION = 100;
const connectionsPerWorker = (watchers: number) => Math.max(CONNECTIONS_PER_WORKER, Math.ceil(watchers / WORKERS / (STREAMS_PER_CONNECTION - 10)));
const PODS = WATCHERS;

interface Scenario {
  name: 'selective' | 'broadcast';
  watchers: number;
  /** Pod updates per second. */
  rate: number;
  what: string;
  selector: (i: number) => { labelSelector?: string; fieldSelector?: string };
  /** Watchers each write reaches. */
  fanout: number;
}

/** Kubelet-style watcher counts: the apiserver's CPU per event must not grow with them (issue 16). */
const SELECTIVE_WATCHERS = [100, WATCHERS, Number(process.env.KITE_BENCH_MANY_WATCHERS ?? 5000)];

const SCENARIOS: Scenario[] = [
  ...SELECTIVE_WATCHERS.map((watchers): Scenario => ({
    name: 'selective',
    watchers,
    rate: RATE,
    what: 'each watcher selects one node\'s pods (spec.nodeName, as a kubelet does): each event reaches 1 watcher',
    selector: (i) => ({ fieldSelector: `spec.nodeName=wb-node-${i}` }),
    // The updates cycle over the pods of nodes 0..PODS-1: with fewer watchers, only their share is delivered.
    fanout: Math.min(1, watchers / PODS),
  })),
  // Every event to every watcher: at a quarter of the rate, and at the full rate.
  ...[RATE / 4, RATE].map((rate): Scenario => ({
    name: 'broadcast',
    watchers: BROADCAST_WATCHERS,
    rate,
    what: 'every watcher selects every pod (app=watch-bench, as controllers do): each event reaches every watcher',
    selector: () => ({ labelSelector: 'app=watch-bench' }),
    fanout: BROADCAST_WATCHERS,
  })),
];
const chosen = (process.env.KITE_BENCH_WATCH_SCENARIOS ?? 'selective,broadcast').split(',');

interface Worker {
  report(): Promise<WorkerReport>;
  stop(): Promise<void>;
}

async function startWorker(start: WorkerStart): Promise<Worker> {
  const proc = forkWorker(join(__dirname, 'lib', 'watch-worker.ts'));
  const reply = () => whileRunning(new Promise<WorkerReport>((resolve) => proc.once('message', (m: WorkerReport) => resolve(m))));
  await reply();
  proc.send(start);
  return {
    report: () => {
      const r = reply();
      proc.send({ cmd: 'report' });
      return r;
    },
    stop: () => stopProgram(proc),
  };
}

/**
 * The apiserver's RSS (median) and V8 heap in use (minimum: closest to the live heap after a
 * collection) over five samples half a second apart, in bytes.
 */
async function memory(pid: number, metricsPort: number): Promise<{ rss: number; heap: number }> {
  const rss: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 500));
    rss.push(rssMiB(pid) * 2 ** 20);
    heap.push((await scrapeMetrics(metricsPort)).nodejs_heap_size_used_bytes);
  }
  return { rss: median(rss), heap: Math.min(...heap) };
}

function histogramPercentile(h: Uint32Array, total: number, p: number): number {
  const want = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let i = 0; i < h.length; i++) {
    seen += h[i];
    if (seen >= want) return (i + 1) * BUCKET_MS;
  }
  return NaN;
}

async function waitUntil(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Result {
  scenario: Scenario;
  writes: number;
  writeSeconds: number;
  expected: number;
  delivered: number;
  p50: number;
  p99: number;
  max: number;
  memPerWatcherKiB: { rss: number; heap: number };
  /** The apiserver's CPU (all threads) per event written during the rounds, ms. */
  cpuPerEventMs: number;
  errors: string[];
}

async function runScenario(s: Scenario, client: Clientset, address: string, serverPid: number, metricsPort: number, pods: Pod[]): Promise<Result> {
  process.stderr.write(`${s.name}: ${s.watchers} watchers over ${WORKERS} processes x ${connectionsPerWorker(s.watchers)} connections\n`);
  const before = await memory(serverPid, metricsPort);
  const rv = (await client.pods.list({ namespace: 'default', limit: 1 })).metadata!.resourceVersion;
  const workers: Worker[] = [];
  try {
    for (let w = 0; w < WORKERS; w++) {
      const watchers = [];
      for (let i = w; i < s.watchers; i += WORKERS) watchers.push(s.selector(i));
      workers.push(await startWorker({ cmd: 'start', address, connections: connectionsPerWorker(s.watchers), watchers, resourceVersion: rv }));
    }
    await waitUntil(`${s.watchers} registered watchers`, async () => (await scrapeMetrics(metricsPort)).apiserver_registered_watchers >= s.watchers, 60_000);
    const after = await memory(serverPid, metricsPort);

    // Rounds of pod updates at a fixed rate, each stamped with its send time; percentiles per
    // round (from the difference of the workers' cumulative histograms), medians over rounds.
    const writeErrors: string[] = [];
    const rounds: { p50: number; p99: number; max: number }[] = [];
    let prev = new Uint32Array(BUCKETS);
    let delivered = 0;
    let writes = 0;
    let writeSeconds = 0;
    const cpuBefore = (await scrapeMetrics(metricsPort)).process_cpu_seconds_total;
    for (let round = 0; round < ROUNDS; round++) {
      const total = s.rate * ROUND_SECONDS;
      const start = performance.now();
      const calls: Promise<void>[] = [];
      for (let i = 0; i < total; i++) {
        const due = start + (i * 1000) / s.rate;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        // Unconditional updates (no resourceVersion): a slow write never makes the next one stale.
        const p = pods[(writes + i) % pods.length];
        p.metadata!.resourceVersion = '';
        p.metadata!.annotations = { [SENT_AT]: nowMs().toFixed(3) };
        calls.push(client.pods.update(p).then(() => undefined, (err: Error) => void writeErrors.push(err.message)));
      }
      await Promise.all(calls);
      writeSeconds += (performance.now() - start) / 1000;
      writes += total;
      let reports: WorkerReport[] = [];
      await waitUntil('every delivery', async () => {
        reports = await Promise.all(workers.map((w) => w.report()));
        return reports.reduce((n, r) => n + r.events, 0) >= writes * s.fanout;
      }, 30_000).catch(() => undefined);
      const merged = new Uint32Array(BUCKETS);
      for (const r of reports) for (let i = 0; i < BUCKETS; i++) merged[i] += r.histogram[i];
      const roundHistogram = merged.map((n, i) => n - prev[i]);
      const cumulative = reports.reduce((n, r) => n + r.events, 0);
      let max = 0;
      for (let i = BUCKETS - 1; i >= 0; i--) if (roundHistogram[i]) { max = (i + 1) * BUCKET_MS; break; }
      rounds.push({ p50: histogramPercentile(roundHistogram, cumulative - delivered, 50), p99: histogramPercentile(roundHistogram, cumulative - delivered, 99), max });
      prev = merged;
      delivered = cumulative;
      if (round === ROUNDS - 1) writeErrors.push(...reports.flatMap((r) => r.errors));
    }
    const cpuPerEventMs = (((await scrapeMetrics(metricsPort)).process_cpu_seconds_total - cpuBefore) * 1000) / writes;
    return {
      scenario: s,
      writes,
      writeSeconds,
      expected: writes * s.fanout,
      delivered,
      p50: median(rounds.map((r) => r.p50)),
      p99: median(rounds.map((r) => r.p99)),
      max: Math.max(...rounds.map((r) => r.max)),
      memPerWatcherKiB: { rss: (after.rss - before.rss) / s.watchers / 1024, heap: (after.heap - before.heap) / s.watchers / 1024 },
      cpuPerEventMs,
      errors: writeErrors.slice(0, 3),
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await waitUntil('watchers to close', async () => (await scrapeMetrics(metricsPort)).apiserver_registered_watchers === 0, 30_000).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const load = loadavg()[0];
  const dir = mkdtempSync(join(tmpdir(), 'kite-bench-watch-'));
  const port = await freePort();
  const metricsPort = await freePort();
  const address = `127.0.0.1:${port}`;
  const server = startProgram('kite-apiserver', [
    '--port', String(port), '--bind-address', '127.0.0.1', '--data-dir', dir, '--compaction-interval', '0', '--metrics-port', String(metricsPort),
  ]);
  const client = new Clientset({ address, tls: false, namespace: 'default', source: 'bench' }, { timeoutMs: 60_000 });
  const results: Result[] = [];
  try {
    await client.waitForReady(30_000);
    await waitUntil('the apiserver', async () => !!(await client.namespaces.get('default')), 30_000);
    await ensureDefaultServiceAccounts(client, ['default']);
    process.stderr.write(`creating ${PODS} pods\n`);
    const pods: Pod[] = new Array(PODS);
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < PODS) {
        const i = next++;
        pods[i] = await client.pods.create(Pod.fromPartial({
          metadata: { name: `wb-${i}`, namespace: 'default', labels: { app: 'watch-bench' } },
          spec: { nodeName: `wb-node-${i}`, containers: [{ name: 'c', image: 'nginx:1.22' }] },
        }));
      }
    }));
    for (const s of SCENARIOS.filter((x) => chosen.includes(x.name))) results.push(await runScenario(s, client, address, server.pid!, metricsPort, pods));
  } catch (err) {
    throw new Error(`${(err as Error).message}\napiserver stderr: ${server.stderrText()}`);
  } finally {
    client.close();
    await stopProgram(server);
    rmSync(dir, { recursive: true, force: true });
  }

  const fewest = results.find((r) => r.scenario.name === 'selective');
  const table = [
    '| watchers | scenario | events/s written (achieved) | deliveries expected / received | delivery p50 ms | p99 ms | max ms | apiserver CPU ms per event (x fewest selective) | apiserver memory per idle watcher: RSS / heap KiB |',
    '|---|---|---|---|---|---|---|---|---|',
    ...results.map((r) =>
      `| ${r.scenario.watchers} | ${r.scenario.name} | ${r.scenario.rate} (${fmt(r.writes / r.writeSeconds, 0)}) | ${r.expected} / ${r.delivered} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.max, 0)} | ${fmt(r.cpuPerEventMs, 2)}${r.scenario.name === 'selective' && fewest ? ` (${fmt(r.cpuPerEventMs / fewest.cpuPerEventMs, 2)})` : ''} | ${r.scenario.watchers >= 500 ? `${fmt(r.memPerWatcherKiB.rss, 1)} / ${fmt(r.memPerWatcherKiB.heap, 1)}` : 'too few watchers to resolve'} |`,
    ),
  ].join('\n');
  const text = `The apiserver (SQLite) runs as its own process; the watchers are spread over ${WORKERS} client
processes x ${CONNECTIONS_PER_WORKER} connections (more for over ${WORKERS * CONNECTIONS_PER_WORKER * (STREAMS_PER_CONNECTION - 10)} watchers: at most ${STREAMS_PER_CONNECTION - 10} a connection). This process updates pods at a fixed rate in ${ROUNDS} rounds of ${ROUND_SECONDS} s, each
update carrying its send time in an annotation; delivery latency = receive time - send time (it
includes the write itself); p50 and p99 are medians over the rounds, max the worst of all. Memory per watcher = the apiserver's growth from 0 watchers to the scenario's
idle watchers (RSS: median of 5 samples; heap: minimum of 5). Targets (${WATCHERS} watchers, ${RATE} events/s):
p99 < 100 ms, < 20 KB per watcher; ${SELECTIVE_WATCHERS[2]} selective watchers: p99 < 100 ms and the apiserver's
CPU per event (all its threads, over the rounds, the write included) within 2x of the ${SELECTIVE_WATCHERS[0]}-watcher case.
${[...new Map(SCENARIOS.filter((x) => chosen.includes(x.name)).map((x) => [x.name, `- ${x.name}: ${x.what}`])).values()].join('\n')}

Load average at the start / end of the run: ${load.toFixed(1)} / ${loadavg()[0].toFixed(1)} on ${cpus().length} cores (a shared machine: expect noise).

${table}
${results.some((r) => r.errors.length) ? `\nWatch errors: ${results.flatMap((r) => r.errors).join('; ')}\n` : ''}`;
  process.stdout.write(`\n${text}\n`);
  writeBenchmarkSection('bench:watch', 'npm run bench:watch', text);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:watch failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
