// The StatefulSet's write path, as Kubernetes' pkg/apis/apps/v1 defaults (SetDefaults_StatefulSet,
// with the core/v1 defaults of its pod template and volumeClaimTemplates), the statefulset strategy
// (pkg/registry/apps/statefulset: status reset on create) and pkg/apis/apps/validation
// (ValidateStatefulSet, ValidateStatefulSetUpdate) do it, with their paths and messages.
import type { FieldCause } from '../../../../lib/api/errors';
import type { StatefulSet, StatefulSetSpec, StatefulSetStatus } from '../../../../lib/gen/kite/apps/v1/types';
import { jsonEqual } from '../../../../lib/util/json';
import { defaultPodSpec } from '../defaults';
import { defaultPersistentVolumeClaim } from './persistentvolumeclaim-validation';
import { validateMeta } from './validation';
import * as v from './validation-helpers';

const POD_MANAGEMENT_POLICIES = ['OrderedReady', 'Parallel'];
const RETENTION_POLICIES = ['Delete', 'Retain'];

/** SetDefaults_StatefulSet, and SetDefaults_PersistentVolumeClaim(Spec) for the claim templates. */
export function defaultStatefulSet(sts: StatefulSet): void {
  const spec = sts.spec;
  if (!spec) return;
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  spec.updateStrategy ??= { type: '' };
  const strategy = spec.updateStrategy;
  if (!strategy.type) {
    strategy.type = 'RollingUpdate';
    strategy.rollingUpdate ??= {};
  }
  if (strategy.type === 'RollingUpdate' && strategy.rollingUpdate) strategy.rollingUpdate.partition ??= 0;
  spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: '', whenScaled: '' };
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  if (!retention.whenDeleted) retention.whenDeleted = 'Retain';
  if (!retention.whenScaled) retention.whenScaled = 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  if (spec.template?.spec) defaultPodSpec(spec.template.spec);
  for (const claim of spec.volumeClaimTemplates) {
    // A Go struct, the template's status is always there to default.
    claim.status ??= { phase: '', accessModes: [], capacity: {}, conditions: [] };
    defaultPersistentVolumeClaim(claim);
  }
}

/** The statefulset strategy's PrepareForCreate: a new StatefulSet has no status yet. */
export function prepareStatefulSetForCreate(sts: StatefulSet): void {
  sts.status = emptyStatefulSetStatus();
}

export function emptyStatefulSetStatus(): StatefulSetStatus {
  return {
    observedGeneration: 0, replicas: 0, readyReplicas: 0, currentReplicas: 0, updatedReplicas: 0, currentRevision: '',
    updateRevision: '', conditions: [], availableReplicas: 0,
  };
}

/** ValidateStatefulSet: the name is a DNS label (it is the prefix of pod names and hostnames). */
export function validateStatefulSet(sts: StatefulSet): FieldCause[] {
  return validateWithName(sts, 'label');
}

function validateWithName(sts: StatefulSet, rule: 'label' | 'subdomain'): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, sts.metadata, true, rule);
  if (!sts.spec) c.add('spec', 'Required value');
  else validateStatefulSetSpec(c, sts.spec, 'spec');
  return c.list;
}

/**
 * ValidateStatefulSetSpec. As in Kubernetes, the template's pod spec is not validated here (its
 * containers mount claim templates that are no volume of the template): the pods made from it are.
 */
export function validateStatefulSetSpec(c: v.Causes, spec: StatefulSetSpec, path: string): void {
  if (!spec.podManagementPolicy) c.add(`${path}.podManagementPolicy`, 'Required value');
  else if (!POD_MANAGEMENT_POLICIES.includes(spec.podManagementPolicy)) {
    c.add(`${path}.podManagementPolicy`, `Invalid value: ${JSON.stringify(spec.podManagementPolicy)}: must be 'OrderedReady' or 'Parallel'`);
  }
  const strategy = spec.updateStrategy;
  const sp = `${path}.updateStrategy`;
  if (!strategy?.type) c.add(sp, 'Required value');
  else if (strategy.type === 'OnDelete') {
    if (strategy.rollingUpdate) {
      c.add(`${sp}.rollingUpdate`, `Invalid value: ${JSON.stringify(strategy.rollingUpdate)}: only allowed for updateStrategy 'RollingUpdate'`);
    }
  } else if (strategy.type === 'RollingUpdate') {
    v.nonNegative(c, `${sp}.rollingUpdate.partition`, strategy.rollingUpdate?.partition);
  } else c.add(sp, `Invalid value: ${JSON.stringify(strategy)}: must be 'RollingUpdate' or 'OnDelete'`);
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  if (retention) {
    c.notSupported(`${path}.persistentVolumeClaimRetentionPolicy.whenDeleted`, retention.whenDeleted, RETENTION_POLICIES);
    c.notSupported(`${path}.persistentVolumeClaimRetentionPolicy.whenScaled`, retention.whenScaled, RETENTION_POLICIES);
  }
  v.nonNegative(c, `${path}.replicas`, spec.replicas);
  v.nonNegative(c, `${path}.ordinals.start`, spec.ordinals?.start);
  v.nonNegative(c, `${path}.minReadySeconds`, spec.minReadySeconds);
  const selector = spec.selector;
  if (!selector) c.add(`${path}.selector`, 'Required value');
  else if (Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions?.length ?? 0) === 0) {
    c.add(`${path}.selector`, `Invalid value: ${JSON.stringify(selector)}: empty selector is invalid for statefulset`);
  }
  const template = spec.template;
  const tlabels = template?.metadata?.labels ?? {};
  if (selector) v.selectorMatchesTemplate(c, path, selector, tlabels);
  v.labels(c, `${path}.template.labels`, tlabels);
  v.annotations(c, `${path}.template.annotations`, template?.metadata?.annotations);
  const restart = template?.spec?.restartPolicy ?? '';
  if (restart !== 'Always') c.add(`${path}.template.spec.restartPolicy`, `Unsupported value: "${restart}": supported values: "Always"`);
  if (template?.spec?.activeDeadlineSeconds !== undefined) {
    c.add(`${path}.template.spec.activeDeadlineSeconds`, 'Forbidden: activeDeadlineSeconds in StatefulSet is not Supported');
  }
}

/**
 * ValidateStatefulSetUpdate: the spec rules (the name, which cannot change, is not checked again),
 * then only the mutable fields may differ.
 */
export function validateStatefulSetUpdate(sts: StatefulSet, old: StatefulSet): FieldCause[] {
  const causes = validateWithName(sts, 'subdomain');
  const spec = sts.spec;
  const prev = old.spec;
  if (!spec || !prev) return causes;
  const fixed = (s: StatefulSetSpec) => ({
    ...s, replicas: undefined, template: undefined, updateStrategy: undefined, minReadySeconds: 0, ordinals: undefined,
    revisionHistoryLimit: undefined, persistentVolumeClaimRetentionPolicy: undefined,
  });
  if (!jsonEqual(fixed(spec), fixed(prev))) {
    causes.push({
      field: 'spec',
      message: "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    });
  }
  return causes;
}

/** Kubernetes' ValidateStatefulSetStatusUpdate: counts not negative nor above what contains them; collisionCount never goes down. */
export function validateStatefulSetStatusUpdate(sts: StatefulSet, old: StatefulSet): FieldCause[] {
  const c = new v.Causes();
  const st = sts.status;
  if (!st) return c.list;
  for (const f of ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'observedGeneration', 'collisionCount'] as const) {
    v.nonNegative(c, `status.${f}`, st[f]);
  }
  const notAbove = (f: 'readyReplicas' | 'currentReplicas' | 'updatedReplicas' | 'availableReplicas', than: 'replicas' | 'readyReplicas') => {
    if (st[f] > st[than]) c.add(`status.${f}`, `Invalid value: ${st[f]}: cannot be greater than status.${than}`);
  };
  notAbove('readyReplicas', 'replicas');
  notAbove('currentReplicas', 'replicas');
  notAbove('updatedReplicas', 'replicas');
  notAbove('availableReplicas', 'replicas');
  notAbove('availableReplicas', 'readyReplicas');
  v.collisionCountNotDecremented(c, st.collisionCount, old.status?.collisionCount);
  return c.list;
}
