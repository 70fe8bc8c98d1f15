// scheduler_perf's workloads for the scheduler's inter-pod policies, shared by the in-process core
// benchmark and bench:scheduler: the pod templates of its SchedulingPodAntiAffinity,
// TopologySpreading and PreferredTopologySpreading workloads (config/templates in
// kubernetes/test/integration/scheduler_perf), their pod counts scaled to 1000 nodes, and their
// end-to-end run: an apiserver, hollow nodes labelled with zones and the scheduler as separate
// processes; each workload's init pods are bound first, then its measured pods are timed from
// their first create to their last bind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clientset } from '../lib/client/clientset';
import { Namespace, Pod } from '../lib/gen/kite/core/v1/types';
import { freePort, startProgram, stopProgram, whileRunning } from './lib/processes';
import { ensureDefaultServiceAccounts } from './lib/service-accounts';
import { trackBoundPods } from './lib/bound-pods';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** scheduler_perf's labelNodePrepareStrategy for the spreading workloads. */
export const ZONES = ['moon-1', 'moon-2', 'moon-3'];

export interface PolicyWorkload {
  name: string;
  /** The namespaces of the init pods and of the measured pods. */
  namespaces: [string, string];
  /** Pods scheduled first, not measured. */
  initPods: number;
  /** Pods whose scheduling is timed. */
  measurePods: number;
  initPod(i: number): Pod;
  measuredPod(i: number): Pod;
}

// pod-default.yaml: 100m cpu and 500Mi memory, no labels.
const resources = { requests: { cpu: '100m', memory: '500Mi' }, limits: { cpu: '100m', memory: '500Mi' } };

function base(name: string, namespace: string, labels: Record<string, string>): Pod {
  return Pod.fromPartial({
    metadata: { name, namespace, uid: `uid-${namespace}-${name}`, labels },
    spec: { schedulerName: 'default-scheduler', containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', resources }] },
    status: { phase: 'Pending' },
  });
}

/** pod-with-pod-anti-affinity.yaml: color=green pods that refuse a host with another color=green pod of sched-0 or sched-1. */
function antiAffinityPod(name: string, namespace: string): Pod {
  const p = base(name, namespace, { color: 'green', name: 'test' });
  p.spec!.affinity = {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        {
          labelSelector: { matchLabels: { color: 'green' }, matchExpressions: [] },
          topologyKey: 'kubernetes.io/hostname',
          namespaces: ['sched-1', 'sched-0'],
          matchLabelKeys: [],
          mismatchLabelKeys: [],
        },
      ],
      preferredDuringSchedulingIgnoredDuringExecution: [],
    },
  };
  return p;
}

/** pod-with-topology-spreading.yaml (DoNotSchedule) and pod-with-preferred-topology-spreading.yaml (ScheduleAnyway). */
function spreadingPod(name: string, namespace: string, whenUnsatisfiable: string): Pod {
  const p = base(name, namespace, { color: 'blue' });
  p.spec!.topologySpreadConstraints = [
    {
      maxSkew: 5,
      topologyKey: ZONE_LABEL,
      whenUnsatisfiable,
      labelSelector: { matchLabels: {}, matchExpressions: [{ key: 'color', operator: 'In', values: ['blue'] }] },
      matchLabelKeys: [],
    },
  ];
  return p;
}

/**
 * The workloads at `nodes` nodes: anti-affinity fills every node, as scheduler_perf's 500Nodes case
 * does (100 + 400 pods at 500 nodes); the spreading workloads keep its 500Nodes counts per node
 * (1000 + 1000 pods at 500 nodes).
 */
export function policyWorkloads(nodes: number): PolicyWorkload[] {
  return [
    {
      name: 'SchedulingPodAntiAffinity',
      namespaces: ['sched-0', 'sched-1'],
      initPods: nodes / 5,
      measurePods: (nodes * 4) / 5,
      initPod: (i) => antiAffinityPod(`init-${i}`, 'sched-0'),
      measuredPod: (i) => antiAffinityPod(`anti-${i}`, 'sched-1'),
    },
    {
      name: 'TopologySpreading',
      namespaces: ['spread-0', 'spread-1'],
      initPods: nodes * 2,
      measurePods: nodes * 2,
      initPod: (i) => base(`init-${i}`, 'spread-0', {}),
      measuredPod: (i) => spreadingPod(`spread-${i}`, 'spread-1', 'DoNotSchedule'),
    },
    {
      name: 'PreferredTopologySpreading',
      namespaces: ['preferred-spread-0', 'preferred-spread-1'],
      initPods: nodes * 2,
      measurePods: nodes * 2,
      initPod: (i) => base(`init-${i}`, 'preferred-spread-0', {}),
      measuredPod: (i) => spreadingPod(`spread-${i}`, 'preferred-spread-1', 'ScheduleAnyway'),
    },
  ];
}

async function until(what: string, fn: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve(fn()).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Runs `fn` over `items` with 32 calls in flight, as the plain workload creates its pods. */
async function inParallel<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

/** A template as a client sends it: no uid, no status (the in-process benchmark keeps both). */
function forCreate(p: Pod): Pod {
  return { ...p, metadata: { ...p.metadata!, uid: '' }, status: undefined };
}

export interface PolicyResult {
  name: string;
  initPods: number;
  measurePods: number;
  /** Measured pods bound per second, from the first create to the last bind. */
  throughput: number;
  /** Measured pods created per second: the API's floor under the same load. */
  createRate: number;
}

/**
 * The policy workloads end to end on `nodes` hollow nodes (4 cpu, 32Gi, 110 pods, zones moon-1..3),
 * one after another in one cluster; the spreading ones first, so that the anti-affinity pods
 * (which every later pod's InterPodAffinity PreFilter would read) come last.
 */
export async function runPolicyWorkloads(nodes: number): Promise<PolicyResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kite-bench-sched-policies-'));
  const port = await freePort();
  const api = startProgram('kite-apiserver', ['--port', String(port), '--bind-address', '127.0.0.1', '--data-dir', dir, '--compaction-interval', '60s']);
  const client = new Clientset({ address: `127.0.0.1:${port}`, tls: false, namespace: 'default', source: 'bench' }, { timeoutMs: 60_000 });
  const server = ['--server', `127.0.0.1:${port}`];
  const all = policyWorkloads(nodes);
  const workloads = [...all.slice(1), all[0]];
  try {
    return await whileRunning(
      (async () => {
        await client.waitForReady(30_000);
        const namespaces = workloads.flatMap((w) => w.namespaces);
        for (const name of namespaces) await client.namespaces.create(Namespace.fromPartial({ metadata: { name } }));
        await ensureDefaultServiceAccounts(client, namespaces);
        const hollow = startProgram('kite-hollow-nodes', [...server, '--count', String(nodes), '--cpu', '4', '--memory', '32Gi', '--max-pods', '110']);
        await until(`${nodes} nodes`, async () => (await client.nodes.list({ resourceVersion: '0' })).items.length >= nodes, 300_000).catch((err: Error) => {
          throw new Error(`${err.message}; kite-hollow-nodes said: ${hollow.stderrText()}`);
        });
        const names = (await client.nodes.list()).items.map((n) => n.metadata!.name);
        await inParallel(names.map((name, i) => ({ name, i })), ({ name, i }) => client.nodes.patch(name, { metadata: { labels: { [ZONE_LABEL]: ZONES[i % ZONES.length] } } }));

        const bound = new Map<string, number>();
        const ac = new AbortController();
        const watching = trackBoundPods(client, '', bound, ac.signal);
        const scheduler = startProgram('kite-scheduler', server);
        await until('the scheduler to lead', async () => !!(await client.leases.get('kube-scheduler', 'kube-system')), 60_000);
        await new Promise((r) => setTimeout(r, 1000));
        const results: PolicyResult[] = [];
        for (const w of workloads) {
          const init = Array.from({ length: w.initPods }, (_, i) => w.initPod(i));
          await inParallel(init, (p) => client.pods.create(forCreate(p)));
          const key = (p: Pod) => `${p.metadata!.namespace}/${p.metadata!.name}`;
          await until(`${w.name}: ${init.length} init pods bound`, () => init.every((p) => bound.has(key(p))), 600_000);
          const measured = Array.from({ length: w.measurePods }, (_, i) => w.measuredPod(i));
          const t0 = performance.now();
          await inParallel(measured, (p) => client.pods.create(forCreate(p)));
          const createdAll = performance.now();
          await until(`${w.name}: ${measured.length} measured pods bound`, () => measured.every((p) => bound.has(key(p))), 600_000);
          const last = Math.max(...measured.map((p) => bound.get(key(p))!));
          results.push({ name: w.name, initPods: w.initPods, measurePods: w.measurePods, throughput: w.measurePods / ((last - t0) / 1000), createRate: w.measurePods / ((createdAll - t0) / 1000) });
        }
        ac.abort();
        await watching;
        await stopProgram(scheduler);
        await stopProgram(hollow);
        return results;
      })(),
    );
  } finally {
    client.close();
    await stopProgram(api);
    rmSync(dir, { recursive: true, force: true });
  }
}
