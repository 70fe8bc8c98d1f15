// bench:scheduler's preemption workload, after scheduler_perf's PreemptionBasic: fill every node
// with low-priority pods (4 of 7900m cpu on the bench's 32-cpu nodes), then create high-priority
// pods of the same size, one per node, each of which has to preempt a low-priority pod (the
// scheduler nominates a node, the victim is deleted gracefully, the hollow node finishes it, the
// preemptor is retried and bound). Reports high-priority pods bound per second, and how many were
// bound when not all of them were within 10 minutes (the benchmark then still reports the rest).
import type { Clientset } from '../../lib/client/clientset';
import { Pod } from '../../lib/gen/kite/core/v1/types';
import { PriorityClass } from '../../lib/gen/kite/scheduling/v1/types';

const LOW_PER_NODE = 4;
const CPU = '7900m';

function pod(name: string, priorityClassName: string): Pod {
  return Pod.fromPartial({
    metadata: { name, namespace: 'default', labels: { app: 'bench-preemption' } },
    spec: { priorityClassName, containers: [{ name: 'c', image: 'nginx:1.22', resources: { requests: { cpu: CPU, memory: '16Mi' } } }] },
  });
}

async function createAll(client: Clientset, names: string[], priorityClassName: string): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < names.length) await client.pods.create(pod(names[next++], priorityClassName));
    }),
  );
}

/** Waits until every pod in `names` is bound; false when `timeoutMs` passed first. */
async function until(names: readonly string[], bound: ReadonlyMap<string, number>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!names.every((n) => bound.has(n))) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
  return true;
}

export interface PreemptionResult {
  /** Preemptors bound per second, over those bound. */
  podsPerSecond: number;
  bound: number;
  total: number;
}

/** `bound` is the bench's pod name -> bind time, fed by its watch. */
export async function preemptionBasic(client: Clientset, nodes: number, bound: ReadonlyMap<string, number>): Promise<PreemptionResult> {
  await client.priorityClasses.create(PriorityClass.fromPartial({ metadata: { name: 'bench-low' }, value: 1 }));
  await client.priorityClasses.create(PriorityClass.fromPartial({ metadata: { name: 'bench-high' }, value: 10 }));
  const low = Array.from({ length: nodes * LOW_PER_NODE }, (_, i) => `low-${i}`);
  await createAll(client, low, 'bench-low');
  if (!(await until(low, bound, 600_000))) throw new Error(`timed out waiting for ${low.length} low-priority pods to be bound`);
  const high = Array.from({ length: nodes }, (_, i) => `high-${i}`);
  const t0 = performance.now();
  await createAll(client, high, 'bench-high');
  await until(high, bound, 600_000);
  const times = high.flatMap((n) => bound.get(n) ?? []);
  const last = Math.max(...times);
  return { podsPerSecond: times.length / ((last - t0) / 1000), bound: times.length, total: high.length };
}
