// The kubelet's /metrics/resource (pkg/kubelet/metrics/collectors/resource_metrics.go) from a
// Summary: the node's, each pod's and each container's cumulative CPU seconds and working set, in
// Prometheus' text format with Kubernetes' family names, help texts, labels and sample
// timestamps, families in name order as the Go client writes them.
import type { CPUStats, MemoryStats, Summary } from '../../../lib/gen/kite/kubelet/v1/kubelet';

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: string[];
}

/** A float as Go's strconv.FormatFloat(f, 'g', -1, 64) writes it ("5.44", "1.2e+07"). */
export function goFloat(f: number): string {
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : f < 0 ? '-Inf' : 'NaN';
  const abs = Math.abs(f);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-4)) {
    return f.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(f);
}

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, string>) => {
  const entries = Object.entries(l);
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}` : '';
};
const stamp = (time: string | undefined) => {
  const ms = time ? Date.parse(time) : NaN;
  return Number.isFinite(ms) ? ` ${ms}` : '';
};

function cpuSample(name: string, l: Record<string, string>, cpu: CPUStats | undefined): string[] {
  if (cpu?.usageCoreNanoSeconds === undefined) return [];
  return [`${name}${labels(l)} ${goFloat(cpu.usageCoreNanoSeconds / 1e9)}${stamp(cpu.time)}`];
}

function memorySample(name: string, l: Record<string, string>, memory: MemoryStats | undefined): string[] {
  if (memory?.workingSetBytes === undefined) return [];
  return [`${name}${labels(l)} ${goFloat(memory.workingSetBytes)}${stamp(memory.time)}`];
}

export function resourceMetricsText(s: Summary): string {
  const containers = s.pods.flatMap((p) => p.containers.map((c) => ({ c, l: { container: c.name, namespace: p.podRef?.namespace ?? '', pod: p.podRef?.name ?? '' } })));
  const pods = s.pods.map((p) => ({ p, l: { namespace: p.podRef?.namespace ?? '', pod: p.podRef?.name ?? '' } }));
  const families: Family[] = [
    {
      name: 'container_cpu_usage_seconds_total',
      help: '[STABLE] Cumulative cpu time consumed by the container in core-seconds',
      type: 'counter',
      samples: containers.flatMap(({ c, l }) => cpuSample('container_cpu_usage_seconds_total', l, c.cpu)),
    },
    {
      name: 'container_memory_working_set_bytes',
      help: '[STABLE] Current working set of the container in bytes',
      type: 'gauge',
      samples: containers.flatMap(({ c, l }) => memorySample('container_memory_working_set_bytes', l, c.memory)),
    },
    {
      name: 'container_start_time_seconds',
      help: '[STABLE] Start time of the container since unix epoch in seconds',
      type: 'gauge',
      samples: containers.flatMap(({ c, l }) => {
        const ms = Date.parse(c.startTime);
        return Number.isFinite(ms) ? [`container_start_time_seconds${labels(l)} ${goFloat(ms / 1000)}${stamp(c.startTime)}`] : [];
      }),
    },
    {
      name: 'node_cpu_usage_seconds_total',
      help: '[STABLE] Cumulative cpu time consumed by the node in core-seconds',
      type: 'counter',
      samples: cpuSample('node_cpu_usage_seconds_total', {}, s.node?.cpu),
    },
    {
      name: 'node_memory_working_set_bytes',
      help: '[STABLE] Current working set of the node in bytes',
      type: 'gauge',
      samples: memorySample('node_memory_working_set_bytes', {}, s.node?.memory),
    },
    {
      name: 'pod_cpu_usage_seconds_total',
      help: '[STABLE] Cumulative cpu time consumed by the pod in core-seconds',
      type: 'counter',
      samples: pods.flatMap(({ p, l }) => cpuSample('pod_cpu_usage_seconds_total', l, p.cpu)),
    },
    {
      name: 'pod_memory_working_set_bytes',
      help: '[STABLE] Current working set of the pod in bytes',
      type: 'gauge',
      samples: pods.flatMap(({ p, l }) => memorySample('pod_memory_working_set_bytes', l, p.memory)),
    },
    { name: 'resource_scrape_error', help: '[STABLE] 1 if there was an error while getting container metrics, 0 otherwise', type: 'gauge', samples: ['resource_scrape_error 0'] },
  ];
  return families
    .filter((f) => f.samples.length > 0)
    .map((f) => `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n${f.samples.join('\n')}\n`)
    .join('');
}
