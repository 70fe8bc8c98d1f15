// In-process throughput of the scheduler core (no apiserver): N nodes, M pods of a few
// ReplicaSets, a backend whose bind succeeds at once and confirms the binding the way the
// informer would. Prints the median pods/s of several runs per scenario, and every run (the
// machine is shared and noisy). Run: npx tsx bench/scheduler-core.ts [--quick] [--runs N]
import { performance } from 'node:perf_hooks';
import { Node, Pod, type PodCondition } from '../lib/gen/kite/core/v1/types';
import { Scheduler, type SchedulerBackend } from '../services/scheduler';

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

/** Pods scheduled per second, in process, for one scenario. */
export async function scenario(nodes: number, pods: number): Promise<number> {
  let bound = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const backend: SchedulerBackend = {
    async bind(p: Pod, nodeName: string) {
      // What the informer delivers once the apiserver has stored the binding.
      setImmediate(() => {
        sched.updatePod(p, { ...p, spec: { ...p.spec!, nodeName } });
        if (++bound === pods) done();
      });
    },
    recordEvent() {},
    async setPodCondition(_p: Pod, _c: PodCondition) {},
    async preemptPod() {},
    async clearNominatedNodeName() {},
  };
  const sched = new Scheduler({ backend });
  for (let i = 0; i < nodes; i++) sched.addNode(node(i));
  const all = Array.from({ length: pods }, (_, i) => pod(i, 50));
  const t0 = performance.now();
  for (const p of all) sched.addPod(p);
  const running = sched.run();
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  sched.stop();
  await running;
  return pods / seconds;
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
}

if (require.main === module) void main();
