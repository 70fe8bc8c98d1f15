// Kubernetes' HorizontalPodAutoscaler rules (autoscaling/v2): the defaults of
// pkg/apis/autoscaling/v2 (SetDefaults_HorizontalPodAutoscaler and
// SetDefaults_HorizontalPodAutoscalerBehavior: minReplicas 1, an 80% average CPU utilization
// metric when none is given, a behavior's missing rules and fields filled from the scale-up and
// scale-down defaults), the validation of pkg/apis/autoscaling/validation with its messages
// (scale target reference, replica bounds without the alpha HPAScaleToZero gate, each metric
// source and target, scaling rules and policies), and the strategy's reset of status on create.
// Kubernetes' autoscaling/v1 round-trip annotations are never stored, whatever version writes them.
import { ROUND_TRIP_ANNOTATIONS } from '../../../../lib/api/autoscaling-v1-annotations';
import type { FieldCause } from '../../../../lib/api/errors';
import { isValidQuantity, quantityMilliValue } from '../../../../lib/api/quantity';
import type {
  CrossVersionObjectReference,
  HPAScalingPolicy,
  HPAScalingRules,
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerBehavior,
  MetricIdentifier,
  MetricSpec,
  MetricTarget,
} from '../../../../lib/gen/kite/autoscaling/v2/types';
import { validateLabelSelector } from './networkpolicy-validation';
import { validateMeta } from './validation';
import { Causes, dns1123Label, nonNegative } from './validation-helpers';

/** autoscaling.DefaultCPUUtilization. */
export const DEFAULT_CPU_UTILIZATION = 80;
/** MaxPeriodSeconds and MaxStabilizationWindowSeconds of the autoscaling validation. */
const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;

const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'] as const;
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'] as const;
const POLICY_TYPES = ['Percent', 'Pods'] as const;
/** The field holding each metric source type's details. */
const SOURCE_FIELD: Record<string, keyof MetricSpec> = {
  Object: 'object',
  Pods: 'pods',
  Resource: 'resource',
  External: 'external',
  ContainerResource: 'containerResource',
};

/** The scale-up rules a behavior without them gets: no window, the larger of +4 pods and +100% per 15 s. */
export function defaultScaleUpRules(): HPAScalingRules {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

/**
 * The scale-down rules: -100% per 15 s. The window is left for the controller, which uses its
 * --horizontal-pod-autoscaler-downscale-stabilization (300 s) as Kubernetes' does.
 */
export function defaultScaleDownRules(): HPAScalingRules {
  return { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
}

/** GenerateHPAScale{Up,Down}Rules: the given rules with each unset field taken from the defaults. */
function withDefaults(rules: HPAScalingRules | undefined, defaults: HPAScalingRules): HPAScalingRules {
  if (!rules) return defaults;
  return {
    stabilizationWindowSeconds: rules.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: rules.selectPolicy ?? defaults.selectPolicy,
    policies: rules.policies.length > 0 ? rules.policies : defaults.policies,
  };
}

export function defaultHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): void {
  const spec = hpa.spec;
  if (!spec) return;
  spec.minReplicas ??= 1;
  if (spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  if (spec.behavior) {
    spec.behavior.scaleUp = withDefaults(spec.behavior.scaleUp, defaultScaleUpRules());
    spec.behavior.scaleDown = withDefaults(spec.behavior.scaleDown, defaultScaleDownRules());
  }
}

/** IsValidPathSegmentName: a name that can be a URL path segment. */
function validatePathSegment(c: Causes, field: string, v: string): void {
  if (v === '.' || v === '..') c.add(field, `Invalid value: "${v}": may not be '${v}'`);
  for (const bad of ['/', '%']) if (v.includes(bad)) c.add(field, `Invalid value: "${v}": may not contain '${bad}'`);
}

function validateCrossVersionObjectReference(c: Causes, ref: CrossVersionObjectReference | undefined, path: string): void {
  if (!ref?.kind) c.add(`${path}.kind`, 'Required value');
  else validatePathSegment(c, `${path}.kind`, ref.kind);
  if (!ref?.name) c.add(`${path}.name`, 'Required value');
  else validatePathSegment(c, `${path}.name`, ref.name);
}

/** A quantity that must be greater than zero (Sign() == 1). */
function validatePositiveQuantity(c: Causes, field: string, v: string | undefined): void {
  if (v === undefined) return;
  if (!isValidQuantity(v)) c.add(field, `Invalid value: "${v}": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  else if (!(quantityMilliValue(v) > 0)) c.add(field, `Invalid value: "${v}": must be positive`);
}

function validateMetricTarget(c: Causes, t: MetricTarget | undefined, path: string): void {
  const type = t?.type ?? '';
  if (!type) c.add(`${path}.type`, 'Required value: must specify a metric target type');
  if (type !== 'Utilization' && type !== 'Value' && type !== 'AverageValue') c.add(`${path}.type`, `Invalid value: "${type}": must be either Utilization, Value, or AverageValue`);
  validatePositiveQuantity(c, `${path}.value`, t?.value);
  validatePositiveQuantity(c, `${path}.averageValue`, t?.averageValue);
  if (t?.averageUtilization !== undefined && t.averageUtilization < 1) c.add(`${path}.averageUtilization`, `Invalid value: ${t.averageUtilization}: must be greater than 0`);
}

function validateMetricIdentifier(c: Causes, id: MetricIdentifier | undefined, path: string): void {
  if (!id?.name) c.add(`${path}.name`, 'Required value: must specify a metric name');
  else validatePathSegment(c, `${path}.name`, id.name);
  validateLabelSelector(c, id?.selector, `${path}.selector`);
}

/** validateResourceSource and validateContainerResourceSource: a utilization or an average value, not both. */
function validateResourceTarget(c: Causes, name: string, target: MetricTarget | undefined, path: string): void {
  if (!name) c.add(`${path}.name`, 'Required value: must specify a resource name');
  validateMetricTarget(c, target, `${path}.target`);
  if (target?.averageUtilization === undefined && target?.averageValue === undefined) {
    c.add(`${path}.target.averageUtilization`, 'Required value: must set either a target raw value or a target utilization');
  }
  if (target?.averageUtilization !== undefined && target.averageValue !== undefined) {
    c.add(`${path}.target.averageValue`, 'Forbidden: may not set both a target raw value and a target utilization');
  }
}

function validateSource(c: Causes, spec: MetricSpec, field: keyof MetricSpec, path: string): void {
  switch (field) {
    case 'resource':
      return validateResourceTarget(c, spec.resource!.name, spec.resource!.target, path);
    case 'containerResource': {
      const src = spec.containerResource!;
      validateResourceTarget(c, src.name, src.target, path);
      if (!src.container) c.add(`${path}.container`, 'Required value: must specify a container');
      else dns1123Label(c, `${path}.container`, src.container);
      return;
    }
    case 'pods': {
      const src = spec.pods!;
      validateMetricIdentifier(c, src.metric, `${path}.metric`);
      validateMetricTarget(c, src.target, `${path}.target`);
      if (src.target?.averageValue === undefined) c.add(`${path}.target.averageValue`, 'Required value: must specify a positive target averageValue');
      return;
    }
    case 'object': {
      const src = spec.object!;
      validateCrossVersionObjectReference(c, src.describedObject, `${path}.describedObject`);
      validateMetricIdentifier(c, src.metric, `${path}.metric`);
      validateMetricTarget(c, src.target, `${path}.target`);
      if (src.target?.value === undefined && src.target?.averageValue === undefined) c.add(`${path}.target.value`, 'Required value: must set either a target value or averageValue');
      return;
    }
    case 'external': {
      const src = spec.external!;
      validateMetricIdentifier(c, src.metric, `${path}.metric`);
      validateMetricTarget(c, src.target, `${path}.target`);
      if (src.target?.value === undefined && src.target?.averageValue === undefined) {
        c.add(`${path}.target.value`, 'Required value: must set either a target value for metric or a per-pod target');
      }
      if (src.target?.value !== undefined && src.target.averageValue !== undefined) {
        c.add(`${path}.target.value`, 'Forbidden: may not set both a target value for metric and a per-pod target');
      }
      return;
    }
  }
}

/** validateMetricSpec: a known type whose source, and only it, is filled in. */
function validateMetricSpec(c: Causes, spec: MetricSpec, path: string): void {
  if (!spec.type) c.add(`${path}.type`, 'Required value: must specify a metric source type');
  else c.notSupported(`${path}.type`, spec.type, METRIC_SOURCE_TYPES);
  const present = (Object.values(SOURCE_FIELD) as (keyof MetricSpec)[]).filter((f) => spec[f] !== undefined);
  if (present.length > 0) validateSource(c, spec, present[0], `${path}.${present[0]}`);
  const expected = SOURCE_FIELD[spec.type];
  if (expected && !present.includes(expected)) c.add(`${path}.${expected}`, 'Required value: must populate information for the given metric source');
  if (present.length > 1) {
    for (const f of present) if (f !== expected) c.add(`${path}.${f}`, 'Forbidden: must populate the given metric source only');
  }
}

function validateScalingPolicy(c: Causes, p: HPAScalingPolicy, path: string): void {
  c.notSupported(`${path}.type`, p.type, POLICY_TYPES);
  if (p.value <= 0) c.add(`${path}.value`, `Invalid value: ${p.value}: must be greater than zero`);
  if (p.periodSeconds <= 0) c.add(`${path}.periodSeconds`, `Invalid value: ${p.periodSeconds}: must be greater than zero`);
  if (p.periodSeconds > MAX_PERIOD_SECONDS) c.add(`${path}.periodSeconds`, `Invalid value: ${p.periodSeconds}: must be less than or equal to ${MAX_PERIOD_SECONDS}`);
}

function validateScalingRules(c: Causes, rules: HPAScalingRules | undefined, path: string): void {
  if (!rules) return;
  const window = rules.stabilizationWindowSeconds;
  if (window !== undefined && window < 0) c.add(`${path}.stabilizationWindowSeconds`, `Invalid value: ${window}: must be greater than or equal to zero`);
  if (window !== undefined && window > MAX_STABILIZATION_WINDOW_SECONDS) {
    c.add(`${path}.stabilizationWindowSeconds`, `Invalid value: ${window}: must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`);
  }
  if (rules.selectPolicy !== undefined) c.notSupported(`${path}.selectPolicy`, rules.selectPolicy, SELECT_POLICIES);
  if (rules.policies.length === 0) c.add(`${path}.policies`, 'Required value: must specify at least one Policy');
  rules.policies.forEach((p, i) => validateScalingPolicy(c, p, `${path}.policies[${i}]`));
}

function validateBehavior(c: Causes, behavior: HorizontalPodAutoscalerBehavior | undefined, path: string): void {
  validateScalingRules(c, behavior?.scaleUp, `${path}.scaleUp`);
  validateScalingRules(c, behavior?.scaleDown, `${path}.scaleDown`);
}

export function validateHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): FieldCause[] {
  const c = new Causes();
  validateMeta(c, hpa.metadata, true, 'subdomain');
  const spec = hpa.spec;
  // The alpha HPAScaleToZero gate is off: minReplicas must be at least 1.
  if (spec?.minReplicas !== undefined && spec.minReplicas < 1) c.add('spec.minReplicas', `Invalid value: ${spec.minReplicas}: must be greater than or equal to 1`);
  const max = spec?.maxReplicas ?? 0;
  if (max < 1) c.add('spec.maxReplicas', `Invalid value: ${max}: must be greater than 0`);
  if (spec?.minReplicas !== undefined && max < spec.minReplicas) c.add('spec.maxReplicas', `Invalid value: ${max}: must be greater than or equal to \`minReplicas\``);
  validateCrossVersionObjectReference(c, spec?.scaleTargetRef, 'spec.scaleTargetRef');
  (spec?.metrics ?? []).forEach((m, i) => validateMetricSpec(c, m, `spec.metrics[${i}]`));
  validateBehavior(c, spec?.behavior, 'spec.behavior');
  return c.list;
}

/** ValidateHorizontalPodAutoscalerStatusUpdate: replica counts are never negative. */
export function validateHorizontalPodAutoscalerStatusUpdate(hpa: HorizontalPodAutoscaler): FieldCause[] {
  const c = new Causes();
  nonNegative(c, 'status.currentReplicas', hpa.status?.currentReplicas);
  nonNegative(c, 'status.desiredReplicas', hpa.status?.desiredReplicas);
  return c.list;
}

/** DropRoundTripHorizontalPodAutoscalerAnnotations, as Kubernetes' v2 conversion drops them on the way in. */
export function dropRoundTripHorizontalPodAutoscalerAnnotations(hpa: HorizontalPodAutoscaler): void {
  const annotations = hpa.metadata?.annotations;
  if (annotations) for (const k of ROUND_TRIP_ANNOTATIONS) delete annotations[k];
}

/** The strategy's PrepareForCreate: a new autoscaler starts with an empty status. */
export function prepareHorizontalPodAutoscalerForCreate(hpa: HorizontalPodAutoscaler): void {
  dropRoundTripHorizontalPodAutoscalerAnnotations(hpa);
  hpa.status = { lastScaleTime: '', currentReplicas: 0, desiredReplicas: 0, currentMetrics: [], conditions: [] };
}
