// What the node offers: cpu and memory of the machine, or of the container cgroup the kubelet runs
// in (a kind-style node container may be limited), the allocatable share after reservations, and
// the node's InternalIP.
import { readFileSync } from 'node:fs';
import { cpus, networkInterfaces, totalmem } from 'node:os';
import { formatMilliQuantity, formatQuantity, quantityMilliValue, quantityValue } from '../../../lib/api/quantity';

export interface Capacity {
  cpu: string;
  memory: string;
  pods: string;
  [resource: string]: string;
}

type ReadFile = (path: string) => string | undefined;

const readText: ReadFile = (path) => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** Millicores the cgroup may use: cfs quota/period (v1) or cpu.max (v2); undefined when unlimited. */
export function cgroupCpuMillis(read: ReadFile = readText): number | undefined {
  const quota = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'));
  const period = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
  if (quota > 0 && period > 0) return Math.floor((quota * 1000) / period);
  const max = read('/sys/fs/cgroup/cpu.max')?.split(/\s+/);
  if (max && max[0] !== 'max' && Number(max[0]) > 0 && Number(max[1]) > 0) return Math.floor((Number(max[0]) * 1000) / Number(max[1]));
  return undefined;
}

/** Bytes the cgroup may use (v1 memory.limit_in_bytes, v2 memory.max); undefined when unlimited. */
export function cgroupMemoryBytes(read: ReadFile = readText): number | undefined {
  for (const path of ['/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory.max']) {
    const text = read(path);
    if (!text || text === 'max') continue;
    const n = Number(text);
    // cgroup v1 writes "no limit" as a huge page-aligned number.
    if (Number.isFinite(n) && n > 0 && n < 2 ** 60) return n;
  }
  return undefined;
}

export function machineCapacity(maxPods: number, read: ReadFile = readText): Capacity {
  const hostMillis = cpus().length * 1000;
  const cpuMillis = Math.min(hostMillis, cgroupCpuMillis(read) ?? hostMillis);
  const memory = Math.min(totalmem(), cgroupMemoryBytes(read) ?? totalmem());
  // Kubernetes reports memory in Ki.
  return { cpu: formatMilliQuantity(cpuMillis), memory: `${Math.floor(memory / 1024)}Ki`, pods: String(maxPods) };
}

/** Capacity minus the reservations (system-reserved + kube-reserved), never below zero. */
export function allocatable(capacity: Capacity, ...reservations: Record<string, string>[]): Capacity {
  const out: Capacity = { ...capacity };
  for (const resource of Object.keys(capacity)) {
    const reserved = reservations.map((r) => r[resource]).filter((q): q is string => q !== undefined);
    if (reserved.length === 0) continue;
    if (resource === 'cpu') {
      const left = quantityMilliValue(capacity.cpu) - reserved.reduce((sum, q) => sum + quantityMilliValue(q), 0);
      out.cpu = formatMilliQuantity(Math.max(0, left));
    } else {
      const left = quantityValue(capacity[resource]) - reserved.reduce((sum, q) => sum + quantityValue(q), 0);
      out[resource] = resource === 'memory' ? `${Math.floor(Math.max(0, left) / 1024)}Ki` : formatQuantity(Math.max(0, left), 'DecimalSI');
    }
  }
  return out;
}

/** The IPv4 of the interface holding the default route, else the first non-loopback IPv4. */
export function detectNodeIP(read: ReadFile = readText): string {
  const interfaces = networkInterfaces();
  const ipv4 = (name: string) => interfaces[name]?.find((a) => a.family === 'IPv4' && !a.internal)?.address;
  const routes = read('/proc/net/route')?.split('\n').slice(1) ?? [];
  for (const line of routes) {
    const [iface, destination] = line.trim().split(/\s+/);
    if (destination === '00000000') {
      const ip = ipv4(iface);
      if (ip) return ip;
    }
  }
  for (const name of Object.keys(interfaces)) {
    const ip = ipv4(name);
    if (ip) return ip;
  }
  return '127.0.0.1';
}

/** Facts for status.nodeInfo that the host can tell. */
export function hostInfo(read: ReadFile = readText): { machineID: string; bootID: string; kernelVersion: string; osImage: string } {
  const osRelease = read('/etc/os-release') ?? '';
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? 'Linux';
  return {
    machineID: read('/etc/machine-id') ?? '',
    bootID: read('/proc/sys/kernel/random/boot_id') ?? '',
    kernelVersion: read('/proc/sys/kernel/osrelease') ?? '',
    osImage: pretty,
  };
}
