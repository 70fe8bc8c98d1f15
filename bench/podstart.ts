// bench:podstart: pod create -> Running (seen through a watch) for nginx pods created at a steady
// rate, through a real apiserver and a real kubelet (each its own process) on the local Docker
// Engine; beside it, in the same run, raw `docker run -d` of the same image at the same rate.
//   npm run bench:podstart                       # 3 rounds of 20 pods at 5 pods/s
//   KITE_BENCH_ROUNDS=5 KITE_BENCH_PODS=40 KITE_BENCH_RATE=10 npm run bench:podstart
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { Clientset } from '../lib/client/clientset';
import { ensureDefaultServiceAccounts } from './lib/service-accounts';
import { Pod } from '../lib/gen/kite/core/v1/types';
import { freePodSubnet, removeNodeResources, uniqueName } from '../test/support/docker';
import { ensureTestImages } from '../test/support/images';
import { writeBenchmarkSection } from './lib/report';
import { freePort, startProgram, stopProgram } from './lib/processes';
import { fmt, median, percentile } from './lib/stats';

const run = promisify(execFile);
const ROUNDS = Number(process.env.KITE_BENCH_ROUNDS ?? 3);
const PODS = Number(process.env.KITE_BENCH_PODS ?? 20);
const RATE = Number(process.env.KITE_BENCH_RATE ?? 5);
const IMAGE = 'nginx:1.22';
/** Pods (and docker runs) measured one at a time, for the unqueued floor. */
const SOLO = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Calls fn(i) for i < n, starting one every 1/rate s without waiting for the previous one. */
async function paced(n: number, rate: number, fn: (i: number) => Promise<void>): Promise<void> {
  const t0 = performance.now();
  const all: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    all.push(fn(i));
  }
  await Promise.all(all);
}

/** create -> Running latencies (ms) of one round of pods, created at `rate` pods/s (0: one at a time). */
async function kiteRound(client: Clientset, node: string, round: string, count = PODS, rate = RATE): Promise<number[]> {
  const created = new Map<string, number>();
  const running = new Map<string, number>();
  const ac = new AbortController();
  const watching = (async () => {
    for await (const ev of client.pods.watch({ namespace: 'default', fieldSelector: `spec.nodeName=${node}` }, ac.signal)) {
      const p = ev.object;
      if (p?.status?.phase === 'Running' && !running.has(p.metadata!.name)) running.set(p.metadata!.name, performance.now());
    }
  })().catch(() => undefined);
  await sleep(200);
  const names = Array.from({ length: count }, (_, i) => `podstart-${round}-${i}`);
  const create = async (i: number) => {
    created.set(names[i], performance.now());
    await client.pods.create(Pod.fromPartial({ metadata: { name: names[i], namespace: 'default' }, spec: { nodeName: node, containers: [{ name: 'nginx', image: IMAGE }] } }));
  };
  if (rate > 0) await paced(count, rate, create);
  else {
    for (let i = 0; i < count; i++) {
      await create(i);
      await waitUntil(`pod ${names[i]} Running`, async () => running.has(names[i]));
    }
  }
  await waitUntil(`${count} pods Running`, async () => running.size >= count);
  ac.abort();
  await watching;
  await Promise.all(names.map((n) => client.pods.delete(n)));
  await waitUntil('the pods deleted', async () => (await client.pods.list({ namespace: 'default', fieldSelector: `spec.nodeName=${node}` })).items.length === 0);
  return names.map((n) => running.get(n)! - created.get(n)!);
}

/** `docker run -d` latencies (ms) of the same image on the same network, at `rate` per second (0: one at a time). */
async function rawRound(docker: Docker, network: string, label: string, count = PODS, rate = RATE): Promise<number[]> {
  const latencies: number[] = [];
  const one = async () => {
    const t = performance.now();
    await run('docker', ['run', '-d', '--network', network, '--label', label, IMAGE]);
    latencies.push(performance.now() - t);
  };
  if (rate > 0) await paced(count, rate, one);
  else for (let i = 0; i < count; i++) await one();
  const list = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  return latencies;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0].toFixed(1);
  await ensureTestImages();
  const docker = new Docker();
  const node = uniqueName('podstart');
  const network = `${node}-pods`;
  const label = `io.kite.bench=${node}`;
  const dir = mkdtempSync(join(tmpdir(), 'kite-bench-podstart-'));
  const apiPort = await freePort();
  const api = startProgram('kite-apiserver', ['--port', String(apiPort), '--bind-address', '127.0.0.1', '--data-dir', join(dir, 'api')]);
  const client = new Clientset({ address: `127.0.0.1:${apiPort}`, tls: false, namespace: 'default', source: 'bench' }, { timeoutMs: 30_000 });
  let kubelet: ReturnType<typeof startProgram> | undefined;
  try {
    await client.waitForReady(30_000);
    await ensureDefaultServiceAccounts(client, ['default']);
    const subnet = await freePodSubnet(docker);
    // Its own config file: whatever ~/.kite/config holds on this machine must not leak in.
    const kubeconfig = join(dir, 'kubelet.conf');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: bench, cluster: {server: "http://127.0.0.1:${apiPort}"}}]`,
        'users: [{name: bench, user: {}}]',
        'contexts: [{name: bench, context: {cluster: bench, user: bench}}]',
        'current-context: bench',
        '',
      ].join('\n'),
    );
    kubelet = startProgram('kite-kubelet', [
      '--kubeconfig', kubeconfig,
      '--node-name', node,
      '--node-ip', '127.0.0.1',
      '--address', '127.0.0.1',
      '--port', String(await freePort()),
      '--pod-cidr', subnet,
      '--pod-cidr-wait', '0s',
      '--pod-network-name', network,
      '--root-dir', join(dir, 'kubelet'),
    ]);
    await waitUntil('the node Ready', async () => (await client.nodes.get(node)).status!.conditions.some((c) => c.type === 'Ready' && c.status === 'True'), 60_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}; kubelet stderr:\n${kubelet?.stderrText()}`);
      },
    );
    await waitUntil('the pod network', async () => (await docker.getNetwork(network).inspect()) !== undefined, 30_000);

    // Unloaded floor first: one pod (one docker run) at a time.
    const soloKite = await kiteRound(client, node, 'solo', SOLO, 0);
    const soloRaw = await rawRound(docker, network, label, SOLO, 0);
    console.log(`one at a time: kite p50 ${fmt(median(soloKite), 0)} ms; docker run p50 ${fmt(median(soloRaw), 0)} ms`);
    const kite: number[][] = [];
    const raw: number[][] = [];
    for (let r = 0; r < ROUNDS; r++) {
      kite.push(await kiteRound(client, node, String(r)));
      raw.push(await rawRound(docker, network, label));
      console.log(`round ${r + 1}: kite p50 ${fmt(median(kite[r]), 0)} ms p99 ${fmt(percentile(kite[r], 99), 0)} ms; docker run p50 ${fmt(median(raw[r]), 0)} ms`);
    }
    const p = (rounds: number[][], q: number) => median(rounds.map((l) => percentile(l, q)));
    const kp50 = p(kite, 50);
    const kp99 = p(kite, 99);
    const rp50 = p(raw, 50);
    const rp99 = p(raw, 99);
    const table = [
      `| ${PODS} nginx pods at ${RATE} pods/s, ${ROUNDS} rounds (medians of per-round figures) | p50 ms | p99 ms |`,
      '|---|---:|---:|',
      `| Kite: create -> Running seen via watch (apiserver + kubelet processes, sandbox + container) | ${fmt(kp50, 0)} | ${fmt(kp99, 0)} |`,
      `| raw \`docker run -d ${IMAGE}\`, same engine, same rate | ${fmt(rp50, 0)} | ${fmt(rp99, 0)} |`,
      `| ratio Kite / raw | ${fmt(kp50 / rp50, 2)}x | ${fmt(kp99 / rp99, 2)}x |`,
      `| overhead Kite - raw | ${fmt(kp50 - rp50, 0)} | ${fmt(kp99 - rp99, 0)} |`,
      `| *one at a time (${SOLO} each, no queueing in the engine):* Kite create -> Running | ${fmt(median(soloKite), 0)} | ${fmt(percentile(soloKite, 99), 0)} |`,
      `| *one at a time:* raw \`docker run -d\` | ${fmt(median(soloRaw), 0)} | ${fmt(percentile(soloRaw, 99), 0)} |`,
      `| *one at a time:* ratio / overhead at p50 | ${fmt(median(soloKite) / median(soloRaw), 2)}x | ${fmt(median(soloKite) - median(soloRaw), 0)} ms |`,
    ].join('\n');
    const note = [
      'A Kite pod is two container starts (the pause sandbox holding the pod IP on the node\'s pod network, then nginx joined to it) plus the API round trips:',
      'create, the kubelet\'s watch, two status writes, the benchmark\'s watch. At 5 pods/s that asks the engine for 10 container starts a second, against 5 for raw',
      '`docker run`; when the engine cannot keep up, both queue and the ratio approaches the ratio of starts (2x). The one-at-a-time rows show the latency without',
      'queueing. Target (../shared/TARGETS.md): p50 <= 1 s, p99 <= 2 s.',
      `Load average when the run started: ${loadAtStart} (other work on the machine slows the engine).`,
    ].join(' ');
    console.log(`\n${table}\n\n${note}`);
    writeBenchmarkSection('bench:podstart', 'npm run bench:podstart', `${table}\n\n${note}`);
  } finally {
    if (kubelet) await stopProgram(kubelet);
    await removeNodeResources(docker, node);
    const left = await docker.listContainers({ all: true, filters: { label: [label] } }).catch(() => []);
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    client.close();
    await stopProgram(api);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
