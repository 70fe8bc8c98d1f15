// In-process throughput of the scheduler core (no apiserver): N nodes, M pods of a few
// ReplicaSets, a backend whose bind succeeds at once and confirms the binding the way the
// informer would; and scheduler_perf's pod anti-affinity and topology spreading workloads at 1000
// nodes (scheduler-workloads.ts), timing only their measured pods. Prints the median pods/s of
// several runs per scenario, and every run (the machine is shared and noisy).
// Run: npx tsx bench/scheduler-core.ts [--quick] [--runs N]
import { performance } from 'node:perf_hooks';
import { Node, Pod, type PodCondition } from '../lib/gen/kite/core/v1/types';
import { Scheduler, type SchedulerBackend } from '../services/scheduler';
import { type PolicyWorkload, policyWorkloads, ZONE_LABEL, ZONES } from './scheduler-workloads';

function node(i: number): Node {
  const allocatable = { cpu: '32', memory: '128Gi', pods: '110' };
  return Node.fromPartial({
    metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}`, 'topology.kubernetes.io/zone': `zone-${i % 3}` } },
    spec: { taints: i % 50 === 0 ? [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] : [] },
    status: { capacity: allocatable, allocatable },
  });
}

function pod(i: number, replicaSets: number): Pod {
  const rs = `rs-${i % replicaSets}`;
  return Pod.fromPartial({
    metadata: {
      name: `pod-${i}`,
      namespace: 'bench',
      uid: `uid-${i}`,
      labels: { app: rs },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: `uid-${rs}`, controller: true }],
    },
    spec: {
      schedulerName: 'default-scheduler',
      containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: {} } }],
    },
    status: { phase: 'Pending' },
  });
}

/** node-default.yaml (4 cpu, 32Gi, 110 pods) with a zone label, for the policy workloads. */
function policyNode(i: number): Node {
  const allocatable = { cpu: '4', memory: '32Gi', pods: '110' };
  return Node.fromPartial({
    metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}`, [ZONE_LABEL]: ZONES[i % ZONES.length] } },
    status: { capacity: allocatable, allocatable },
  });
}

/** Schedules `init` until all are bound, then `measured`; returns the measured pods per second. */
async function measure(nodes: Node[], init: Pod[], measured: Pod[]): Promise<number> {
  let bound = 0;
  let target = init.length;
  let done: () => void = () => {};
  let finished = new Promise<void>((r) => (done = r));
  const backend: SchedulerBackend = {
    async bind(p: Pod, nodeName: string) {
      // What the informer delivers once the apiserver has stored the binding.
      setImmediate(() => {
        sched.updatePod(p, { ...p, spec: { ...p.spec!, nodeName } });
        if (++bound === target) done();
      });
    },
    recordEvent() {},
    async setPodCondition(_p: Pod, _c: PodCondition) {},
    async preemptPod() {},
    async clearNominatedNodeName() {},
  };
  const sched = new Scheduler({ backend });
  for (const n of nodes) sched.addNode(n);
  const running = sched.run();
  if (init.length > 0) {
    for (const p of init) sched.addPod(p);
    await finished;
  }
  bound = 0;
  target = measured.length;
  finished = new Promise<void>((r) => (done = r));
  const t0 = performance.now();
  for (const p of measured) sched.addPod(p);
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  sched.stop();
  await running;
  return measured.length / seconds;
}

/** Pods scheduled per second, in process, for one scenario of plain ReplicaSet pods. */
export async function scenario(nodes: number, pods: number): Promise<number> {
  const all = Array.from({ length: pods }, (_, i) => pod(i, 50));
  return measure(Array.from({ length: nodes }, (_, i) => node(i)), [], all);
}

/** Measured pods per second of one of scheduler_perf's policy workloads, in process. */
export async function policyScenario(w: PolicyWorkload, nodes: number): Promise<number> {
  return measure(
    Array.from({ length: nodes }, (_, i) => policyNode(i)),
    Array.from({ length: w.initPods }, (_, i) => w.initPod(i)),
    Array.from({ length: w.measurePods }, (_, i) => w.measuredPod(i)),
  );
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : quick ? 1 : 3;
  const cases: [number, number][] = quick ? [[1000, 2000]] : [[1000, 5000], [5000, 10000]];
  for (const [n, p] of cases) {
    const rates: number[] = [];
    for (let i = 0; i < runs; i++) rates.push(await scenario(n, p));
    const sorted = [...rates].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const all = rates.map((r) => r.toFixed(0)).join(', ');
    process.stdout.write(`scheduler core: ${n} nodes x ${p} pods: median ${median.toFixed(0)} pods/s (runs: ${all})\n`);
  }
  for (const w of policyWorkloads(1000)) {
    const rates: number[] = [];
    for (let i = 0; i < runs; i++) rates.push(await policyScenario(w, 1000));
    const sorted = [...rates].sort((a, b) => a - b);
    const all = rates.map((r) => r.toFixed(0)).join(', ');
    process.stdout.write(`scheduler core: ${w.name}, 1000 nodes, ${w.initPods} + ${w.measurePods} pods: median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} pods/s (runs: ${all})\n`);
  }
}

if (require.main === module) void main();
