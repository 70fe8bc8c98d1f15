// Kubernetes' replica calculator for resource metrics (pkg/controller/podautoscaler/
// replica_calculator.go and metrics/utilization.go), as pure functions of the target's pods and
// their metrics: the pods are grouped (ready with a metric; unready: pending, or for CPU not
// ready or still initializing; missing a metric; ignored: being deleted or failed), the usage
// ratio is sum(usage)/sum(requests) against the target utilization (or the average usage against
// an average value target), within the tolerance (0.1) nothing changes, and when pods were
// unready or missing the ratio is worked out again with missing pods at 100% of their request
// (at least the target) on a scale-down and 0 on a scale-up, unready pods at 0 on a scale-up; a
// change of direction on the second pass keeps the current count.
import { sidecarsOf } from '../../../lib/api/pods';
import { quantityMilliValue } from '../../../lib/api/quantity';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import { parseTime } from '../../../lib/util/time';

/** One pod's usage of a resource, as the metrics API reports it. */
export interface PodMetric {
  /** When the sample window ended (ms since the epoch). */
  timestamp: number;
  /** The window the usage is averaged over (ms). */
  windowMs: number;
  /** Usage in milli-units (millicores, milli-bytes). */
  value: number;
}

/** Metrics per pod name. */
export type PodMetricsInfo = Map<string, PodMetric>;

export interface ReplicaCalculatorOptions {
  /** --horizontal-pod-autoscaler-tolerance. */
  tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (ms). */
  cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (ms). */
  initialReadinessDelayMs: number;
}

export const DEFAULT_REPLICA_CALCULATOR_OPTIONS: ReplicaCalculatorOptions = {
  tolerance: 0.1,
  cpuInitializationPeriodMs: 5 * 60 * 1000,
  initialReadinessDelayMs: 30 * 1000,
};

export interface ResourceReplicas {
  replicas: number;
  /** The average utilization in percent of the request (utilization targets only). */
  utilization?: number;
  /** The average usage per pod in milli-units. */
  rawAverageValue: number;
}

export interface PodGroups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** groupPods: which pods count, which wait, which have no metric and which are ignored. */
export function groupPods(pods: Pod[], metrics: PodMetricsInfo, resource: string, o: ReplicaCalculatorOptions, now: number): PodGroups {
  const g: PodGroups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata!.name;
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu' && cpuSampleUnready(pod, metric, o, now)) {
      g.unready.add(name);
      continue;
    }
    g.readyPodCount++;
  }
  return g;
}

/**
 * A CPU sample is not trusted while the pod is not ready, or, within the initialization period,
 * until a whole metric window has passed since it became ready; after the period only a pod that
 * never became ready (its readiness last changed within the initial delay of its start) is unready.
 */
function cpuSampleUnready(pod: Pod, metric: PodMetric, o: ReplicaCalculatorOptions, now: number): boolean {
  const ready = pod.status?.conditions.find((c) => c.type === 'Ready');
  const start = parseTime(pod.status?.startTime);
  if (!ready || Number.isNaN(start)) return true;
  const transition = parseTime(ready.lastTransitionTime);
  if (start + o.cpuInitializationPeriodMs > now) return ready.status === 'False' || metric.timestamp < transition + metric.windowMs;
  return ready.status === 'False' && start + o.initialReadinessDelayMs > transition;
}

/** calculatePodRequests: each pod's request (milli) of the resource, summed over its containers and sidecars (or one container). */
export function calculatePodRequests(pods: Pod[], container: string, resource: string): Map<string, number> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of [...(pod.spec?.containers ?? []), ...sidecarsOf(pod)]) {
      if (container && c.name !== container) continue;
      const request = c.resources?.requests?.[resource];
      if (request === undefined) throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata!.name}`);
      sum += quantityMilliValue(request);
    }
    requests.set(pod.metadata!.name, sum);
  }
  return requests;
}

/** GetResourceUtilizationRatio: usage over requests of the pods that have both, against the target percentage. */
export function resourceUtilizationRatio(metrics: PodMetricsInfo, requests: Map<string, number>, targetUtilization: number) {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let entries = 0;
  for (const [name, metric] of metrics) {
    const request = requests.get(name);
    // Metrics of pods without a request are extraneous: missing requests are caught before.
    if (request === undefined) continue;
    metricsTotal += metric.value;
    requestsTotal += request;
    entries++;
  }
  if (requestsTotal === 0) throw new Error('no metrics returned matched known pods');
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverageValue: Math.trunc(metricsTotal / entries) };
}

/** GetMetricUsageRatio: the average usage against the target average (milli). */
function metricUsageRatio(metrics: PodMetricsInfo, targetUsage: number) {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const average = Math.trunc(total / metrics.size);
  return { ratio: average / targetUsage, average };
}

export class ReplicaCalculator {
  readonly opts: ReplicaCalculatorOptions;

  constructor(opts: Partial<ReplicaCalculatorOptions> = {}) {
    this.opts = { ...DEFAULT_REPLICA_CALCULATOR_OPTIONS, ...opts };
  }

  /** GetResourceReplicas: the replica count for a target utilization (percent of request) of `resource`. */
  resourceReplicas(currentReplicas: number, targetUtilization: number, resource: string, container: string, pods: Pod[], podMetrics: PodMetricsInfo, now: number): ResourceReplicas {
    if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
    const metrics = new Map(podMetrics);
    const groups = groupPods(pods, metrics, resource, this.opts, now);
    for (const name of [...groups.ignored, ...groups.unready]) metrics.delete(name);
    const requests = calculatePodRequests(pods, container, resource);
    if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
    const first = resourceUtilizationRatio(metrics, requests, targetUtilization);
    const result = (replicas: number): ResourceReplicas => ({ replicas, utilization: first.utilization, rawAverageValue: first.rawAverageValue });
    const missingFallback = (name: string) => Math.trunc((requests.get(name)! * Math.max(100, targetUtilization)) / 100);
    const replicas = this.adjust(currentReplicas, first.ratio, groups, metrics, missingFallback, () => resourceUtilizationRatio(metrics, requests, targetUtilization).ratio);
    return result(replicas);
  }

  /** GetRawResourceReplicas: the replica count for a target average usage (milli) of `resource`. */
  rawResourceReplicas(currentReplicas: number, targetUsage: number, resource: string, container: string, pods: Pod[], podMetrics: PodMetricsInfo, now: number): ResourceReplicas {
    if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
    const metrics = new Map(podMetrics);
    const groups = groupPods(pods, metrics, resource, this.opts, now);
    for (const name of [...groups.ignored, ...groups.unready]) metrics.delete(name);
    if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
    const first = metricUsageRatio(metrics, targetUsage);
    const replicas = this.adjust(currentReplicas, first.ratio, groups, metrics, () => targetUsage, () => metricUsageRatio(metrics, targetUsage).ratio);
    return { replicas, rawAverageValue: first.average };
  }

  /**
   * The part both calculations share: the count from the ready pods' ratio when no pod was left
   * out, else the ratio again with the missing and unready pods given their assumed usage.
   */
  private adjust(
    currentReplicas: number,
    ratio: number,
    groups: PodGroups,
    metrics: PodMetricsInfo,
    missingOnScaleDown: (name: string) => number,
    ratioAgain: () => number,
  ): number {
    const { tolerance } = this.opts;
    const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
    if (!scaleUpWithUnready && groups.missing.size === 0) {
      if (Math.abs(1 - ratio) <= tolerance) return currentReplicas;
      return Math.ceil(ratio * groups.readyPodCount);
    }
    const assume = (name: string, value: number) => metrics.set(name, { timestamp: 0, windowMs: 0, value });
    if (ratio < 1) for (const name of groups.missing) assume(name, missingOnScaleDown(name));
    else if (ratio > 1) for (const name of groups.missing) assume(name, 0);
    if (scaleUpWithUnready) for (const name of groups.unready) assume(name, 0);
    const newRatio = ratioAgain();
    if (Math.abs(1 - newRatio) <= tolerance || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) return currentReplicas;
    const replicas = Math.ceil(newRatio * metrics.size);
    // A change of the pod count considered must not turn the direction either.
    if ((newRatio < 1 && replicas > currentReplicas) || (newRatio > 1 && replicas < currentReplicas)) return currentReplicas;
    return replicas;
  }
}
