// bench:podstart: pod create -> Running (seen through a watch) for nginx pods created at a steady
// rate, through a real apiserver and a real kubelet (each its own process) on the local Docker
// Engine; beside it, in the same run and at the same rate, the honest floor: the same pair of raw
// `docker run -d`s a pod is (a pause container on the pod network, then nginx joined to its network
// namespace), and a single `docker run -d` of nginx. One pod (and one pair) at a time gives the
// unqueued ratio, and the engine's events give their phase timeline.
//   npm run bench:podstart                       # 10 of each one at a time, 3 rounds of 20 pods at 5 pods/s
//   KITE_BENCH_SOLO=20 KITE_BENCH_ROUNDS=5 KITE_BENCH_PODS=40 KITE_BENCH_RATE=10 npm run bench:podstart
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { Clientset } from '../lib/client/clientset';
import { ensureDefaultServiceAccounts, ensureRootCAConfigMap, serviceAccountTokenSetup } from './lib/service-accounts';
import { Pod } from '../lib/gen/kite/core/v1/types';
import { freePodSubnet, removeNodeResources, uniqueName } from '../test/support/docker';
import { ensureTestImages } from '../test/support/images';
import { writeBenchmarkSection } from './lib/report';
import { freePort, startProgram, stopProgram, whileRunning } from './lib/processes';
import { fmt, median, percentile } from './lib/stats';
import { EngineEvents } from './lib/engine-events';

const run = promisify(execFile);
const ROUNDS = Number(process.env.KITE_BENCH_ROUNDS ?? 3);
const PODS = Number(process.env.KITE_BENCH_PODS ?? 20);
const RATE = Number(process.env.KITE_BENCH_RATE ?? 5);
const IMAGE = 'nginx:1.22';
const PAUSE_IMAGE = 'kite/pause:3.9';
/** Pods (and docker runs) measured one at a time, for the unqueued floor. */
const SOLO = Number(process.env.KITE_BENCH_SOLO ?? 10);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it holds; fails at once if the apiserver or the kubelet exits meanwhile (whileRunning). */
async function waitUntil(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await whileRunning(fn().catch(() => false)))) {
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

/** Epoch milliseconds of a performance.now() reading (the engine's events carry epoch times). */
const epochMs = (t: number) => performance.timeOrigin + t;

/** One start measured: its latency (ms) and when it began and ended (epoch ms), by pod or pair name. */
interface Start {
  name: string;
  ms: number;
  beganMs: number;
  endedMs: number;
}

const latencies = (starts: readonly Start[]) => starts.map((s) => s.ms);

/** create -> Running of one round of pods, created at `rate` pods/s (0: one at a time). */
async function kiteRound(client: Clientset, node: string, round: string, count = PODS, rate = RATE): Promise<Start[]> {
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
  return names.map((n) => ({ name: n, ms: running.get(n)! - created.get(n)!, beganMs: epochMs(created.get(n)!), endedMs: epochMs(running.get(n)!) }));
}

/**
 * Raw `docker run -d`s at `rate` per second (0: one at a time): with `pair`, what a pod is (the pause
 * container on the pod network, then nginx joined to its network namespace, each started before the
 * next step, as `docker run -d` returns once the container runs); without, nginx alone on the network.
 * Each start's name is its pause container's id (pairs) or its container's id.
 */
async function rawRound(docker: Docker, network: string, label: string, pair: boolean, count = PODS, rate = RATE): Promise<Start[]> {
  const starts: Start[] = [];
  const dockerRun = async (args: string[]) => (await run('docker', ['run', '-d', '--label', label, ...args])).stdout.trim();
  const one = async () => {
    const t = performance.now();
    const first = await dockerRun(pair ? ['--network', network, PAUSE_IMAGE] : ['--network', network, IMAGE]);
    if (pair) await dockerRun(['--network', `container:${first}`, IMAGE]);
    const ended = performance.now();
    starts.push({ name: first, ms: ended - t, beganMs: epochMs(t), endedMs: epochMs(ended) });
  };
  if (rate > 0) await paced(count, rate, one);
  else for (let i = 0; i < count; i++) await one();
  const list = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  return starts;
}

const PHASES = ['sandbox create', 'network', 'sandbox start', 'app create', 'app start', 'end'] as const;

/**
 * The engine's steps of one start, as ms after it began: the sandbox (or pause) container's create,
 * its network connect and start, the app (nginx) container's create and start, then the end (the
 * pod's Running status seen through the watch, or the second `docker run` returned).
 */
function phases(events: EngineEvents, start: Start, sandboxId: string, appId: string | undefined): number[] {
  const at = (e: { timeMs: number } | undefined) => (e ? e.timeMs - start.beganMs : NaN);
  return [
    at(events.find(sandboxId, 'container', 'create')),
    at(events.find(sandboxId, 'network', 'connect')),
    at(events.find(sandboxId, 'container', 'start')),
    at(appId ? events.find(appId, 'container', 'create') : undefined),
    at(appId ? events.find(appId, 'container', 'start') : undefined),
    start.endedMs - start.beganMs,
  ];
}

/** Each phase's median over the starts (a start whose event was missed counts for none). */
function medianPhases(all: number[][]): string {
  return PHASES.map((name, i) => `${name} ${fmt(median(all.map((p) => p[i]).filter(Number.isFinite)), 0)}`).join(', ');
}

/** Kite pods' phases, their containers found by their pod-name label. */
function kitePhases(events: EngineEvents, starts: readonly Start[]): string {
  return medianPhases(
    starts.map((start) => {
      const mine = events.events.filter((e) => e.type === 'container' && e.action === 'create' && e.attributes['io.kite.pod.name'] === start.name);
      const sandbox = mine.find((e) => e.attributes['io.kite.sandbox'] === 'true')?.container ?? '';
      const app = mine.find((e) => e.attributes['io.kite.sandbox'] === 'false')?.container;
      return phases(events, start, sandbox, app);
    }),
  );
}

/** Raw pairs' phases: a pair's nginx container is the one with the bench's label created while it ran. */
function rawPairPhases(events: EngineEvents, starts: readonly Start[], label: string): string {
  const [key, value] = label.split('=');
  return medianPhases(
    starts.map((start) => {
      const app = events.events.find((e) => e.type === 'container' && e.action === 'create' && e.attributes[key] === value && e.attributes.image === IMAGE && e.timeMs >= start.beganMs && e.timeMs <= start.endedMs);
      return phases(events, start, start.name, app?.container);
    }),
  );
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
  // Tokens for the pods' kube-api-access volumes, as in a cluster (the kubelet asks for one per pod).
  const tokens = serviceAccountTokenSetup(dir);
  const api = startProgram('kite-apiserver', ['--port', String(apiPort), '--bind-address', '127.0.0.1', '--data-dir', join(dir, 'api'), ...tokens.args]);
  const client = new Clientset({ address: `127.0.0.1:${apiPort}`, tls: false, token: tokens.adminToken, namespace: 'default', source: 'bench' }, { timeoutMs: 30_000 });
  let kubelet: ReturnType<typeof startProgram> | undefined;
  try {
    await client.waitForReady(30_000);
    await ensureDefaultServiceAccounts(client, ['default']);
    await ensureRootCAConfigMap(client, 'default');
    const subnet = await freePodSubnet(docker);
    // Its own config file: whatever ~/.kite/config holds on this machine must not leak in.
    const kubeconfig = join(dir, 'kubelet.conf');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: bench, cluster: {server: "http://127.0.0.1:${apiPort}"}}]`,
        `users: [{name: bench, user: {token: ${tokens.adminToken}}}]`,
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

    // Unloaded floor first: one pod, one pair, one docker run at a time, taking turns (the machine's
    // load changes with time), with the engine's events.
    const events = new EngineEvents();
    await events.start(docker);
    const soloKite: Start[] = [];
    const soloPair: Start[] = [];
    const soloRaw: Start[] = [];
    for (let i = 0; i < SOLO; i++) {
      soloKite.push(...(await kiteRound(client, node, `solo${i}`, 1, 0)));
      soloPair.push(...(await rawRound(docker, network, label, true, 1, 0)));
      soloRaw.push(...(await rawRound(docker, network, label, false, 1, 0)));
    }
    events.stop();
    const soloRatio = median(latencies(soloKite)) / median(latencies(soloPair));
    const kiteTimeline = kitePhases(events, soloKite);
    const pairTimeline = rawPairPhases(events, soloPair, label);
    console.log(`one at a time: kite p50 ${fmt(median(latencies(soloKite)), 0)} ms; docker run pair p50 ${fmt(median(latencies(soloPair)), 0)} ms (${fmt(soloRatio, 2)}x); docker run p50 ${fmt(median(latencies(soloRaw)), 0)} ms`);
    console.log(`Kite pods, median ms after create: ${kiteTimeline}`);
    console.log(`docker run pairs, median ms after the first run: ${pairTimeline}`);
    const kite: number[][] = [];
    const pairs: number[][] = [];
    const raw: number[][] = [];
    for (let r = 0; r < ROUNDS; r++) {
      kite.push(latencies(await kiteRound(client, node, String(r))));
      pairs.push(latencies(await rawRound(docker, network, label, true)));
      raw.push(latencies(await rawRound(docker, network, label, false)));
      console.log(
        `round ${r + 1}: kite p50 ${fmt(median(kite[r]), 0)} ms p99 ${fmt(percentile(kite[r], 99), 0)} ms; docker run pair p50 ${fmt(median(pairs[r]), 0)} ms; docker run p50 ${fmt(median(raw[r]), 0)} ms`,
      );
    }
    const p = (rounds: number[][], q: number) => median(rounds.map((l) => percentile(l, q)));
    const kp50 = p(kite, 50);
    const kp99 = p(kite, 99);
    const pp50 = p(pairs, 50);
    const pp99 = p(pairs, 99);
    const rp50 = p(raw, 50);
    const rp99 = p(raw, 99);
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const solo = (starts: Start[], q: number) => fmt(percentile(latencies(starts), q), 0);
    const table = [
      `| ${PODS} nginx pods at ${RATE} pods/s, ${ROUNDS} rounds (medians of per-round figures) | p50 ms | p99 ms |`,
      '|---|---:|---:|',
      `| Kite: create -> Running seen via watch (apiserver + kubelet processes, sandbox + container) | ${fmt(kp50, 0)} | ${fmt(kp99, 0)} |`,
      `| raw pair: \`docker run -d ${PAUSE_IMAGE}\` on the pod network, then \`docker run -d --network container:<pause> ${IMAGE}\`, same rate | ${fmt(pp50, 0)} | ${fmt(pp99, 0)} |`,
      `| ratio Kite / raw pair | ${fmt(kp50 / pp50, 2)}x | ${fmt(kp99 / pp99, 2)}x |`,
      `| raw single \`docker run -d ${IMAGE}\` on the pod network, same rate | ${fmt(rp50, 0)} | ${fmt(rp99, 0)} |`,
      `| *one at a time (${SOLO} each, no queueing in the engine):* Kite create -> Running | ${solo(soloKite, 50)} | ${solo(soloKite, 99)} |`,
      `| *one at a time:* raw pair | ${solo(soloPair, 50)} | ${solo(soloPair, 99)} |`,
      `| *one at a time:* raw single \`docker run -d\` | ${solo(soloRaw, 50)} | ${solo(soloRaw, 99)} |`,
      `| *one at a time:* ratio Kite / raw pair at p50 (target <= 1.15x: ${verdict(soloRatio <= 1.15)}) | ${fmt(soloRatio, 2)}x | |`,
    ].join('\n');
    const note = [
      'A Kite pod is two container starts (the pause sandbox holding the pod IP on the node\'s pod network, then nginx joined to it) plus the API round trips:',
      'create, the kubelet\'s watch, the status write, the benchmark\'s watch; the raw pair is the same two starts through the `docker` CLI, its honest floor.',
      'At 5 pods/s both ask the engine for 10 container starts a second; when it cannot keep up, both queue.',
      `Targets: one at a time <= 1.15x the raw pair; at ${RATE} pods/s p50 <= 1 s (${verdict(kp50 <= 1000)}) and p99 <= 2 s (${verdict(kp99 <= 2000)}).`,
      `Docker Engine events of the one-at-a-time starts, each phase's median in ms after the start began: Kite pod: ${kiteTimeline}; raw pair: ${pairTimeline}.`,
      `Load average when the run started: ${loadAtStart} (other work on the machine slows the engine).`,
    ].join(' ');
    console.log(`\n${table}\n\n${note}`);
    writeBenchmarkSection('bench:podstart', 'npm run bench:podstart', `${table}\n\n${note}`);
  } finally {
    if (kubelet) await stopProgram(kubelet);
    // The raw rounds' containers first: the pod network cannot be removed while they are on it.
    const left = await docker.listContainers({ all: true, filters: { label: [label] } }).catch(() => []);
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    await removeNodeResources(docker, node);
    client.close();
    await stopProgram(api);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
