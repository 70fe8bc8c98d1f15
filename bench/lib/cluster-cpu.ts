// The CPU time of a kite cluster's components, as `docker stats` would give it per container but
// per program: every process of the host whose cgroup is one of the cluster's containers (its
// nodes and load balancer, the node's nested containers included) is read in /proc and counted
// under its program (etcd, kite-apiserver, haproxy, dockerd, ...). bench:failover reads it around
// each throughput phase to tell where a write's CPU goes in the single and the HA cluster.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { CLUSTER_LABEL } from '../../services/kite/nodes';

const run = promisify(execFile);
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

const ids = (stdout: string) => stdout.split('\n').filter(Boolean);

/**
 * The full ids of the cluster's containers and of the containers each node's own Docker Engine
 * runs (its static pods', its pods'): those are cgroups of their own beside the node's on the host.
 */
export async function clusterContainerIds(cluster: string): Promise<string[]> {
  const nodes = ids((await run('docker', ['ps', '-q', '--no-trunc', '--filter', `label=${CLUSTER_LABEL}=${cluster}`])).stdout);
  const nested = await Promise.all(nodes.map((n) => run('docker', ['exec', n, 'docker', 'ps', '-q', '--no-trunc']).then((r) => ids(r.stdout), () => [])));
  return [...nodes, ...nested.flat()];
}

/** The program a command line runs: node's script (kite-apiserver) or the executable (etcd, haproxy). */
export function programOf(argv: string[]): string {
  const exe = basename(argv[0] ?? '');
  if (exe === 'node' || exe === 'nodejs') {
    const script = argv.slice(1).find((a) => !a.startsWith('-'));
    return script ? basename(script) : exe;
  }
  return exe || 'unknown';
}

/** Whether /proc/<pid>/cgroup's text places the process in one of the containers (nested cgroups included). */
export function inContainers(cgroup: string, ids: string[]): boolean {
  return ids.some((id) => cgroup.includes(id));
}

/** User plus system CPU seconds of a /proc/<pid>/stat line. */
export function cpuSecondsOfStat(stat: string): number {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND;
}

/** CPU seconds so far by pid, with each process's program, of the processes in the containers. */
export type CpuSample = Map<number, { program: string; seconds: number }>;

export function sampleCpu(ids: string[]): CpuSample {
  const sample: CpuSample = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!inContainers(readFileSync(`/proc/${entry}/cgroup`, 'utf8'), ids)) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv.length === 0) continue;
      sample.set(Number(entry), { program: programOf(argv), seconds: cpuSecondsOfStat(readFileSync(`/proc/${entry}/stat`, 'utf8')) });
    } catch {
      // The process ended while it was read.
    }
  }
  return sample;
}

/** CPU seconds by program between two samples (processes present in both), most first. */
export function cpuByProgram(before: CpuSample, after: CpuSample): [string, number][] {
  const by = new Map<string, number>();
  for (const [pid, a] of after) {
    const b = before.get(pid);
    if (b && b.program === a.program) by.set(a.program, (by.get(a.program) ?? 0) + a.seconds - b.seconds);
  }
  return [...by].sort((x, y) => y[1] - x[1]);
}
