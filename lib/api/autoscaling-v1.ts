// autoscaling/v1 HorizontalPodAutoscalers, which Kubernetes serves beside autoscaling/v2 by
// conversion (pkg/apis/autoscaling/v1 conversion.go), as Kube JSON: v1's
// targetCPUUtilizationPercentage is a v2 Resource cpu metric with an Utilization target, its
// status' currentCPUUtilizationPercentage the cpu metric's current averageUtilization. What v1
// cannot express travels in Kubernetes' autoscaling.alpha.kubernetes.io/* annotations
// (autoscaling-v1-annotations.ts): written when a v2 object is read as v1, read back into the v2
// fields and dropped when a v1 object is written, so they are never stored. Kite stores v2 only; a
// v1 object is converted on its way in and, where a v1 answer is due, on its way out.
import {
  BEHAVIOR_SPECS_ANNOTATION,
  behaviorFromInternal,
  behaviorToInternal,
  conditionFromV1,
  conditionToV1,
  CONDITIONS_ANNOTATION,
  dropRoundTripAnnotations,
  goJson,
  listAnnotation,
  METRIC_SPECS_ANNOTATION,
  METRIC_STATUSES_ANNOTATION,
  metricSpecFromV1,
  metricSpecToV1,
  metricStatusFromV1,
  metricStatusToV1,
} from './autoscaling-v1-annotations';

type Json = Record<string, any>;

export const AUTOSCALING_V1 = 'autoscaling/v1';
export const AUTOSCALING_V2 = 'autoscaling/v2';

/** Whether a document is an autoscaling/v1 HorizontalPodAutoscaler. */
export function isHorizontalPodAutoscalerV1(doc: Json): boolean {
  return doc.apiVersion === AUTOSCALING_V1 && doc.kind === 'HorizontalPodAutoscaler';
}

const cpuUtilization = (m: Json | undefined) => m?.type === 'Resource' && m.resource?.name === 'cpu';
/** The cpu metric with a Utilization target, the one v1's targetCPUUtilizationPercentage is. */
const cpuUtilizationTarget = (m: Json) => cpuUtilization(m) && m.resource?.target?.averageUtilization !== undefined && m.resource?.target?.averageUtilization !== null;

/** `doc.metadata` with `annotations` in place of its own (none when empty). */
function withAnnotations(metadata: Json | undefined, annotations: Json | undefined): Json | undefined {
  if (!metadata && !annotations) return metadata;
  const { annotations: _old, ...rest } = metadata ?? {};
  return annotations && Object.keys(annotations).length ? { ...rest, annotations } : rest;
}

/** A v1 HorizontalPodAutoscaler as v2, its round-trip annotations read into the v2 fields and dropped (unknown v1 fields are kept for strict decoding to refuse). */
export function horizontalPodAutoscalerV1ToV2(doc: Json): Json {
  const annotations = (doc.metadata?.annotations ?? {}) as Json;
  const { targetCPUUtilizationPercentage, ...spec } = (doc.spec ?? {}) as Json;
  const out: Json = { ...doc, apiVersion: AUTOSCALING_V2 };
  if (doc.metadata) out.metadata = withAnnotations(doc.metadata, dropRoundTripAnnotations(doc.metadata.annotations));
  const cpu = targetCPUUtilizationPercentage !== undefined && targetCPUUtilizationPercentage !== null ? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: targetCPUUtilizationPercentage } } }] : [];
  const others = listAnnotation(annotations, METRIC_SPECS_ANNOTATION)?.map(metricSpecFromV1);
  const behavior = annotations[BEHAVIOR_SPECS_ANNOTATION] === undefined ? undefined : behaviorFromInternal(String(annotations[BEHAVIOR_SPECS_ANNOTATION]));
  if (doc.spec || others || behavior) {
    out.spec = spec;
    // Kubernetes puts the other metrics first, then the cpu target.
    const metrics = [...(others ?? []), ...cpu];
    if (metrics.length) spec.metrics = metrics;
    if (behavior) spec.behavior = behavior;
  }
  const currentMetrics = listAnnotation(annotations, METRIC_STATUSES_ANNOTATION)?.map(metricStatusFromV1);
  const conditions = listAnnotation(annotations, CONDITIONS_ANNOTATION)?.map(conditionFromV1);
  if (doc.status || currentMetrics || conditions) {
    const { currentCPUUtilizationPercentage, ...status } = (doc.status ?? {}) as Json;
    out.status = status;
    // The annotation's current metrics have more than the cpu utilization: they win.
    if (currentMetrics) status.currentMetrics = currentMetrics;
    else if (currentCPUUtilizationPercentage !== undefined && currentCPUUtilizationPercentage !== null) {
      status.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: currentCPUUtilizationPercentage } } }];
    }
    if (conditions) status.conditions = conditions;
  }
  return out;
}

/** A v2 HorizontalPodAutoscaler as v1: the cpu utilization target and current value, the rest in the round-trip annotations. */
export function horizontalPodAutoscalerV2ToV1(doc: Json): Json {
  const spec: Json = { ...doc.spec };
  const metrics = (spec.metrics ?? []) as Json[];
  const target = metrics.find(cpuUtilization)?.resource?.target?.averageUtilization;
  const behavior = spec.behavior as Json | undefined;
  delete spec.metrics;
  delete spec.behavior;
  const out: Json = { ...doc, apiVersion: AUTOSCALING_V1, spec: { ...spec, ...(target !== undefined && target !== null ? { targetCPUUtilizationPercentage: target } : {}) } };
  const annotations: Json = { ...dropRoundTripAnnotations(doc.metadata?.annotations) };
  const others = metrics.filter((m) => !cpuUtilizationTarget(m));
  if (others.length) annotations[METRIC_SPECS_ANNOTATION] = goJson(others.map(metricSpecToV1));
  const currentMetrics = (doc.status?.currentMetrics ?? []) as Json[];
  if (currentMetrics.length) annotations[METRIC_STATUSES_ANNOTATION] = goJson(currentMetrics.map(metricStatusToV1));
  if (behavior) annotations[BEHAVIOR_SPECS_ANNOTATION] = goJson(behaviorToInternal(behavior));
  const conditions = (doc.status?.conditions ?? []) as Json[];
  if (conditions.length) annotations[CONDITIONS_ANNOTATION] = goJson(conditions.map(conditionToV1));
  if (doc.metadata || Object.keys(annotations).length) out.metadata = withAnnotations(doc.metadata, annotations);
  if (doc.status) {
    const status: Json = { ...doc.status };
    const current = currentMetrics.find(cpuUtilization)?.resource?.current?.averageUtilization;
    delete status.currentMetrics;
    delete status.conditions;
    out.status = { ...status, currentReplicas: status.currentReplicas ?? 0, desiredReplicas: status.desiredReplicas ?? 0, ...(current !== undefined && current !== null ? { currentCPUUtilizationPercentage: current } : {}) };
  }
  return out;
}

/** The same metrics in the same order as `before` where they are only reordered (a v1 round trip puts the cpu target last). */
function keepOrder(metrics: Json[], before: Json[]): Json[] {
  const key = (m: unknown): string =>
    Array.isArray(m) ? `[${m.map(key).join(',')}]` : typeof m === 'object' && m !== null ? `{${Object.keys(m).sort().map((k) => `${k}:${key((m as Json)[k])}`).join(',')}}` : JSON.stringify(m);
  const sorted = (l: Json[]) => l.map(key).sort().join('\n');
  return metrics.length === before.length && sorted(metrics) === sorted(before) ? before : metrics;
}

/**
 * A v1 HorizontalPodAutoscaler (the v1 form of `current`, a v2 object, changed) as v2: converted
 * with its annotations as Kubernetes converts it, the metrics left in `current`'s order where the
 * round trip only moved them.
 */
export function horizontalPodAutoscalerV1OntoV2(doc: Json, current: Json): Json {
  const out = horizontalPodAutoscalerV1ToV2(doc);
  if (out.spec?.metrics && current.spec?.metrics) out.spec.metrics = keepOrder(out.spec.metrics, current.spec.metrics);
  return out;
}
