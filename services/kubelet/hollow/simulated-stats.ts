// What a hollow node reports as its pods' usage (kubemark's hollow kubelet runs a fake cAdvisor;
// kwok reads usage from annotations). A hollow-node-only knob: a pod's annotations
//   kite.io/simulated-cpu: 250m      the pod's CPU use (split evenly over its containers)
//   kite.io/simulated-memory: 64Mi   the pod's working set (split likewise)
// set the rate its Summary reports; a test or a benchmark changes them on the pod to make the
// usage rise and fall. The cumulative CPU time advances at the rate in force between two reads,
// so the metrics-scraper's windowed rate sees exactly the annotated value. Absent: zero.
import { parseQuantity } from '../../../lib/api/quantity';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import type { CPUStats, MemoryStats, PodStats, Summary } from '../../../lib/gen/kite/kubelet/v1/kubelet';

export const SIMULATED_CPU_ANNOTATION = 'kite.io/simulated-cpu';
export const SIMULATED_MEMORY_ANNOTATION = 'kite.io/simulated-memory';

/** A quantity annotation's value in nano-units (cores -> nanocores, bytes -> bytes x 1e9); 0 when absent or malformed. */
function annotationNanos(pod: Pod, key: string): bigint {
  const v = pod.metadata?.annotations[key];
  if (!v) return 0n;
  try {
    const n = parseQuantity(v).exactNano();
    return n > 0n ? n : 0n;
  } catch {
    return 0n;
  }
}

interface Accumulated {
  /** CPU time per container, in nanoseconds. */
  cpuNanos: number[];
  lastMs: number;
  /** The rate in force since lastMs, per container, in nanocores. */
  rate: number;
  startTime: string;
}

export class SimulatedUsage {
  private readonly pods = new Map<string, Accumulated>();
  private readonly nodeStart: string;
  private nodeCpuNanos = 0;

  constructor(now: number) {
    this.nodeStart = new Date(now).toISOString();
  }

  /** The Summary of `nodeName` running `pods` at `now`; forgets pods no longer given. */
  summary(nodeName: string, pods: Pod[], now: number): Summary {
    const time = new Date(now).toISOString();
    const seen = new Set<string>();
    const out: PodStats[] = [];
    for (const pod of pods) {
      const uid = pod.metadata!.uid;
      seen.add(uid);
      const containers = pod.spec?.containers ?? [];
      const n = Math.max(1, containers.length);
      const acc = this.advance(uid, n, now);
      acc.rate = Number(annotationNanos(pod, SIMULATED_CPU_ANNOTATION)) / n;
      const memory = Number(annotationNanos(pod, SIMULATED_MEMORY_ANNOTATION) / 1_000_000_000n) / n;
      const cpu = (i: number): CPUStats => ({ time, usageNanoCores: Math.round(acc.rate), usageCoreNanoSeconds: Math.round(acc.cpuNanos[i]) });
      const mem = (bytes: number): MemoryStats => ({ time, usageBytes: Math.round(bytes), workingSetBytes: Math.round(bytes), rssBytes: Math.round(bytes) });
      out.push({
        podRef: { name: pod.metadata!.name, namespace: pod.metadata!.namespace, uid },
        startTime: acc.startTime,
        containers: containers.map((c, i) => ({ name: c.name, startTime: acc.startTime, cpu: cpu(i), memory: mem(memory) })),
        cpu: { time, usageNanoCores: Math.round(acc.rate * n), usageCoreNanoSeconds: Math.round(acc.cpuNanos.reduce((a, b) => a + b, 0)) },
        memory: mem(memory * n),
      });
    }
    for (const uid of this.pods.keys()) if (!seen.has(uid)) this.pods.delete(uid);
    const nodeRate = out.reduce((sum, p) => sum + (p.cpu?.usageNanoCores ?? 0), 0);
    this.nodeCpuNanos = Math.max(this.nodeCpuNanos, out.reduce((sum, p) => sum + (p.cpu?.usageCoreNanoSeconds ?? 0), 0));
    const nodeMemory = out.reduce((sum, p) => sum + (p.memory?.workingSetBytes ?? 0), 0);
    return {
      node: {
        nodeName,
        startTime: this.nodeStart,
        cpu: { time, usageNanoCores: nodeRate, usageCoreNanoSeconds: this.nodeCpuNanos },
        memory: { time, usageBytes: nodeMemory, workingSetBytes: nodeMemory, rssBytes: nodeMemory },
      },
      pods: out,
    };
  }

  /** Adds the CPU time used at the old rate since the last read. */
  private advance(uid: string, containers: number, now: number): Accumulated {
    let acc = this.pods.get(uid);
    if (!acc) {
      acc = { cpuNanos: new Array<number>(containers).fill(0), lastMs: now, rate: 0, startTime: new Date(now).toISOString() };
      this.pods.set(uid, acc);
    }
    const elapsedSeconds = Math.max(0, now - acc.lastMs) / 1000;
    acc.cpuNanos = acc.cpuNanos.map((c) => c + acc!.rate * elapsedSeconds);
    acc.lastMs = now;
    return acc;
  }
}
