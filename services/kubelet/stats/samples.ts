// One measurement of a container, as cAdvisor takes them for the kubelet's summary: cumulative
// CPU time and memory usage, with the working set computed as the kubelet does (usage minus the
// inactive file pages, never below zero: the memory the kernel could not reclaim without
// swapping, which evictions and the metrics API go by). The Docker Engine's stats are parsed
// here, read by the runtime (runtime/docker-runtime.ts).

export interface Sample {
  /** When it was taken (ms since the epoch). */
  timeMs: number;
  /** Cumulative CPU time, in nanoseconds. */
  cpuNanos: number;
  memoryUsageBytes: number;
  workingSetBytes: number;
  rssBytes: number;
}

/** cAdvisor's working set: usage minus inactive_file, floored at zero. */
export function workingSet(usageBytes: number, inactiveFileBytes: number): number {
  return Math.max(0, usageBytes - inactiveFileBytes);
}

/** The Docker Engine's one-shot stats (GET /containers/{id}/stats?stream=false), the fields read. */
export interface DockerStats {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

/** A container's sample from its Docker stats (cgroup v1 names total_inactive_file and total_rss, v2 inactive_file and anon). */
export function sampleFromDockerStats(s: DockerStats, nowMs: number): Sample | undefined {
  const cpuNanos = s.cpu_stats?.cpu_usage?.total_usage;
  const usage = s.memory_stats?.usage;
  // A container that is not running has no cgroup and reports neither.
  if (cpuNanos === undefined || usage === undefined) return undefined;
  const stats = s.memory_stats?.stats ?? {};
  const inactive = stats.total_inactive_file ?? stats.inactive_file ?? 0;
  const read = s.read ? Date.parse(s.read) : NaN;
  return {
    timeMs: Number.isFinite(read) && read > 0 ? read : nowMs,
    cpuNanos,
    memoryUsageBytes: usage,
    workingSetBytes: workingSet(usage, inactive),
    rssBytes: stats.total_rss ?? stats.rss ?? stats.anon ?? 0,
  };
}

/** This process' sample (the kubelet's own usage, which no pod holds). */
export function processSample(nowMs = Date.now()): Sample {
  const cpu = process.cpuUsage();
  const rss = process.memoryUsage.rss();
  return { timeMs: nowMs, cpuNanos: (cpu.user + cpu.system) * 1000, memoryUsageBytes: rss, workingSetBytes: rss, rssBytes: rss };
}
