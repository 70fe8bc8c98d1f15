// The annotations through which Kubernetes' autoscaling/v1 view of a HorizontalPodAutoscaler
// carries what v1 cannot express (pkg/apis/autoscaling annotations.go and v1 conversion.go):
// autoscaling.alpha.kubernetes.io/metrics (spec.metrics other than the cpu utilization target, a
// JSON list of v1 MetricSpec), .../current-metrics (all of status.currentMetrics, as v1
// MetricStatus), .../conditions (status.conditions) and .../behavior (spec.behavior as the
// internal type's JSON: Go field names, no omitempty). Written as Go's encoding/json writes them:
// fields in the struct's order, omitempty ones left out when empty, a zero Quantity as "0". Read
// back as Kubernetes reads them: v1 metric sources get v2 target types from the values present,
// a malformed metrics, current-metrics or conditions annotation is refused, a malformed or empty
// behavior annotation is ignored.
import { BadRequestError } from './errors';

type Json = Record<string, any>;

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';

/** JSON as Go's encoding/json writes it: <, >, &, U+2028 and U+2029 escaped. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Kubernetes' DropRoundTripHorizontalPodAutoscalerAnnotations: these are never stored. */
export const ROUND_TRIP_ANNOTATIONS = [METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_SPECS_ANNOTATION] as const;

/** `annotations` without the round-trip ones (undefined when none is left). */
export function dropRoundTripAnnotations(annotations: Json | undefined): Json | undefined {
  if (!annotations) return annotations;
  const rest = Object.fromEntries(Object.entries(annotations).filter(([k]) => !(ROUND_TRIP_ANNOTATIONS as readonly string[]).includes(k)));
  return Object.keys(rest).length ? rest : undefined;
}

/** An object of the entries whose value is neither undefined nor null (Go's omitempty of pointers, strings and lists). */
const compact = (entries: [string, unknown][]): Json => Object.fromEntries(entries.filter(([, v]) => v !== undefined && v !== null && v !== ''));
const quantity = (q: unknown) => (q === undefined || q === null || q === '' ? '0' : q);
const reference = (r: Json | undefined) => compact([['kind', r?.kind ?? ''], ['name', r?.name ?? ''], ['apiVersion', r?.apiVersion]]);
const withRequired = (obj: Json, required: Json) => ({ ...required, ...obj });

// --- spec.metrics ---

/** A v2 MetricSpec as v1's (v2beta1-shaped) MetricSpec. */
export function metricSpecToV1(m: Json): Json {
  const t = (s: Json | undefined) => (s?.target ?? {}) as Json;
  switch (m.type) {
    case 'Resource':
      return { type: m.type, resource: withRequired(compact([['targetAverageUtilization', t(m.resource).averageUtilization], ['targetAverageValue', t(m.resource).averageValue]]), { name: m.resource?.name ?? '' }) };
    case 'ContainerResource': {
      const c = m.containerResource;
      return { type: m.type, containerResource: { name: c?.name ?? '', ...compact([['targetAverageUtilization', t(c).averageUtilization], ['targetAverageValue', t(c).averageValue]]), container: c?.container ?? '' } };
    }
    case 'Pods':
      return { type: m.type, pods: { metricName: m.pods?.metric?.name ?? '', targetAverageValue: quantity(t(m.pods).averageValue), ...compact([['selector', m.pods?.metric?.selector]]) } };
    case 'Object': {
      const o = m.object;
      return { type: m.type, object: { target: reference(o?.describedObject), metricName: o?.metric?.name ?? '', targetValue: quantity(t(o).value), ...compact([['selector', o?.metric?.selector], ['averageValue', t(o).averageValue]]) } };
    }
    case 'External':
      return { type: m.type, external: { metricName: m.external?.metric?.name ?? '', ...compact([['metricSelector', m.external?.metric?.selector], ['targetValue', t(m.external).value], ['targetAverageValue', t(m.external).averageValue]]) } };
    default:
      return { type: m.type ?? '' };
  }
}

const metric = (name: unknown, selector: unknown) => compact([['name', name ?? ''], ['selector', selector]]);

/** A v1 MetricSpec as v2's: target types from the values present, as Kubernetes' conversion picks them. */
export function metricSpecFromV1(m: Json): Json {
  const resourceTarget = (s: Json) =>
    s.targetAverageUtilization !== undefined && s.targetAverageUtilization !== null
      ? compact([['type', 'Utilization'], ['averageValue', s.targetAverageValue], ['averageUtilization', s.targetAverageUtilization]])
      : compact([['type', 'AverageValue'], ['averageValue', s.targetAverageValue]]);
  switch (m.type) {
    case 'Resource':
      return { type: m.type, resource: { name: m.resource?.name ?? '', target: resourceTarget(m.resource ?? {}) } };
    case 'ContainerResource':
      return { type: m.type, containerResource: { name: m.containerResource?.name ?? '', target: resourceTarget(m.containerResource ?? {}), container: m.containerResource?.container ?? '' } };
    case 'Pods':
      return { type: m.type, pods: { metric: metric(m.pods?.metricName, m.pods?.selector), target: { type: 'AverageValue', averageValue: quantity(m.pods?.targetAverageValue) } } };
    case 'Object': {
      const o = m.object ?? {};
      const type = o.averageValue === undefined || o.averageValue === null ? 'Value' : 'AverageValue';
      return { type: m.type, object: { describedObject: reference(o.target), metric: metric(o.metricName, o.selector), target: compact([['type', type], ['value', quantity(o.targetValue)], ['averageValue', o.averageValue]]) } };
    }
    case 'External': {
      const e = m.external ?? {};
      const type = e.targetValue === undefined || e.targetValue === null ? 'AverageValue' : 'Value';
      return { type: m.type, external: { metric: metric(e.metricName, e.metricSelector), target: compact([['type', type], ['value', e.targetValue], ['averageValue', e.targetAverageValue]]) } };
    }
    default:
      return { type: m.type ?? '' };
  }
}

// --- status.currentMetrics ---

/** A v2 MetricStatus as v1's. */
export function metricStatusToV1(m: Json): Json {
  const c = (s: Json | undefined) => (s?.current ?? {}) as Json;
  switch (m.type) {
    case 'Resource':
      return { type: m.type, resource: { name: m.resource?.name ?? '', ...compact([['currentAverageUtilization', c(m.resource).averageUtilization]]), currentAverageValue: quantity(c(m.resource).averageValue) } };
    case 'ContainerResource': {
      const r = m.containerResource;
      return { type: m.type, containerResource: { name: r?.name ?? '', ...compact([['currentAverageUtilization', c(r).averageUtilization]]), currentAverageValue: quantity(c(r).averageValue), container: r?.container ?? '' } };
    }
    case 'Pods':
      return { type: m.type, pods: { metricName: m.pods?.metric?.name ?? '', currentAverageValue: quantity(c(m.pods).averageValue), ...compact([['selector', m.pods?.metric?.selector]]) } };
    case 'Object': {
      const o = m.object;
      return { type: m.type, object: { target: reference(o?.describedObject), metricName: o?.metric?.name ?? '', currentValue: quantity(c(o).value), ...compact([['selector', o?.metric?.selector], ['averageValue', c(o).averageValue]]) } };
    }
    case 'External': {
      const e = m.external;
      return { type: m.type, external: { metricName: e?.metric?.name ?? '', ...compact([['metricSelector', e?.metric?.selector]]), currentValue: quantity(c(e).value), ...compact([['currentAverageValue', c(e).averageValue]]) } };
    }
    default:
      return { type: m.type ?? '' };
  }
}

/** A v1 MetricStatus as v2's. */
export function metricStatusFromV1(m: Json): Json {
  const resourceCurrent = (s: Json) => compact([['averageValue', quantity(s.currentAverageValue)], ['averageUtilization', s.currentAverageUtilization]]);
  switch (m.type) {
    case 'Resource':
      return { type: m.type, resource: { name: m.resource?.name ?? '', current: resourceCurrent(m.resource ?? {}) } };
    case 'ContainerResource':
      return { type: m.type, containerResource: { name: m.containerResource?.name ?? '', current: resourceCurrent(m.containerResource ?? {}), container: m.containerResource?.container ?? '' } };
    case 'Pods':
      return { type: m.type, pods: { metric: metric(m.pods?.metricName, m.pods?.selector), current: { averageValue: quantity(m.pods?.currentAverageValue) } } };
    case 'Object': {
      const o = m.object ?? {};
      return { type: m.type, object: { metric: metric(o.metricName, o.selector), current: compact([['value', quantity(o.currentValue)], ['averageValue', o.averageValue]]), describedObject: reference(o.target) } };
    }
    case 'External': {
      const e = m.external ?? {};
      return { type: m.type, external: { metric: metric(e.metricName, e.metricSelector), current: compact([['value', quantity(e.currentValue)], ['averageValue', e.currentAverageValue]]) } };
    }
    default:
      return { type: m.type ?? '' };
  }
}

// --- status.conditions ---

/** A condition as v1's HorizontalPodAutoscalerCondition JSON (a zero lastTransitionTime is null, as metav1.Time writes it). */
export function conditionToV1(c: Json): Json {
  return { type: c.type ?? '', status: c.status ?? '', lastTransitionTime: c.lastTransitionTime || null, ...compact([['reason', c.reason], ['message', c.message]]) };
}

export function conditionFromV1(c: Json): Json {
  return compact([['type', c.type ?? ''], ['status', c.status ?? ''], ['lastTransitionTime', c.lastTransitionTime], ['reason', c.reason], ['message', c.message]]);
}

// --- spec.behavior (the internal type's JSON) ---

const rulesToInternal = (r: Json | undefined) =>
  r
    ? {
        StabilizationWindowSeconds: r.stabilizationWindowSeconds ?? null,
        SelectPolicy: r.selectPolicy ?? null,
        Policies: r.policies ? (r.policies as Json[]).map((p) => ({ Type: p.type ?? '', Value: p.value ?? 0, PeriodSeconds: p.periodSeconds ?? 0 })) : null,
      }
    : null;

/** spec.behavior as Kubernetes marshals its internal HorizontalPodAutoscalerBehavior. */
export function behaviorToInternal(b: Json): Json {
  return { ScaleUp: rulesToInternal(b.scaleUp), ScaleDown: rulesToInternal(b.scaleDown) };
}

/** A member of a Go-decoded object: encoding/json matches field names case-insensitively. */
const field = (obj: Json, name: string) => {
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
};
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown) => v === undefined || v === null || Number.isInteger(v);
const isString = (v: unknown) => v === undefined || v === null || typeof v === 'string';

function rulesFromInternal(r: unknown): Json | undefined | false {
  if (r === undefined || r === null) return undefined;
  if (!isObject(r)) return false;
  const window = field(r, 'StabilizationWindowSeconds');
  const select = field(r, 'SelectPolicy');
  const policies = field(r, 'Policies');
  if (!isInt(window) || !isString(select) || !(policies === undefined || policies === null || Array.isArray(policies))) return false;
  const out: Json[] = [];
  for (const p of (policies ?? []) as unknown[]) {
    if (!isObject(p)) return false;
    const [type, value, period] = [field(p, 'Type'), field(p, 'Value'), field(p, 'PeriodSeconds')];
    if (!isString(type) || !isInt(value) || !isInt(period)) return false;
    out.push({ type: type ?? '', value: value ?? 0, periodSeconds: period ?? 0 });
  }
  return compact([['stabilizationWindowSeconds', window], ['selectPolicy', select], ['policies', policies === undefined || policies === null ? undefined : out]]);
}

/** The behavior annotation as spec.behavior; undefined when malformed or empty (Kubernetes moves only well-formed data). */
export function behaviorFromInternal(text: string): Json | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const scaleUp = rulesFromInternal(field(parsed, 'ScaleUp'));
  const scaleDown = rulesFromInternal(field(parsed, 'ScaleDown'));
  if (scaleUp === false || scaleDown === false || (scaleUp === undefined && scaleDown === undefined)) return undefined;
  return compact([['scaleUp', scaleUp], ['scaleDown', scaleDown]]);
}

/** A list annotation (metrics, current-metrics, conditions) as parsed JSON objects, refused as Kubernetes' decoding refuses it when malformed. */
export function listAnnotation(annotations: Json, key: string): Json[] | undefined {
  const text = annotations[key];
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(text));
  } catch (err) {
    throw new BadRequestError(`error decoding annotation ${key}: ${(err as Error).message}`);
  }
  if (parsed === null) return [];
  if (!Array.isArray(parsed) || !parsed.every(isObject)) throw new BadRequestError(`error decoding annotation ${key}: a JSON list of objects is expected`);
  return parsed;
}
