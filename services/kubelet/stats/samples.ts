// One measurement of a container or of the node, as cAdvisor takes them for the kubelet's
// summary: cumulative CPU time and memory usage, with the working set computed as the kubelet
// does (usage minus the inactive file pages, never below zero: the memory the kernel could not
// reclaim without swapping, which evictions and the metrics API go by). Pure: the Docker
// Engine's stats and the cgroup files are parsed here, read elsewhere.
import { readText } from '../node-status/machine';

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

type ReadFile = (path: string) => string | undefined;

/** "key value" lines (memory.stat, cpu.stat) as numbers. */
export function parseFlatKeyed(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && Number.isFinite(Number(value))) out[key] = Number(value);
  }
  return out;
}

/** USER_HZ: /proc/stat counts jiffies of 1/100 s on Linux. */
const NANOS_PER_JIFFY = 10_000_000;

/**
 * The node's sample: its root cgroup (a kind-style node container's own, in its cgroup namespace),
 * v2 then v1, as the kubelet reads the "/" container; without memory accounting there (the host's
 * v2 root) the machine's /proc/stat and /proc/meminfo.
 */
export function nodeSample(read: ReadFile = readText, nowMs = Date.now()): Sample {
  const v2Memory = read('/sys/fs/cgroup/memory.current');
  if (v2Memory !== undefined) {
    const memStat = parseFlatKeyed(read('/sys/fs/cgroup/memory.stat'));
    const usage = Number(v2Memory);
    return {
      timeMs: nowMs,
      cpuNanos: (parseFlatKeyed(read('/sys/fs/cgroup/cpu.stat')).usage_usec ?? 0) * 1000,
      memoryUsageBytes: usage,
      workingSetBytes: workingSet(usage, memStat.inactive_file ?? 0),
      rssBytes: memStat.anon ?? 0,
    };
  }
  const v1Memory = read('/sys/fs/cgroup/memory/memory.usage_in_bytes');
  const v1Cpu = read('/sys/fs/cgroup/cpuacct/cpuacct.usage') ?? read('/sys/fs/cgroup/cpu,cpuacct/cpuacct.usage');
  if (v1Memory !== undefined && v1Cpu !== undefined) {
    const memStat = parseFlatKeyed(read('/sys/fs/cgroup/memory/memory.stat'));
    const usage = Number(v1Memory);
    return {
      timeMs: nowMs,
      cpuNanos: Number(v1Cpu),
      memoryUsageBytes: usage,
      workingSetBytes: workingSet(usage, memStat.total_inactive_file ?? 0),
      rssBytes: memStat.total_rss ?? 0,
    };
  }
  return procSample(read, nowMs);
}

/** The machine's CPU time (every state but idle and iowait) and memory in use (total minus free, cached and buffers). */
export function procSample(read: ReadFile, nowMs: number): Sample {
  const cpuLine = (read('/proc/stat') ?? '').split('\n').find((l) => l.startsWith('cpu '));
  const [, user, nice, system, , , irq, softirq, steal] = (cpuLine ?? '').trim().split(/\s+/).map(Number);
  const jiffies = [user, nice, system, irq, softirq, steal].reduce((sum, v) => sum + (Number.isFinite(v) ? v : 0), 0);
  const mem = parseFlatKeyed((read('/proc/meminfo') ?? '').replace(/:/g, '').replace(/ kB/g, ''));
  const kib = (k: string) => (mem[k] ?? 0) * 1024;
  const usage = kib('MemTotal') - kib('MemFree');
  return {
    timeMs: nowMs,
    cpuNanos: jiffies * NANOS_PER_JIFFY,
    memoryUsageBytes: usage,
    workingSetBytes: workingSet(usage, kib('Inactive(file)')),
    rssBytes: kib('AnonPages'),
  };
}
