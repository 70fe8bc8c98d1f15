// autoscaling/v1 HorizontalPodAutoscalers, which Kubernetes serves beside autoscaling/v2 by
// conversion (pkg/apis/autoscaling/v1 conversion.go), as Kube JSON: v1's
// targetCPUUtilizationPercentage is a v2 Resource cpu metric with an Utilization target, its
// status' currentCPUUtilizationPercentage the cpu metric's current averageUtilization. Kite stores
// v2 only; a v1 object is converted on its way in and, where a v1 answer is due, on its way out.
// A v1 object written over the v2 one it was read from (a patch of its v1 form) keeps what v1
// cannot express, as Kubernetes' round trip through its annotations keeps it.
// Left out: Kubernetes' autoscaling.alpha.kubernetes.io/* annotations that carry v2's other
// metrics, behavior and conditions through a v1 round trip.

type Json = Record<string, any>;

export const AUTOSCALING_V1 = 'autoscaling/v1';
export const AUTOSCALING_V2 = 'autoscaling/v2';

/** Whether a document is an autoscaling/v1 HorizontalPodAutoscaler. */
export function isHorizontalPodAutoscalerV1(doc: Json): boolean {
  return doc.apiVersion === AUTOSCALING_V1 && doc.kind === 'HorizontalPodAutoscaler';
}

const cpuUtilization = (m: Json | undefined) => m?.type === 'Resource' && m.resource?.name === 'cpu';

/** A v1 HorizontalPodAutoscaler as v2 (unknown v1 fields are kept for strict decoding to refuse). */
export function horizontalPodAutoscalerV1ToV2(doc: Json): Json {
  const { targetCPUUtilizationPercentage, ...spec } = (doc.spec ?? {}) as Json;
  const out: Json = { ...doc, apiVersion: AUTOSCALING_V2 };
  if (doc.spec) {
    out.spec = spec;
    if (targetCPUUtilizationPercentage !== undefined && targetCPUUtilizationPercentage !== null) {
      spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: targetCPUUtilizationPercentage } } }];
    }
  }
  if (doc.status) {
    const { currentCPUUtilizationPercentage, ...status } = doc.status as Json;
    out.status = status;
    if (currentCPUUtilizationPercentage !== undefined && currentCPUUtilizationPercentage !== null) {
      status.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: currentCPUUtilizationPercentage } } }];
    }
  }
  return out;
}

/** A v2 HorizontalPodAutoscaler as v1: the cpu utilization target and current value; other metrics are not shown. */
export function horizontalPodAutoscalerV2ToV1(doc: Json): Json {
  const spec: Json = { ...doc.spec };
  const target = (spec.metrics as Json[] | undefined)?.find(cpuUtilization)?.resource?.target?.averageUtilization;
  delete spec.metrics;
  delete spec.behavior;
  const out: Json = { ...doc, apiVersion: AUTOSCALING_V1, spec: { ...spec, ...(target !== undefined ? { targetCPUUtilizationPercentage: target } : {}) } };
  if (doc.status) {
    const status: Json = { ...doc.status };
    const current = (status.currentMetrics as Json[] | undefined)?.find(cpuUtilization)?.resource?.current?.averageUtilization;
    delete status.currentMetrics;
    delete status.conditions;
    out.status = { ...status, currentReplicas: status.currentReplicas ?? 0, desiredReplicas: status.desiredReplicas ?? 0, ...(current !== undefined ? { currentCPUUtilizationPercentage: current } : {}) };
  }
  return out;
}

/** The cpu metric with a Utilization target, the one v1's targetCPUUtilizationPercentage is. */
const cpuUtilizationTarget = (m: Json) => cpuUtilization(m) && m.resource?.target?.type === 'Utilization';

/**
 * A v1 HorizontalPodAutoscaler (the v1 form of `current`, a v2 object, changed) as v2 over
 * `current`: v1's fields as v1ToV2 converts them; v2's behavior, its metrics other than the cpu
 * utilization one (and all of them while targetCPUUtilizationPercentage is unchanged), its
 * status' conditions (and currentMetrics while currentCPUUtilizationPercentage is unchanged) kept.
 */
export function horizontalPodAutoscalerV1OntoV2(doc: Json, current: Json): Json {
  const out = horizontalPodAutoscalerV1ToV2(doc);
  const before = horizontalPodAutoscalerV2ToV1(current);
  const target = doc.spec?.targetCPUUtilizationPercentage ?? undefined;
  if (out.spec) {
    const metrics = (current.spec?.metrics ?? []) as Json[];
    if (target === (before.spec?.targetCPUUtilizationPercentage ?? undefined)) {
      if (metrics.length) out.spec.metrics = metrics;
      else delete out.spec.metrics;
    } else {
      const others = metrics.filter((m) => !cpuUtilizationTarget(m));
      const found = metrics.findIndex(cpuUtilizationTarget);
      const at = found >= 0 ? found : others.length;
      const merged = target === undefined ? others : [...others.slice(0, at), ...(out.spec.metrics as Json[]), ...others.slice(at)];
      if (merged.length) out.spec.metrics = merged;
      else delete out.spec.metrics;
    }
    if (current.spec?.behavior) out.spec.behavior = current.spec.behavior;
  }
  if (out.status && current.status) {
    if (current.status.conditions) out.status.conditions = current.status.conditions;
    const cpu = doc.status?.currentCPUUtilizationPercentage ?? undefined;
    if (cpu === (before.status?.currentCPUUtilizationPercentage ?? undefined)) {
      if (current.status.currentMetrics) out.status.currentMetrics = current.status.currentMetrics;
      else delete out.status.currentMetrics;
    }
  }
  return out;
}
