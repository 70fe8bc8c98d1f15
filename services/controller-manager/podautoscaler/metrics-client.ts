// Where the HPA controller reads resource usage (Kubernetes' podautoscaler/metrics
// resourceMetricsClient): the metrics.k8s.io PodMetrics of the target's pods, each pod's usage of
// a resource summed over its containers (a pod lacking the resource in one container has no
// metric) or taken from one container.
import { quantityMilliValue } from '../../../lib/api/quantity';
import { parseDuration } from '../../../lib/util/duration';
import { parseTime } from '../../../lib/util/time';
import type { PodMetricsInfo } from './replica-calculator';

export interface ResourceMetrics {
  metrics: PodMetricsInfo;
  /** The first sample's time (ms since the epoch). */
  timestamp: number;
}

/** The port the controller reads metrics through; tests pass a fake. */
export interface MetricsClient {
  /** The usage of `resource` by the pods `labelSelector` selects in `namespace` (of `container` when given). */
  getResourceMetric(resource: string, namespace: string, labelSelector: string, container: string): Promise<ResourceMetrics>;
}

/** The fields of a metrics.k8s.io/v1beta1 PodMetrics the controller reads. */
export interface PodMetricsSample {
  metadata?: { name: string; namespace?: string };
  /** RFC 3339. */
  timestamp: string;
  /** A Go duration ("15s"). */
  window: string;
  containers: { name: string; usage: Record<string, string> }[];
}

/** getPodMetrics and getContainerMetrics: PodMetrics as usage per pod name. */
export function resourceMetricsOf(items: PodMetricsSample[], resource: string, container: string): ResourceMetrics {
  if (items.length === 0) throw new Error('no metrics returned from resource metrics API');
  const metrics: PodMetricsInfo = new Map();
  for (const m of items) {
    const sample = (value: number) => metrics.set(m.metadata!.name, { timestamp: parseTime(m.timestamp), windowMs: parseDuration(m.window || '0'), value });
    if (container) {
      const c = m.containers.find((x) => x.name === container);
      if (!c) continue;
      const usage = c.usage[resource];
      if (usage === undefined) throw new Error(`failed to get container metrics: missing resource metric ${resource} for container ${container} in pod ${m.metadata!.namespace}/${m.metadata!.name}`);
      sample(quantityMilliValue(usage));
      continue;
    }
    if (m.containers.length === 0 || m.containers.some((c) => c.usage[resource] === undefined)) continue;
    sample(m.containers.reduce((sum, c) => sum + quantityMilliValue(c.usage[resource]), 0));
  }
  return { metrics, timestamp: parseTime(items[0].timestamp) };
}

/** A MetricsClient over a PodMetrics list call (the metrics API through the apiserver). */
export function podMetricsClient(list: (namespace: string, labelSelector: string) => Promise<PodMetricsSample[]>): MetricsClient {
  return {
    async getResourceMetric(resource, namespace, labelSelector, container) {
      let items: PodMetricsSample[];
      try {
        items = await list(namespace, labelSelector);
      } catch (err) {
        throw new Error(`unable to fetch metrics from resource metrics API: ${(err as Error).message}`);
      }
      return resourceMetricsOf(items, resource, container);
    },
  };
}
