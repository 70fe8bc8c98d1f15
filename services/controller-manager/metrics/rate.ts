// metrics-server's storage (pkg/storage/node.go, pod.go), pure: from two consecutive cumulative
// samples of a node or of a pod's containers, the CPU rate over the window between them (usage
// delta / time delta) and the last working set, as the metrics API's NodeMetrics and PodMetrics.
// Without an earlier sample, or when the counter went back (a restart) or time did not advance,
// there is no rate and the object is left out, as metrics-server leaves it out.
import { canonicalQuantity, formatMilliAmount } from '../../../lib/api/quantity';
import { cpuRateNanoCores, type CpuPoint } from '../../../lib/util/cpu-rate';
import type { CPUStats, MemoryStats, NodeStats, PodStats } from '../../../lib/gen/kite/kubelet/v1/kubelet';
import type { ContainerMetrics, NodeMetrics, PodMetrics } from '../../../lib/gen/kite/metrics/v1beta1/types';
import { ObjectMeta } from '../../../lib/gen/kite/meta/v1/meta';
import { formatDuration } from '../../../lib/util/duration';
import { rfc3339 } from '../../../lib/util/time';

/** One cumulative point: CPU time and working set at a time. */
export interface Point extends CpuPoint {
  workingSetBytes: number;
}

export function pointOf(cpu: CPUStats | undefined, memory: MemoryStats | undefined): Point | undefined {
  const timeMs = Date.parse(cpu?.time ?? '');
  if (!Number.isFinite(timeMs) || cpu?.usageCoreNanoSeconds === undefined || memory?.workingSetBytes === undefined) return undefined;
  return { timeMs, cpuNanos: cpu.usageCoreNanoSeconds, workingSetBytes: memory.workingSetBytes };
}

/** metrics-server's usage: CPU in nanocores (canonical: "12500000n" is "12500u"), memory in bytes, binary. */
export function usageOf(nanoCores: number, workingSetBytes: number): Record<string, string> {
  return { cpu: canonicalQuantity(`${nanoCores}n`), memory: formatMilliAmount(BigInt(workingSetBytes) * 1000n, 'BinarySI') };
}

export function nodeMetrics(prev: NodeStats | undefined, cur: NodeStats): NodeMetrics | undefined {
  const p = pointOf(prev?.cpu, prev?.memory);
  const c = pointOf(cur.cpu, cur.memory);
  if (!c) return undefined;
  const rate = cpuRateNanoCores(p, c);
  if (rate === undefined) return undefined;
  return {
    metadata: ObjectMeta.fromPartial({ name: cur.nodeName }),
    timestamp: rfc3339(new Date(c.timeMs)),
    window: formatDuration(c.timeMs - p!.timeMs),
    usage: usageOf(rate, c.workingSetBytes),
    kind: 'NodeMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
  };
}

/** A pod's metrics once every container has two samples (metrics-server drops a pod missing one). */
export function podMetrics(prev: PodStats | undefined, cur: PodStats): PodMetrics | undefined {
  if (!prev || cur.containers.length === 0) return undefined;
  const containers: ContainerMetrics[] = [];
  let window: [number, number] | undefined;
  for (const c of cur.containers) {
    const cp = pointOf(c.cpu, c.memory);
    const before = prev.containers.find((x) => x.name === c.name);
    const pp = pointOf(before?.cpu, before?.memory);
    if (!cp) return undefined;
    const rate = cpuRateNanoCores(pp, cp);
    if (rate === undefined) return undefined;
    window ??= [pp!.timeMs, cp.timeMs];
    containers.push({ name: c.name, usage: usageOf(rate, cp.workingSetBytes) });
  }
  return {
    metadata: ObjectMeta.fromPartial({ name: cur.podRef!.name, namespace: cur.podRef!.namespace }),
    timestamp: rfc3339(new Date(window![1])),
    window: formatDuration(window![1] - window![0]),
    containers,
    kind: 'PodMetrics',
    apiVersion: 'metrics.k8s.io/v1beta1',
  };
}
