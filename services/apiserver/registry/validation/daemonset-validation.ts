// The DaemonSet's and ControllerRevision's write paths, as Kubernetes' pkg/apis/apps/v1 defaults
// (SetDefaults_DaemonSet, with the core/v1 defaults of its pod template), the daemonset strategy
// (pkg/registry/apps/daemonset: status reset on create, the template generation annotation bumped
// when the template changes) and pkg/apis/apps/validation (ValidateDaemonSet,
// ValidateDaemonSetUpdate, ValidateControllerRevision(Update)) do it, with their paths and messages.
import type { FieldCause } from '../../../../lib/api/errors';
import type { ControllerRevision, DaemonSet, DaemonSetSpec, DaemonSetStatus, RollingUpdateDaemonSet } from '../../../../lib/gen/kite/apps/v1/types';
import { jsonEqual } from '../../../../lib/util/json';
import { defaultPodSpec } from '../defaults';
import { validateMeta, validatePodSpec, validateSelectorUpdate } from './validation';
import * as v from './validation-helpers';

/** The apps/v1 spelling of the internal spec.templateGeneration; pods carry it as pod-template-generation. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/** SetDefaults_DaemonSet. */
export function defaultDaemonSet(ds: DaemonSet): void {
  const spec = ds.spec;
  if (!spec) return;
  spec.updateStrategy ??= { type: '' };
  const strategy = spec.updateStrategy;
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    strategy.rollingUpdate ??= {};
    strategy.rollingUpdate.maxUnavailable ??= 1;
    strategy.rollingUpdate.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  if (spec.template?.spec) defaultPodSpec(spec.template.spec);
}

export function emptyDaemonSetStatus(): DaemonSetStatus {
  return {
    currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0, observedGeneration: 0,
    updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 0, conditions: [],
  };
}

/** The strategy's PrepareForCreate: no status yet, template generation 1. */
export function prepareDaemonSetForCreate(ds: DaemonSet): void {
  ds.status = emptyDaemonSetStatus();
  ds.metadata!.annotations = { ...ds.metadata!.annotations, [TEMPLATE_GENERATION_ANNOTATION]: '1' };
}

/** The strategy's PrepareForUpdate: a changed template gets the next template generation. */
export function prepareDaemonSetForUpdate(ds: DaemonSet, old: DaemonSet): void {
  defaultDaemonSet(ds);
  const prev = Number(old.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION] ?? 0);
  const changed = !jsonEqual(ds.spec?.template, old.spec?.template);
  ds.metadata!.annotations = { ...ds.metadata!.annotations, [TEMPLATE_GENERATION_ANNOTATION]: String(changed ? prev + 1 : prev) };
}

export function validateDaemonSet(ds: DaemonSet): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, ds.metadata, true, 'subdomain');
  if (!ds.spec) c.add('spec', 'Required value');
  else validateDaemonSetSpec(c, ds.spec, 'spec');
  return c.list;
}

/** ValidateDaemonSetSpec. */
export function validateDaemonSetSpec(c: v.Causes, spec: DaemonSetSpec, path: string): void {
  const selector = spec.selector;
  const template = spec.template;
  const tlabels = template?.metadata?.labels ?? {};
  if (!selector) c.add(`${path}.selector`, 'Required value');
  else if (Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions?.length ?? 0) === 0) {
    c.add(`${path}.selector`, `Invalid value: ${JSON.stringify(selector)}: empty selector is invalid for daemonset`);
  } else {
    v.selectorMatchesTemplate(c, path, selector, tlabels);
  }
  if (!template) c.add(`${path}.template`, 'Required value');
  else {
    v.labels(c, `${path}.template.metadata.labels`, tlabels);
    v.annotations(c, `${path}.template.metadata.annotations`, template.metadata?.annotations);
    validatePodSpec(c, template.spec, `${path}.template.spec`);
    const restart = template.spec?.restartPolicy ?? '';
    if (restart !== 'Always') c.add(`${path}.template.spec.restartPolicy`, `Unsupported value: "${restart}": supported values: "Always"`);
    const deadline = template.spec?.activeDeadlineSeconds;
    if (deadline !== undefined) {
      c.add(`${path}.template.spec.activeDeadlineSeconds`, `Invalid value: ${deadline}: activeDeadlineSeconds must be nil for daemonset`);
    }
  }
  v.nonNegative(c, `${path}.minReadySeconds`, spec.minReadySeconds);
  v.nonNegative(c, `${path}.revisionHistoryLimit`, spec.revisionHistoryLimit);
  const strategy = spec.updateStrategy;
  const sp = `${path}.updateStrategy`;
  if (strategy?.type === 'RollingUpdate') {
    if (!strategy.rollingUpdate) c.add(`${sp}.rollingUpdate`, 'Required value');
    else validateRollingUpdate(c, strategy.rollingUpdate, `${sp}.rollingUpdate`);
  } else if (strategy?.type !== 'OnDelete') {
    c.add(sp, `Unsupported value: "${strategy?.type ?? ''}": supported values: "RollingUpdate", "OnDelete"`);
  }
}

type IntOrPercent = { n: number; percent: boolean } | undefined;

function intOrPercent(value: unknown): IntOrPercent {
  if (typeof value === 'number') return { n: value, percent: false };
  if (typeof value === 'string') {
    const m = value.match(/^(-?\d+)%$/);
    if (m) return { n: Number(m[1]), percent: true };
  }
  return undefined;
}

/** Go's getIntOrPercentValue: the number, with or without "%"; anything unparsable (or unset) is 0. */
function goIntOrPercentValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return 0;
  const s = value.endsWith('%') ? value.slice(0, -1) : value;
  return /^[+-]?\d+$/.test(s) ? Number(s) : 0;
}

/** ValidatePositiveIntOrPercent and IsNotMoreThan100Percent. */
function validateIntOrPercent(c: v.Causes, field: string, raw: unknown, parsed: IntOrPercent): void {
  const shown = JSON.stringify(raw);
  if (!parsed) c.add(field, `Invalid value: ${shown}: must be an integer or percentage (e.g '5%')`);
  else if (parsed.n < 0) c.add(field, `Invalid value: ${shown}: must be greater than or equal to 0`);
  if (parsed?.percent && parsed.n > 100) c.add(field, `Invalid value: ${shown}: must not be greater than 100%`);
}

/** ValidateRollingUpdateDaemonSet: exactly one of maxUnavailable and maxSurge is non-zero. */
function validateRollingUpdate(c: v.Causes, ru: RollingUpdateDaemonSet, path: string): void {
  const unavailable = intOrPercent(ru.maxUnavailable);
  const surge = intOrPercent(ru.maxSurge);
  const hasUnavailable = goIntOrPercentValue(ru.maxUnavailable) !== 0;
  const hasSurge = goIntOrPercentValue(ru.maxSurge) !== 0;
  if (hasUnavailable) validateIntOrPercent(c, `${path}.maxUnavailable`, ru.maxUnavailable, unavailable);
  if (hasSurge) validateIntOrPercent(c, `${path}.maxSurge`, ru.maxSurge, surge);
  if (hasUnavailable && hasSurge) {
    c.add(`${path}.maxSurge`, `Invalid value: ${JSON.stringify(ru.maxSurge)}: may not be set when maxUnavailable is non-zero`);
  } else if (!hasUnavailable && !hasSurge) {
    c.add(`${path}.maxUnavailable`, 'Required value: cannot be 0 when maxSurge is 0');
  }
}

/** ValidateDaemonSetUpdate: the spec rules and an immutable selector. */
export function validateDaemonSetUpdate(ds: DaemonSet, old: DaemonSet): FieldCause[] {
  return [...validateSelectorUpdate(ds.spec, old.spec), ...validateDaemonSet(ds)];
}

/** ValidateControllerRevision. */
export function validateControllerRevision(rev: ControllerRevision): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, rev.metadata, true, 'subdomain');
  if (!rev.data) c.add('data', 'Required value: data is mandatory');
  v.nonNegative(c, 'revision', rev.revision);
  return c.list;
}

/** ValidateControllerRevisionUpdate: data is immutable (the revision number is not: a rollback renumbers). */
export function validateControllerRevisionUpdate(rev: ControllerRevision, old: ControllerRevision): FieldCause[] {
  const causes = validateControllerRevision(rev);
  if (!jsonEqual(rev.data, old.data)) causes.push({ field: 'data', message: 'Invalid value: "object": field is immutable' });
  return causes;
}

/** Kubernetes' ValidateDaemonSetStatusUpdate: every count not negative; collisionCount never goes down. */
export function validateDaemonSetStatusUpdate(ds: DaemonSet, old: DaemonSet): FieldCause[] {
  const c = new v.Causes();
  const st = ds.status;
  if (!st) return c.list;
  const counts = ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount'] as const;
  for (const f of counts) v.nonNegative(c, `status.${f}`, st[f]);
  v.collisionCountNotDecremented(c, st.collisionCount, old.status?.collisionCount);
  return c.list;
}
