// The PersistentVolumeClaim's write path, as Kubernetes' pkg/apis/core/v1 defaults
// (SetDefaults_PersistentVolumeClaim), pkg/registry/core/persistentvolumeclaim (status reset to
// Pending on create) and pkg/apis/core/validation (ValidatePersistentVolumeClaim,
// ValidatePersistentVolumeClaimUpdate) have it, with their paths and messages: access modes and a
// storage request greater than zero are required; after creation the spec stays as it is, except
// that an unbound claim gets its volumeName once (binding), a claim without a class gets one
// (the retroactive default class), and a bound claim's storage request may grow.
import type { FieldCause } from '../../../../lib/api/errors';
import { Quantity } from '../../../../lib/api/quantity';
import { BETA_STORAGE_CLASS_ANNOTATION } from '../../../../lib/api/persistent-volumes';
import type { PersistentVolumeClaim, PersistentVolumeClaimSpec } from '../../../../lib/gen/kite/core/v1/types';
import { positiveQuantity, validateAccessModes, VOLUME_MODES } from './persistentvolume-validation';
import { validateMeta } from './validation';
import * as v from './validation-helpers';

/** The PVC protection's finalizer (Kubernetes' PVCProtectionFinalizer). */
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
/** The class a claim named before storageClassName existed (v1.StorageClassAnnotation). */

/** SetDefaults_PersistentVolumeClaim. */
export function defaultPersistentVolumeClaim(pvc: PersistentVolumeClaim): void {
  if (pvc.spec) pvc.spec.volumeMode ??= 'Filesystem';
  if (pvc.status && !pvc.status.phase) pvc.status.phase = 'Pending';
}

/** persistentvolumeclaimStrategy.PrepareForCreate: a new claim is Pending, whatever status it came with. */
export function preparePersistentVolumeClaimForCreate(pvc: PersistentVolumeClaim): void {
  pvc.status = { phase: 'Pending', accessModes: [], capacity: {}, conditions: [] };
}

/** ValidatePersistentVolumeClaim. */
export function validatePersistentVolumeClaim(pvc: PersistentVolumeClaim): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, pvc.metadata, true, 'subdomain');
  validateClaimSpec(c, pvc.spec ?? { accessModes: [], volumeName: '' }, 'spec');
  return c.list;
}

function validateClaimSpec(c: v.Causes, spec: PersistentVolumeClaimSpec, path: string): void {
  if (spec.accessModes.length === 0) c.add(`${path}.accessModes`, 'Required value: at least 1 access mode is required');
  validateAccessModes(c, `${path}.accessModes`, spec.accessModes);
  const storage = spec.resources?.requests.storage;
  if (storage === undefined) c.add(`${path}.resources[storage]`, 'Required value');
  else positiveQuantity(c, `${path}.resources[storage]`, storage);
  if (spec.storageClassName) v.dns1123Subdomain(c, `${path}.storageClassName`, spec.storageClassName);
  if (spec.volumeMode !== undefined) c.notSupported(`${path}.volumeMode`, spec.volumeMode, VOLUME_MODES);
}

/** ValidatePersistentVolumeClaimUpdate. */
export function validatePersistentVolumeClaimUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldCause[] {
  const c = new v.Causes();
  c.list.push(...validatePersistentVolumeClaim(pvc));
  const spec = structuredClone(pvc.spec);
  const oldSpec = structuredClone(old.spec);
  if (spec && oldSpec) {
    // The binder sets volumeName once.
    if (!oldSpec.volumeName) oldSpec.volumeName = spec.volumeName;
    // A claim made without a class (and without the beta annotation) may be given one.
    if (oldSpec.storageClassName === undefined && spec.storageClassName !== undefined && old.metadata?.annotations[BETA_STORAGE_CLASS_ANNOTATION] === undefined) {
      oldSpec.storageClassName = spec.storageClassName;
    }
    // A bound claim's request may change (expansion); a lower one is refused below.
    if (pvc.status?.phase === 'Bound' && spec.resources && oldSpec.resources) spec.resources.requests.storage = oldSpec.resources.requests.storage;
  }
  if (JSON.stringify(spec) !== JSON.stringify(oldSpec)) {
    c.add('spec', 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
  }
  const size = (s: PersistentVolumeClaimSpec | undefined) => s?.resources?.requests.storage;
  const newSize = size(pvc.spec);
  const oldSize = size(old.spec);
  if (newSize && oldSize && validQuantity(newSize) && validQuantity(oldSize) && Quantity.parse(newSize).scaled(3) < Quantity.parse(oldSize).scaled(3)) {
    c.add('spec.resources.requests.storage', 'Forbidden: field can not be less than previous value');
  }
  return c.list;
}

function validQuantity(q: string): boolean {
  try {
    Quantity.parse(q);
    return true;
  } catch {
    return false;
  }
}
