// The Job's write path, as Kubernetes' pkg/apis/batch/v1 defaults (SetDefaults_Job), the job
// strategy's selector generation (pkg/registry/batch/job: generateSelector) and
// pkg/apis/batch/validation (ValidateJob, ValidateJobUpdate) do it, with their paths and messages.
import type { FieldCause } from '../../../../lib/api/errors';
import type { Job, JobSpec } from '../../../../lib/gen/kite/batch/v1/types';
import type { PodTemplateSpec } from '../../../../lib/gen/kite/core/v1/types';
import { ObjectMeta } from '../../../../lib/gen/kite/meta/v1/meta';
import { jsonEqual } from '../../../../lib/util/json';
import { defaultPodSpec } from '../defaults';
import { validateMeta, validatePodSpec } from './validation';
import * as v from './validation-helpers';

/** The labels Kubernetes puts on a Job's pods (k8s.io/api/batch/v1). */
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

/** Kubernetes' maxParallelismForIndexedJob and maxFailedIndexesForIndexedJob. */
const MAX_PARALLELISM_INDEXED = 100000;
const MAX_INT32 = 2147483647;
/** Kubernetes' maxSuccessPolicyRule and maxManagedByLength. */
const MAX_SUCCESS_POLICY_RULES = 20;
const MAX_MANAGED_BY_LENGTH = 63;
/** apimachinery's httpPathFmt, the path part of a domain-prefixed path. */
const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const HTTP_PATH = new RegExp(`^${HTTP_PATH_FMT}$`);

/** SetDefaults_Job (on create and update). */
export function defaultJob(job: Job): void {
  const spec = job.spec;
  if (!spec) return;
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? MAX_INT32 : 6;
  if (!spec.completionMode) spec.completionMode = 'NonIndexed';
  spec.suspend ??= false;
  for (const rule of spec.podFailurePolicy?.rules ?? []) for (const p of rule.onPodConditions) if (!p.status) p.status = 'True';
  if (!spec.podReplacementPolicy) spec.podReplacementPolicy = spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  spec.manualSelector ??= false;
  // A Job without labels takes its template's (with the generated ones: Kubernetes defaults on every decode).
  const tlabels = spec.template?.metadata?.labels ?? {};
  if (job.metadata && Object.keys(job.metadata.labels ?? {}).length === 0 && Object.keys(tlabels).length > 0) job.metadata.labels = { ...tlabels };
  if (spec.template?.spec) defaultPodSpec(spec.template.spec);
}

/** The job strategy on create: status reset, then the generated selector unless spec.manualSelector. */
export function prepareJobForCreate(job: Job): void {
  job.status = { conditions: [], startTime: '', completionTime: '', active: 0, succeeded: 0, failed: 0, completedIndexes: '' };
  const spec = job.spec;
  if (!spec) return;
  const template = (spec.template ??= { spec: undefined });
  const tmeta = (template.metadata ??= ObjectMeta.fromPartial({}));
  tmeta.labels ??= {};
  if (!spec.manualSelector) generateSelector(job);
}

/** Kubernetes' generateSelector: the job-name and controller-uid labels, and a selector on the uid. */
export function generateSelector(job: Job): void {
  const meta = job.metadata!;
  const spec = job.spec!;
  const labels = spec.template!.metadata!.labels;
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(k in labels)) labels[k] = meta.name;
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (!(k in labels)) labels[k] = meta.uid;
  spec.selector ??= { matchLabels: {}, matchExpressions: [] };
  spec.selector.matchLabels ??= {};
  if (!(CONTROLLER_UID_LABEL in spec.selector.matchLabels)) spec.selector.matchLabels[CONTROLLER_UID_LABEL] = meta.uid;
}

export function validateJob(job: Job): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, job.metadata, true, 'subdomain');
  validateGeneratedSelector(c, job);
  if (!job.spec) c.add('spec', 'Required value');
  else validateJobSpec(c, job.spec, 'spec');
  return c.list;
}

/** ValidateGeneratedSelector: a selector Kubernetes generated must select this Job's uid. */
function validateGeneratedSelector(c: v.Causes, job: Job): void {
  const spec = job.spec;
  if (!spec || spec.manualSelector || !spec.selector) return;
  const uid = job.metadata?.uid ?? '';
  if (spec.selector.matchLabels?.[CONTROLLER_UID_LABEL] !== uid) {
    c.add('spec.selector', `Invalid value: ${JSON.stringify(spec.selector)}: \`selector\` not auto-generated`);
  }
  const labels = spec.template?.metadata?.labels ?? {};
  for (const k of [CONTROLLER_UID_LABEL, LEGACY_CONTROLLER_UID_LABEL]) {
    if (k in labels && labels[k] !== uid) {
      c.add(`spec.template.metadata.labels[${k}]`, `Invalid value: ${JSON.stringify(labels[k])}: must be '${uid}'`);
    }
  }
}

export function validateJobSpec(c: v.Causes, spec: JobSpec, path: string): void {
  if (!spec.selector) c.add(`${path}.selector`, 'Required value');
  v.nonNegative(c, `${path}.parallelism`, spec.parallelism);
  v.nonNegative(c, `${path}.completions`, spec.completions);
  v.nonNegative(c, `${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds);
  v.nonNegative(c, `${path}.backoffLimit`, spec.backoffLimit);
  v.nonNegative(c, `${path}.ttlSecondsAfterFinished`, spec.ttlSecondsAfterFinished);
  if (spec.backoffLimitPerIndex !== undefined) {
    v.nonNegative(c, `${path}.backoffLimitPerIndex`, spec.backoffLimitPerIndex);
    if (spec.completionMode !== 'Indexed') c.add(`${path}.backoffLimitPerIndex`, 'Forbidden: requires indexed completion mode');
  }
  if (spec.maxFailedIndexes !== undefined) {
    v.nonNegative(c, `${path}.maxFailedIndexes`, spec.maxFailedIndexes);
    if (spec.backoffLimitPerIndex === undefined) c.add(`${path}.backoffLimitPerIndex`, 'Required value: when maxFailedIndexes is specified');
  }
  if (spec.completionMode) {
    c.notSupported(`${path}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed']);
    if (spec.completionMode === 'Indexed') {
      if (spec.completions === undefined) c.add(`${path}.completions`, 'Required value: when completion mode is Indexed');
      if (spec.parallelism !== undefined && spec.parallelism > MAX_PARALLELISM_INDEXED) {
        c.add(`${path}.parallelism`, `Invalid value: ${spec.parallelism}: must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`);
      }
    }
  }
  validatePodFailurePolicy(c, spec, `${path}.podFailurePolicy`);
  if (spec.successPolicy) {
    if (spec.completionMode !== 'Indexed') c.add(`${path}.completionMode`, `Invalid value: "${spec.completionMode || 'NonIndexed'}": requires indexed completion mode`);
    else validateSuccessPolicy(c, spec, `${path}.successPolicy`);
  }
  if (spec.managedBy !== undefined) validateManagedBy(c, spec.managedBy, `${path}.managedBy`);
  if (spec.podReplacementPolicy) {
    if (spec.podFailurePolicy) {
      if (spec.podReplacementPolicy !== 'Failed') {
        c.add(`${path}.podReplacementPolicy`, `Unsupported value: "${spec.podReplacementPolicy}": supported values: "Failed"`);
      }
    } else c.notSupported(`${path}.podReplacementPolicy`, spec.podReplacementPolicy, ['Failed', 'TerminatingOrFailed']);
  }
  const template = spec.template;
  if (!template) {
    c.add(`${path}.template`, 'Required value');
    return;
  }
  const tlabels = template.metadata?.labels ?? {};
  v.labels(c, `${path}.template.metadata.labels`, tlabels);
  if (spec.selector) {
    v.selectorMatchesTemplate(c, path, spec.selector, tlabels);
  }
  validatePodSpec(c, template.spec, `${path}.template.spec`);
  const restart = template.spec?.restartPolicy ?? '';
  if (restart !== 'OnFailure' && restart !== 'Never') {
    c.add(`${path}.template.spec.restartPolicy`, `Unsupported value: "${restart}": supported values: "OnFailure", "Never"`);
  } else if (restart === 'OnFailure' && spec.podFailurePolicy) {
    c.add(`${path}.template.spec.restartPolicy`, 'Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified');
  }
}

/** validateSuccessPolicy: 1 to 20 rules, each with succeededIndexes (valid intervals) and/or a fitting succeededCount. */
function validateSuccessPolicy(c: v.Causes, spec: JobSpec, path: string): void {
  const rules = spec.successPolicy!.rules;
  if (rules.length === 0) c.add(`${path}.rules`, 'Required value: at least one rules must be specified when the successPolicy is specified');
  if (rules.length > MAX_SUCCESS_POLICY_RULES) c.add(`${path}.rules`, `Too many: ${rules.length}: must have at most ${MAX_SUCCESS_POLICY_RULES} items`);
  const completions = spec.completions ?? 0;
  rules.forEach((rule, i) => {
    const rp = `${path}.rules[${i}]`;
    if (rule.succeededIndexes === undefined && rule.succeededCount === undefined) {
      c.add(rp, 'Required value: at least one of succeededCount or succeededIndexes must be specified');
    }
    let size = 0;
    if (rule.succeededIndexes !== undefined) {
      const parsed = indexesFormat(rule.succeededIndexes, completions);
      if (typeof parsed === 'string') c.add(`${rp}.succeededIndexes`, `Invalid value: ${JSON.stringify(rule.succeededIndexes)}: error parsing succeededIndexes: ${parsed}`);
      else size = parsed;
    }
    const count = rule.succeededCount;
    if (count !== undefined) {
      if (count < 0) c.add(`${rp}.succeededCount`, `Invalid value: ${count}: must be greater than or equal to 0`);
      if (count > completions) c.add(`${rp}.succeededCount`, `Invalid value: ${count}: must be less than or equal to ${completions} (the number of specified completions)`);
      if (rule.succeededIndexes !== undefined && count > size) {
        c.add(`${rp}.succeededCount`, `Invalid value: ${count}: must be less than or equal to ${size} (the number of indexes in the specified succeededIndexes field)`);
      }
    }
  });
}

/** validateIndexesFormat: increasing intervals "1,3-5" below completions; their size, or the error. */
function indexesFormat(s: string, completions: number): number | string {
  if (s === '') return 0;
  let last: number | undefined;
  let total = 0;
  for (const part of s.split(',')) {
    const limits = part.split('-');
    if (limits.length > 2) return `the fragment ${JSON.stringify(part)} violates the requirement that an index interval can have at most two parts separated by '-'`;
    const bounds: number[] = [];
    for (const l of limits) {
      if (!/^[+-]?\d+$/.test(l)) return `cannot convert string to integer for index: ${JSON.stringify(l)}`;
      if (Number(l) >= completions) return `too large index: ${JSON.stringify(l)}`;
      bounds.push(Number(l));
    }
    const [x, y = x] = bounds;
    if (bounds.length > 1 && x >= y) return `non-increasing order, previous: ${x}, current: ${y}`;
    if (last !== undefined && last >= x) return `non-increasing order, previous: ${last}, current: ${x}`;
    total += y - x + 1;
    last = y;
  }
  return total;
}

/** managedBy: a domain-prefixed path (IsDomainPrefixedPath) of at most 63 characters. */
function validateManagedBy(c: v.Causes, managedBy: string, path: string): void {
  const slash = managedBy.indexOf('/');
  if (managedBy === '') c.add(path, 'Required value');
  else if (slash <= 0 || slash === managedBy.length - 1) c.add(path, `Invalid value: ${JSON.stringify(managedBy)}: must be a domain-prefixed path (such as "acme.io/foo")`);
  else {
    v.dns1123Subdomain(c, path, managedBy.slice(0, slash));
    const rest = managedBy.slice(slash + 1);
    if (!HTTP_PATH.test(rest)) c.add(path, `Invalid value: ${JSON.stringify(rest)}: Invalid path (regex used for validation is '${HTTP_PATH_FMT}')`);
  }
  if (managedBy.length > MAX_MANAGED_BY_LENGTH) c.add(path, `Too long: may not be more than ${MAX_MANAGED_BY_LENGTH} bytes`);
}

const POD_FAILURE_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];

/** validatePodFailurePolicy: each rule has one of onExitCodes / onPodConditions, a known action. */
function validatePodFailurePolicy(c: v.Causes, spec: JobSpec, path: string): void {
  spec.podFailurePolicy?.rules.forEach((rule, i) => {
    const rp = `${path}.rules[${i}]`;
    c.notSupported(`${rp}.action`, rule.action, POD_FAILURE_ACTIONS);
    if (rule.action === 'FailIndex' && spec.backoffLimitPerIndex === undefined) {
      c.add(`${rp}.action`, 'Forbidden: requires the backoffLimitPerIndex to be set');
    }
    const codes = rule.onExitCodes;
    if (codes && rule.onPodConditions.length > 0) c.add(rp, 'Invalid value: specifying both OnExitCodes and OnPodConditions is not supported');
    else if (!codes && rule.onPodConditions.length === 0) c.add(rp, 'Invalid value: specifying one of OnExitCodes and OnPodConditions is required');
    if (codes) {
      c.notSupported(`${rp}.onExitCodes.operator`, codes.operator, ['In', 'NotIn']);
      if (codes.values.length === 0) c.add(`${rp}.onExitCodes.values`, 'Invalid value: at least one value is required');
      codes.values.forEach((val, j) => {
        if (codes.operator === 'In' && val === 0) c.add(`${rp}.onExitCodes.values[${j}]`, 'Invalid value: 0: must not be 0 for the In operator');
        if (j > 0 && val <= codes.values[j - 1]) c.add(`${rp}.onExitCodes.values[${j}]`, `Invalid value: ${val}: must be ordered`);
      });
    }
    rule.onPodConditions.forEach((p, j) => {
      if (!p.type) c.add(`${rp}.onPodConditions[${j}].type`, 'Required value');
      c.notSupported(`${rp}.onPodConditions[${j}].status`, p.status, ['True', 'False', 'Unknown']);
    });
  });
}

/** ValidateJobUpdate: the create rules, then the fields Kubernetes keeps immutable. */
export function validateJobUpdate(job: Job, old: Job): FieldCause[] {
  const causes = validateJob(job);
  const spec = job.spec;
  const prev = old.spec;
  if (!spec || !prev) return causes;
  const immutable = (field: string, a: unknown, b: unknown) => {
    if (!jsonEqual(a ?? null, b ?? null)) causes.push({ field: `spec.${field}`, message: `Invalid value: ${JSON.stringify(a ?? null)}: field is immutable` });
  };
  // Elastic Indexed Jobs: completions may change in tandem with parallelism.
  if (spec.completionMode === 'Indexed' && spec.completions !== undefined && prev.completions !== undefined && spec.completions !== prev.completions) {
    if (spec.completions !== spec.parallelism) {
      causes.push({ field: 'spec.completions', message: `Invalid value: ${spec.completions}: can only be modified in tandem with spec.parallelism` });
    }
  } else immutable('completions', spec.completions, prev.completions);
  immutable('selector', spec.selector, prev.selector);
  // A suspended Job that never started may change its pods' scheduling directives (and labels, annotations).
  const mutableScheduling = !!prev.suspend && !old.status?.startTime;
  const comparable = (t: PodTemplateSpec | undefined) => {
    if (!t || !mutableScheduling) return t;
    const s = t.spec && { ...t.spec, nodeSelector: {}, tolerations: [], affinity: undefined };
    return { spec: s };
  };
  if (!jsonEqual(comparable(spec.template) ?? null, comparable(prev.template) ?? null)) {
    causes.push({ field: 'spec.template', message: `Invalid value: ${JSON.stringify(spec.template)}: field is immutable` });
  }
  immutable('completionMode', spec.completionMode, prev.completionMode);
  immutable('podFailurePolicy', spec.podFailurePolicy, prev.podFailurePolicy);
  immutable('backoffLimitPerIndex', spec.backoffLimitPerIndex, prev.backoffLimitPerIndex);
  immutable('managedBy', spec.managedBy, prev.managedBy);
  immutable('successPolicy', spec.successPolicy, prev.successPolicy);
  return causes;
}
