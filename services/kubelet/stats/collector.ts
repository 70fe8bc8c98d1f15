// The kubelet's stats collector (cAdvisor's housekeeping, for the CPU and memory parts): every
// interval it samples every running container of the node's pods once, keeps each one's last two
// samples, and builds the Summary (the kubelet's /stats/summary) from them, so a caller (the
// metrics-scraper, every 15 s) reads what was measured and never makes the runtime measure. A
// pod's usage is the sum of its containers' and its sandbox's, as its cgroup holds them. The node's
// is its pods' plus the kubelet's own: Kubernetes reads the node's root cgroup, but a Kite node is
// a container whose engine's containers are its siblings in the host's cgroups (kind-style), so
// no cgroup holds a node's pods; its CPU time accumulates the measured containers' increments,
// so pods coming and going never make it go back.
import type { ContainerStats, CPUStats, MemoryStats, PodStats, Summary } from '../../../lib/gen/kite/kubelet/v1/kubelet';
import type { Logger } from '../../../lib/log';
import { rfc3339 } from '../../../lib/util/time';
import type { ContainerRuntime, PodRuntimeState, RuntimeContainer } from '../runtime/types';
import { cpuRateNanoCores as nanoCores } from '../../../lib/util/cpu-rate';
import type { Sample } from './samples';

/** Where the samples come from: the runtime's containers and their stats (runtime/types.ts), and the kubelet's own. */
export interface StatsSource {
  runtime: Pick<ContainerRuntime, 'listPodContainers' | 'containerStats'>;
  selfSample(): Sample;
}

/** cAdvisor's housekeeping interval, the kubelet's default. */
export const DEFAULT_STATS_INTERVAL_MS = 10_000;

interface Measured {
  prev?: Sample;
  cur: Sample;
}

interface PodSamples {
  pod: PodRuntimeState;
  containers: { container: RuntimeContainer; samples: Measured }[];
  sandboxes: Measured[];
}

export class StatsCollector {
  private node?: Measured;
  private self?: Sample;
  /** The node's cumulative CPU time: every measured increment of its containers and of the kubelet. */
  private nodeCpuNanos = 0;
  private containers = new Map<string, Measured>();
  private pods: PodSamples[] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly startTime = rfc3339();

  constructor(
    private readonly nodeName: string,
    private readonly source: StatsSource,
    private readonly log: Logger,
    private readonly intervalMs = DEFAULT_STATS_INTERVAL_MS,
  ) {}

  start(): void {
    void this.collect();
    this.timer = setInterval(() => void this.collect(), this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One round of samples (skipped while the previous one still runs). */
  collect(): Promise<void> {
    this.running ??= this.sampleAll()
      .catch((err: Error) => this.log.warn({ err: err.message }, 'stats collection failed'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async sampleAll(): Promise<void> {
    const pods = await this.source.runtime.listPodContainers();
    const next = new Map<string, Measured>();
    const measure = async (c: RuntimeContainer): Promise<Measured | undefined> => {
      if (c.state !== 'running') return undefined;
      const cur = await this.source.runtime.containerStats(c.id).catch(() => undefined);
      if (!cur) return undefined;
      const m = { prev: this.containers.get(c.id)?.cur, cur };
      next.set(c.id, m);
      return m;
    };
    const measured = await Promise.all(
      pods.map(async (pod) => {
        const containers = await Promise.all(pod.containers.map(async (container) => ({ container, samples: await measure(container) })));
        const sandboxes = await Promise.all(pod.sandboxes.map(measure));
        return {
          pod,
          containers: containers.filter((c): c is PodSamples['containers'][number] => c.samples !== undefined),
          sandboxes: sandboxes.filter((s): s is Measured => s !== undefined),
        };
      }),
    );
    const self = this.source.selfSample();
    const all = [...next.values(), { prev: this.self, cur: self }];
    this.nodeCpuNanos += all.reduce((sum, m) => sum + (m.prev ? Math.max(0, m.cur.cpuNanos - m.prev.cpuNanos) : 0), 0);
    const total = (f: (s: Sample) => number) => all.reduce((sum, m) => sum + f(m.cur), 0);
    const node: Sample = { timeMs: self.timeMs, cpuNanos: this.nodeCpuNanos, memoryUsageBytes: total((s) => s.memoryUsageBytes), workingSetBytes: total((s) => s.workingSetBytes), rssBytes: total((s) => s.rssBytes) };
    this.node = { prev: this.node?.cur, cur: node };
    this.self = self;
    this.containers = next;
    this.pods = measured.filter((p) => p.containers.length > 0);
  }

  /** The Summary of the last round (empty pods before the first). */
  summary(): Summary {
    return {
      node: { nodeName: this.nodeName, startTime: this.startTime, cpu: this.node && cpuStats(this.node), memory: this.node && memoryStats(this.node.cur) },
      pods: this.pods.map(podStats),
    };
  }
}

function cpuStats(m: Measured): CPUStats {
  return { time: new Date(m.cur.timeMs).toISOString(), usageNanoCores: nanoCores(m.prev, m.cur), usageCoreNanoSeconds: m.cur.cpuNanos };
}

function memoryStats(s: Sample): MemoryStats {
  return { time: new Date(s.timeMs).toISOString(), usageBytes: s.memoryUsageBytes, workingSetBytes: s.workingSetBytes, rssBytes: s.rssBytes };
}

function podStats(p: PodSamples): PodStats {
  const byName = [...p.containers].sort((a, b) => (a.container.name < b.container.name ? -1 : 1));
  const containers: ContainerStats[] = byName.map(({ container, samples }) => ({
    name: container.name,
    startTime: container.startedAt ?? container.createdAt,
    cpu: cpuStats(samples),
    memory: memoryStats(samples.cur),
  }));
  const all = [...p.containers.map((c) => c.samples), ...p.sandboxes];
  const sum = (f: (s: Sample) => number) => all.reduce((total, m) => total + f(m.cur), 0);
  const rates = all.map((m) => nanoCores(m.prev, m.cur));
  const latest = Math.max(...all.map((m) => m.cur.timeMs));
  const time = new Date(latest).toISOString();
  return {
    podRef: { name: p.pod.name, namespace: p.pod.namespace, uid: p.pod.uid },
    startTime: p.pod.sandboxes[0]?.createdAt ?? containers[0]?.startTime ?? '',
    containers,
    cpu: { time, usageNanoCores: rates.every((r) => r !== undefined) ? rates.reduce((a, b) => a + b, 0) : undefined, usageCoreNanoSeconds: sum((s) => s.cpuNanos) },
    memory: { time, usageBytes: sum((s) => s.memoryUsageBytes), workingSetBytes: sum((s) => s.workingSetBytes), rssBytes: sum((s) => s.rssBytes) },
  };
}
