// What the scheduler needs to know about a pod, computed once per pod object: its resource
// requests as Kubernetes sums them, the host ports it claims and its inter-pod (anti-)affinity terms.
// The queue keeps one per pending pod and the cache one per assigned pod, so NodeInfo
// aggregates are updated incrementally instead of re-reading pod specs every cycle.
import { isSidecar, podKey } from '../../../lib/api/pods';
import { parseQuantity } from '../../../lib/api/quantity';
import type { Container, Pod } from '../../../lib/gen/kite/core/v1/types';
import { podAffinityTerms, type PodAffinityTerms } from './affinity-terms';

/** Requests assumed for scoring when a container sets none (kube-scheduler's defaults). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export interface Resources {
  milliCPU: number;
  memory: number;
}

export interface HostPort {
  /** "0.0.0.0" when the container port names no hostIP. */
  ip: string;
  protocol: string;
  port: number;
}

export { podKey };

export class PodInfo {
  readonly key: string;
  /** Effective requests as Kubernetes' PodRequests: max(containers + sidecars, each init container + the sidecars before it), per resource. */
  readonly requests: Resources;
  /** The same with kube-scheduler's defaults for unset cpu/memory requests; used by scoring. */
  readonly nonZeroRequests: Resources;
  readonly hostPorts: readonly HostPort[];
  /** Parsed pod affinity and anti-affinity terms; undefined when the pod has none. */
  readonly affinity: PodAffinityTerms | undefined;

  private constructor(
    readonly pod: Pod,
    from?: PodInfo,
  ) {
    this.key = podKey(pod);
    if (from) {
      this.requests = from.requests;
      this.nonZeroRequests = from.nonZeroRequests;
      this.hostPorts = from.hostPorts;
      this.affinity = from.affinity;
      return;
    }
    const spec = pod.spec;
    [this.requests, this.nonZeroRequests] = podRequests(spec?.containers ?? [], spec?.initContainers ?? []);
    this.hostPorts = hostPorts(spec?.containers ?? []);
    this.affinity = podAffinityTerms(pod);
  }

  static of(pod: Pod): PodInfo {
    return new PodInfo(pod);
  }

  get nodeName(): string {
    return this.pod.spec?.nodeName ?? '';
  }

  /** The pod as if bound to `nodeName` (a shallow copy; cached objects are never changed). */
  assignedTo(nodeName: string): PodInfo {
    const pod: Pod = { ...this.pod, spec: { ...this.pod.spec!, nodeName } };
    return new PodInfo(pod, this);
  }
}

// Pods of one ReplicaSet repeat the same few request strings; parsing each once keeps
// PodInfo construction cheap at thousands of pods per second.
const parsed = new Map<string, number>();
function cachedParse(text: string, milli: boolean): number {
  const key = milli ? `m:${text}` : text;
  let v = parsed.get(key);
  if (v === undefined) {
    const q = parseQuantity(text);
    v = milli ? q.milliValue() : q.value();
    if (parsed.size >= 4096) parsed.clear();
    parsed.set(key, v);
  }
  return v;
}

function containerRequests(c: Container): [Resources, Resources] {
  const req = c.resources?.requests ?? {};
  const cpu = req.cpu === undefined ? undefined : cachedParse(req.cpu, true);
  const mem = req.memory === undefined ? undefined : cachedParse(req.memory, false);
  return [
    { milliCPU: cpu ?? 0, memory: mem ?? 0 },
    { milliCPU: cpu ?? DEFAULT_MILLI_CPU_REQUEST, memory: mem ?? DEFAULT_MEMORY_REQUEST },
  ];
}

function add(to: Resources, r: Resources): void {
  to.milliCPU += r.milliCPU;
  to.memory += r.memory;
}

function atLeast(to: Resources, r: Resources): void {
  to.milliCPU = Math.max(to.milliCPU, r.milliCPU);
  to.memory = Math.max(to.memory, r.memory);
}

/**
 * Kubernetes' PodRequests: the app containers' sum, plus the sidecars (they run beside them), or
 * more if initialization needs more: an init container runs beside the sidecars started before it.
 */
function podRequests(containers: Container[], initContainers: Container[]): [Resources, Resources] {
  const sum: Resources = { milliCPU: 0, memory: 0 };
  const nonZero: Resources = { milliCPU: 0, memory: 0 };
  for (const c of containers) {
    const [r, nz] = containerRequests(c);
    add(sum, r);
    add(nonZero, nz);
  }
  const sidecars: Resources = { milliCPU: 0, memory: 0 };
  const sidecarsNonZero: Resources = { milliCPU: 0, memory: 0 };
  const init: Resources = { milliCPU: 0, memory: 0 };
  const initNonZero: Resources = { milliCPU: 0, memory: 0 };
  for (const c of initContainers) {
    const [r, nz] = containerRequests(c);
    if (isSidecar(c)) {
      add(sum, r);
      add(nonZero, nz);
      add(sidecars, r);
      add(sidecarsNonZero, nz);
      atLeast(init, sidecars);
      atLeast(initNonZero, sidecarsNonZero);
    } else {
      atLeast(init, { milliCPU: r.milliCPU + sidecars.milliCPU, memory: r.memory + sidecars.memory });
      atLeast(initNonZero, { milliCPU: nz.milliCPU + sidecarsNonZero.milliCPU, memory: nz.memory + sidecarsNonZero.memory });
    }
  }
  atLeast(sum, init);
  atLeast(nonZero, initNonZero);
  return [sum, nonZero];
}

function hostPorts(containers: Container[]): HostPort[] {
  const out: HostPort[] = [];
  for (const c of containers) {
    for (const p of c.ports) {
      if (p.hostPort > 0) out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}
