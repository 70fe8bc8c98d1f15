// The CPU rate between two cumulative samples, as cAdvisor (the kubelet's usageNanoCores) and
// metrics-server (the metrics API's windowed usage) both compute it: CPU time delta / time delta.
// No rate without an earlier sample, when time did not advance, or when the counter went back (a
// restarted container).

export interface CpuPoint {
  /** When it was taken (ms since the epoch). */
  timeMs: number;
  /** Cumulative CPU time, in nanoseconds. */
  cpuNanos: number;
}

/** Nanocores (1e9 = one core busy) between `prev` and `cur`, or undefined. */
export function cpuRateNanoCores(prev: CpuPoint | undefined, cur: CpuPoint): number | undefined {
  if (!prev || cur.timeMs <= prev.timeMs || cur.cpuNanos < prev.cpuNanos) return undefined;
  return Math.round(((cur.cpuNanos - prev.cpuNanos) * 1000) / (cur.timeMs - prev.timeMs));
}
