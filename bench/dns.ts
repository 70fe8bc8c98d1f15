// kite-dns's answer path beside the raw floor measured in the same run, and how soon a new
// Service resolves. Three processes: a dev apiserver, kite-dns (bin/kite-dns, watching it), and
// a static responder (bench/lib/dns-static-responder.ts: the same library and socket setup, one
// fixed answer; it is also kite-dns's upstream). This process sends closed-loop UDP queries
// (prebuilt, only the id patched; responses matched by id) and measures:
//   - queries/s and p50/p99 for cluster Service names (N Services, names in rotation);
//   - the same for external names served from kite-dns's cache (warmed first);
//   - the same for the static responder (the floor);
//   - Service create (API call start) -> its name answered with the ClusterIP, polled every 2 ms.
// Prints a markdown table and writes it to docs/benchmarks.md (its own section only).
// The three loads take turns for ROUNDS rounds and each figure is the median of its rounds, so a
// burst of other work on the machine does not land on one of them only.
// npx tsx bench/dns.ts [--services 500] [--seconds 3] [--rounds 3] [--concurrency 32] [--creates 30] [--no-write]
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as packet from 'dns-packet';
import { Clientset } from '../lib/client/clientset';
import { Service } from '../lib/gen/kite/core/v1/types';
import { processCpuMs } from './lib/closed-loop';
import { forkWorker, freePort, startProgram, stopProgram, whileRunning, type Program } from './lib/processes';
import { writeBenchmarkSection } from './lib/report';
import { fmt, percentile } from './lib/stats';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const SERVICES = Number(arg('services', '500'));
const SECONDS = Number(arg('seconds', '3'));
const ROUNDS = Number(arg('rounds', '3'));
const CONCURRENCY = Number(arg('concurrency', '32'));
const CREATES = Number(arg('creates', '30'));
const EXTERNAL_NAMES = 100;

interface LoadResult {
  qps: number;
  p50: number;
  p99: number;
  /** CPU ms the server process used per query. */
  cpuUsPerQuery: number;
  errors: number;
}

/** Each figure's median over the rounds. */
function medianOf(results: LoadResult[]): LoadResult {
  const m = (f: (r: LoadResult) => number) => percentile(results.map(f), 50);
  return { qps: m((r) => r.qps), p50: m((r) => r.p50), p99: m((r) => r.p99), cpuUsPerQuery: m((r) => r.cpuUsPerQuery), errors: results.reduce((n, r) => n + r.errors, 0) };
}

/** Closed-loop UDP load: CONCURRENCY queries outstanding, each slot sending its next on the answer. */
async function udpLoad(port: number, pid: number, names: string[], seconds: number): Promise<LoadResult> {
  const queries = names.map((name) => packet.encode({ type: 'query', id: 0, flags: packet.RECURSION_DESIRED, questions: [{ name, type: 'A', class: 'IN' }] }));
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  sock.setRecvBufferSize(4 << 20);
  const latencies: number[] = [];
  const sentAt = new Float64Array(0x10000);
  const live = new Uint8Array(0x10000);
  let next = 0;
  let errors = 0;
  let stopAt = 0;
  let nextId = 1;
  const send = () => {
    const id = nextId;
    nextId = (nextId + 1) & 0xffff || 1;
    const q = Buffer.from(queries[next++ % queries.length]);
    q.writeUInt16BE(id, 0);
    sentAt[id] = performance.now();
    live[id] = 1;
    sock.send(q, port, '127.0.0.1');
  };
  let finished: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  let outstanding = 0;
  sock.on('message', (msg) => {
    const id = msg.readUInt16BE(0);
    if (!live[id]) return;
    live[id] = 0;
    const now = performance.now();
    latencies.push(now - sentAt[id]);
    if ((msg[3] & 0xf) !== 0 || msg.readUInt16BE(6) === 0) errors++;
    if (now < stopAt) send();
    else if (--outstanding === 0) finished();
  });
  const cpu = processCpuMs(pid);
  const start = performance.now();
  stopAt = start + seconds * 1000;
  // A lost datagram would stall its slot: resend what has waited a second.
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (let id = 1; id < 0x10000; id++) {
      if (live[id] && now - sentAt[id] > 1000) {
        live[id] = 0;
        errors++;
        if (now < stopAt) send();
        else if (--outstanding === 0) finished();
      }
    }
  }, 500);
  for (let i = 0; i < CONCURRENCY; i++, outstanding++) send();
  await done;
  clearInterval(sweeper);
  const elapsed = (performance.now() - start) / 1000;
  const cpuMs = processCpuMs(pid) - cpu;
  sock.close();
  return { qps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpuUsPerQuery: (cpuMs * 1000) / latencies.length, errors };
}

/** Asks `name` every 2 ms until it is answered with `ip`; resolves with the time it answered. */
async function pollUntilAnswered(port: number, name: string, ip: string): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  const query = packet.encode({ type: 'query', id: 1, questions: [{ name, type: 'A', class: 'IN' }] });
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => finish(new Error(`${name} did not resolve in 30 s`)), 30_000);
    const timer = setInterval(() => sock.send(query, port, '127.0.0.1'), 2);
    const finish = (err?: Error) => {
      clearInterval(timer);
      clearTimeout(deadline);
      sock.close();
      if (err) reject(err);
    };
    sock.on('message', (msg) => {
      const res = packet.decode(msg);
      if (res.answers?.some((a) => a.type === 'A' && a.data === ip)) {
        const at = performance.now();
        finish();
        resolve(at);
      }
    });
    sock.send(query, port, '127.0.0.1');
  });
}

async function waitReady(port: number, child: { stderrText(): string }): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`kite-dns not ready: ${child.stderrText()}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kite-bench-dns-'));
  const apiPort = await freePort();
  const api = startProgram('kite-apiserver', ['--port', String(apiPort), '--bind-address', '127.0.0.1', '--data-dir', dir, '--compaction-interval', '60s']);
  const client = new Clientset({ address: `127.0.0.1:${apiPort}`, tls: false, namespace: 'default', source: 'bench' }, { timeoutMs: 60_000 });
  let dns: ReturnType<typeof startProgram> | undefined;
  let floor: Program | undefined;
  try {
    await whileRunning(
      (async () => {
        await client.waitForReady(30_000);
        for (let i = 0; i < SERVICES; i += 50) {
          await Promise.all(
            Array.from({ length: Math.min(50, SERVICES - i) }, (_, j) =>
              client.services.create(Service.fromPartial({ metadata: { name: `svc-${i + j}` }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } })),
            ),
          );
        }
        floor = forkWorker(join(__dirname, 'lib', 'dns-static-responder.ts'));
        const floorPort = await new Promise<number>((resolve) => floor!.once('message', (m: { port: number }) => resolve(m.port)));
        const [dnsPort, readyPort] = [await freePort(), await freePort()];
        dns = startProgram('kite-dns', [
          '--server', `127.0.0.1:${apiPort}`,
          '--listen', `127.0.0.1:${dnsPort}`,
          '--upstream', `127.0.0.1:${floorPort}`,
          '--health-listen', '127.0.0.1:0',
          '--ready-listen', `127.0.0.1:${readyPort}`,
          '--metrics-address', '127.0.0.1:0', // on, as deployed, on a free port
        ]);
        await waitReady(readyPort, dns);

        const clusterNames = Array.from({ length: SERVICES }, (_, i) => `svc-${i}.default.svc.cluster.local`);
        const externalNames = Array.from({ length: EXTERNAL_NAMES }, (_, i) => `host-${i}.example.test`);
        await udpLoad(dnsPort, dns.pid!, externalNames, 0.5); // warms the cache
        await udpLoad(dnsPort, dns.pid!, clusterNames, 1); // warms the JIT
        await udpLoad(floorPort, floor.pid!, clusterNames, 1);
        const loadBefore = loadavg()[0];
        const rounds: Record<'raw' | 'cluster' | 'external', LoadResult[]> = { raw: [], cluster: [], external: [] };
        for (let i = 0; i < ROUNDS; i++) {
          rounds.raw.push(await udpLoad(floorPort, floor.pid!, clusterNames, SECONDS));
          rounds.cluster.push(await udpLoad(dnsPort, dns.pid!, clusterNames, SECONDS));
          rounds.external.push(await udpLoad(dnsPort, dns.pid!, externalNames, SECONDS));
        }
        const loadAfter = loadavg()[0];
        const [raw, cluster, external] = [medianOf(rounds.raw), medianOf(rounds.cluster), medianOf(rounds.external)];

        const propagation: number[] = [];
        for (let i = 0; i < CREATES; i++) {
          const name = `new-${i}`;
          const t0 = performance.now();
          const created = client.services.create(Service.fromPartial({ metadata: { name }, spec: { ports: [{ port: 80, protocol: 'TCP' }] } }));
          const ip = (await created).spec!.clusterIP;
          const answeredAt = await pollUntilAnswered(dnsPort, `${name}.default.svc.cluster.local`, ip);
          propagation.push(answeredAt - t0);
        }

        const row = (what: string, r: LoadResult) =>
          `| ${what} | ${Math.round(r.qps)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.cpuUsPerQuery, 0)} | ${fmt(r.qps / raw.qps, 2)} | ${r.errors} |`;
        const md = [
          `| UDP, ${CONCURRENCY} queries outstanding, ${SECONDS} s each, median of ${ROUNDS} rounds | queries/s | p50 ms | p99 ms | server CPU us/query | / raw | errors |`,
          '|---|---:|---:|---:|---:|---:|---:|',
          row(`kite-dns: cluster Service names (${SERVICES} in rotation)`, cluster),
          row(`kite-dns: external names from its cache (${EXTERNAL_NAMES} in rotation)`, external),
          row('raw floor: static responder (dns-packet decode + encode, one dgram socket)', raw),
          '',
          `| Service create (API call start) -> name answered, ${CREATES} Services, polled every 2 ms | p50 ms | p99 ms | max ms |`,
          '|---|---:|---:|---:|',
          `| kite-dns watching the apiserver (informers, records rebuilt per event) | ${fmt(percentile(propagation, 50))} | ${fmt(percentile(propagation, 99))} | ${fmt(Math.max(...propagation))} |`,
          '',
          `Load average at the start / end of the measurement: ${fmt(loadBefore)} / ${fmt(loadAfter)} on ${cpus().length} cores (a shared machine: expect noise). ` +
            'Three processes on the machine (apiserver, kite-dns, static responder) plus this load generator; kite-dns runs on one event loop, so its queries/s is one core\'s. The static responder is also kite-dns\'s upstream, so cached external names never reach it during the measurement. Beyond the floor\'s decode and encode, kite-dns looks the name up, builds the response and compresses its names. Issue 14 target: >= 10,000 queries/s for cluster names on one core, p99 < 5 ms. "errors": answers without records or not NOERROR, and datagrams lost (resent after 1 s).',
        ].join('\n');
        process.stdout.write(`${md}\n`);
        if (!process.argv.includes('--no-write')) writeBenchmarkSection('bench:dns', 'npm run bench:dns', md);
      })(),
    );
  } finally {
    if (dns) await stopProgram(dns);
    if (floor) await stopProgram(floor);
    client.close();
    await stopProgram(api);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`bench:dns: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
