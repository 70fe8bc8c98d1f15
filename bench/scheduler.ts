// bench:scheduler: scheduling throughput end to end on simulated nodes. The apiserver, the
// hollow nodes and the scheduler run as separate processes (as in a cluster); this process
// creates the pods and watches them get bound. Floors measured in the same run: the in-process
// scheduling core alone (no API), and the rate pods can be created through the API.
//   npm run bench:scheduler            # 1000 nodes x 5000 pods, 5000 nodes x 10000 pods
//   KITE_BENCH_SCENARIOS=200x1000 npm run bench:scheduler
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clientset } from '../lib/client/clientset';
import { ensureDefaultServiceAccounts } from './lib/service-accounts';
import { Pod } from '../lib/gen/kite/core/v1/types';
import { writeBenchmarkSection } from './lib/report';
import { freePort, startProgram, stopProgram, whileRunning } from './lib/processes';
import { fmt, percentile } from './lib/stats';
import { policyScenario, scenario as coreThroughput } from './scheduler-core';
import { policyWorkloads, runPolicyWorkloads } from './scheduler-workloads';
import { preemptionBasic } from './lib/preemption-workload';
import { trackBoundPods } from './lib/bound-pods';

/** The node count at which the preemption workload runs after the plain one (scheduler_perf's PreemptionBasic). */
const PREEMPTION_NODES = 1000;
/** The node count of scheduler_perf's anti-affinity and topology spreading workloads (0: skip them). */
const POLICY_NODES = Number(process.env.KITE_BENCH_POLICY_NODES ?? 1000);

interface Scenario {
  nodes: number;
  pods: number;
}

const scenarios: Scenario[] = (process.env.KITE_BENCH_SCENARIOS ?? '1000x5000,5000x10000').split(',').map((s) => {
  const [nodes, pods] = s.split('x').map(Number);
  return { nodes, pods };
});

async function waitUntil(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function benchPod(i: number): Pod {
  return Pod.fromPartial({
    metadata: { name: `bench-${i}`, namespace: 'default', labels: { app: 'bench' } },
    spec: { containers: [{ name: 'c', image: 'nginx:1.22', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  });
}

async function run(s: Scenario) {
  const dir = mkdtempSync(join(tmpdir(), 'kite-bench-sched-'));
  const port = await freePort();
  const api = startProgram('kite-apiserver', ['--port', String(port), '--bind-address', '127.0.0.1', '--data-dir', dir, '--compaction-interval', '60s']);
  const client = new Clientset({ address: `127.0.0.1:${port}`, tls: false, namespace: 'default', source: 'bench' }, { timeoutMs: 60_000 });
  const server = ['--server', `127.0.0.1:${port}`];
  try {
    return await whileRunning(
      (async () => {
        await client.waitForReady(30_000);
        await ensureDefaultServiceAccounts(client, ['default']);
        const hollow = startProgram('kite-hollow-nodes', [...server, '--count', String(s.nodes), '--cpu', '32', '--memory', '128Gi', '--max-pods', '110']);
        await waitUntil(`${s.nodes} nodes`, async () => (await client.nodes.list({ resourceVersion: '0' })).items.length >= s.nodes, 300_000).catch((err: Error) => {
          throw new Error(`${err.message}; kite-hollow-nodes said: ${hollow.stderrText()}`);
        });

        const bound = new Map<string, number>();
        const created = new Map<string, number>();
        const ac = new AbortController();
        const watching = trackBoundPods(client, 'default', bound, ac.signal);

        // Timing starts once the scheduler leads and has synced its caches (it then binds pods at once).
        const scheduler = startProgram('kite-scheduler', server);
        await waitUntil('the scheduler to lead', async () => !!(await client.leases.get('kube-scheduler', 'kube-system')), 60_000);
        await new Promise((r) => setTimeout(r, 1000));
        const t0 = performance.now();
        let next = 0;
        await Promise.all(
          Array.from({ length: 32 }, async () => {
            while (next < s.pods) {
              const i = next++;
              created.set(`bench-${i}`, performance.now());
              await client.pods.create(benchPod(i));
            }
          }),
        );
        const createdAll = performance.now();
        await waitUntil(`${s.pods} bound pods`, async () => bound.size >= s.pods, 600_000);
        const last = Math.max(...bound.values());
        const preemption = s.nodes === PREEMPTION_NODES ? await preemptionBasic(client, s.nodes, bound) : undefined;
        ac.abort();
        await watching;
        const latencies = [...bound].map(([name, t]) => t - created.get(name)!);
        await stopProgram(scheduler);
        await stopProgram(hollow);
        return {
          throughput: s.pods / ((last - t0) / 1000),
          createRate: s.pods / ((createdAll - t0) / 1000),
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          preemption,
        };
      })(),
    );
  } finally {
    client.close();
    await stopProgram(api);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const rows: string[] = [];
  const preemptionRows: string[] = [];
  for (const s of scenarios) {
    const core = await coreThroughput(s.nodes, s.pods);
    const e2e = await run(s);
    const line = `| ${s.nodes} x ${s.pods} | ${fmt(e2e.throughput, 0)} | ${fmt(e2e.createRate, 0)} | ${fmt(e2e.p50, 0)} | ${fmt(e2e.p99, 0)} | ${fmt(core, 0)} | ${fmt(e2e.throughput / core, 2)} |`;
    console.log(line);
    rows.push(line);
    if (e2e.preemption !== undefined) {
      const p = e2e.preemption;
      const done = p.bound === p.total ? `${p.bound}` : `${p.bound} of ${p.total} (10 min limit)`;
      const row = `| ${s.nodes} | ${s.nodes * 4} low-priority pods, then ${s.nodes} high-priority pods that each preempt one | ${done} | ${fmt(p.podsPerSecond, 0)} |`;
      console.log(row);
      preemptionRows.push(row);
    }
  }
  const policyRows: string[] = [];
  if (POLICY_NODES > 0) {
    const e2e = await runPolicyWorkloads(POLICY_NODES);
    for (const r of e2e) {
      const core = await policyScenario(policyWorkloads(POLICY_NODES).find((w) => w.name === r.name)!, POLICY_NODES);
      const row = `| ${r.name} | ${POLICY_NODES} | ${r.initPods} + ${r.measurePods} | ${fmt(r.throughput, 0)} | ${fmt(r.createRate, 0)} | ${fmt(core, 0)} |`;
      console.log(row);
      policyRows.push(row);
    }
  }
  const table = [
    '| nodes x pods | scheduled pods/s (create -> bound, via API) | pod creates/s (API floor) | p50 create->bound ms | p99 create->bound ms | in-process core pods/s | e2e / core |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    ...(preemptionRows.length > 0
      ? ['', 'Preemption (scheduler_perf PreemptionBasic), in the same cluster after the plain workload:', '', '| nodes | workload | preemptors bound | preemptors bound/s |', '|---|---|---|---|', ...preemptionRows]
      : []),
    ...(policyRows.length > 0
      ? [
          '',
          "Inter-pod policies (scheduler_perf's SchedulingPodAntiAffinity, TopologySpreading and PreferredTopologySpreading), in a cluster of their own (nodes of 4 cpu in 3 zones); the measured pods are timed:",
          '',
          '| workload | nodes | init + measured pods | scheduled pods/s (create -> bound, via API) | pod creates/s (API floor) | in-process core pods/s |',
          '|---|---|---|---|---|---|',
          ...policyRows,
        ]
      : []),
  ].join('\n');
  console.log(`\n${table}`);
  writeBenchmarkSection('bench:scheduler', 'npm run bench:scheduler', table);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
