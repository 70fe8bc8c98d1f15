// The PersistentVolume's write path, as Kubernetes' pkg/apis/core/v1 defaults
// (SetDefaults_PersistentVolume), pkg/registry/core/persistentvolume (status reset to Pending on
// create) and pkg/apis/core/validation (ValidatePersistentVolume, ValidatePersistentVolumeUpdate)
// have it, with their paths and messages: a storage capacity greater than zero, known access
// modes, exactly one volume source (hostPath or local, a local volume with node affinity), a known
// reclaim policy (default Retain) and volume mode (default Filesystem); the source, the volume
// mode and a set node affinity are immutable. Also the rules PersistentVolumeClaims share.
import type { FieldCause } from '../../../../lib/api/errors';
import { Quantity } from '../../../../lib/api/quantity';
import type { PersistentVolume, PersistentVolumeSpec, VolumeNodeAffinity } from '../../../../lib/gen/kite/core/v1/types';
import { validateMeta, validateNodeSelectorRequirement } from './validation';
import * as v from './validation-helpers';

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'] as const;
export const VOLUME_MODES = ['Block', 'Filesystem'] as const;
export const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'] as const;
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'] as const;
/** The PV protection controller's finalizer (Kubernetes' PVProtectionFinalizer). */
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

/** SetDefaults_PersistentVolume. */
export function defaultPersistentVolume(pv: PersistentVolume): void {
  if (!pv.spec) return;
  pv.spec.persistentVolumeReclaimPolicy ||= 'Retain';
  pv.spec.volumeMode ??= 'Filesystem';
  if (pv.status && !pv.status.phase) pv.status.phase = 'Pending';
}

/** persistentvolumeStrategy.PrepareForCreate: a new volume is Pending, whatever status it came with. */
export function preparePersistentVolumeForCreate(pv: PersistentVolume, now: string): void {
  pv.status = { phase: 'Pending', message: '', reason: '', lastPhaseTransitionTime: now };
}

/** ValidatePersistentVolume. */
export function validatePersistentVolume(pv: PersistentVolume): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, pv.metadata, false, 'subdomain');
  if (!pv.spec) c.add('spec', 'Required value: must specify a volume type');
  else validatePersistentVolumeSpec(c, pv.spec, 'spec');
  return c.list;
}

function validatePersistentVolumeSpec(c: v.Causes, spec: PersistentVolumeSpec, path: string): void {
  if (spec.accessModes.length === 0) c.add(`${path}.accessModes`, 'Required value');
  validateAccessModes(c, `${path}.accessModes`, spec.accessModes);
  const resources = Object.keys(spec.capacity);
  if (resources.length === 0) c.add(`${path}.capacity`, 'Required value');
  if (!('storage' in spec.capacity) || resources.length > 1) {
    c.add(`${path}.capacity`, `Unsupported value: ${goMap(spec.capacity)}: supported values: "storage"`);
  }
  for (const [r, q] of Object.entries(spec.capacity)) positiveQuantity(c, `${path}.capacity[${r}]`, q);
  if (spec.persistentVolumeReclaimPolicy) c.notSupported(`${path}.persistentVolumeReclaimPolicy`, spec.persistentVolumeReclaimPolicy, RECLAIM_POLICIES);
  if (spec.storageClassName) v.dns1123Subdomain(c, `${path}.storageClassName`, spec.storageClassName);
  const hasAffinity = validateVolumeNodeAffinity(c, `${path}.nodeAffinity`, spec.nodeAffinity);
  let sources = 0;
  if (spec.hostPath) {
    sources++;
    if (!spec.hostPath.path) c.add(`${path}.hostPath.path`, 'Required value');
    else v.noBacksteps(c, `${path}.hostPath.path`, spec.hostPath.path);
    c.notSupported(`${path}.hostPath.type`, spec.hostPath.type, HOST_PATH_TYPES);
  }
  if (spec.local) {
    if (sources > 0) c.add(`${path}.local`, 'Forbidden: may not specify more than 1 volume type');
    else {
      sources++;
      if (!spec.local.path) c.add(`${path}.local.path`, 'Required value');
      else v.noBacksteps(c, `${path}.local.path`, spec.local.path);
      if (!hasAffinity) c.add(`${path}.nodeAffinity`, 'Required value: Local volume requires node affinity');
    }
  }
  if (sources === 0) c.add(path, 'Required value: must specify a volume type');
  if (spec.hostPath && cleanPath(spec.hostPath.path) === '/' && spec.persistentVolumeReclaimPolicy === 'Recycle') {
    c.add(`${path}.persistentVolumeReclaimPolicy`, "Forbidden: may not be 'recycle' for a hostPath mount of '/'");
  }
  if (spec.volumeMode !== undefined) c.notSupported(`${path}.volumeMode`, spec.volumeMode, VOLUME_MODES);
}

/** ValidatePersistentVolumeUpdate: the source, the volume mode and a node affinity once set stay. */
export function validatePersistentVolumeUpdate(pv: PersistentVolume, old: PersistentVolume): FieldCause[] {
  const c = new v.Causes();
  c.list.push(...validatePersistentVolume(pv));
  const source = (s: PersistentVolumeSpec | undefined) => JSON.stringify({ hostPath: s?.hostPath, local: s?.local });
  if (source(pv.spec) !== source(old.spec)) c.add('spec.persistentvolumesource', 'Forbidden: spec.persistentvolumesource is immutable after creation');
  if (pv.spec?.volumeMode !== old.spec?.volumeMode) c.add('volumeMode', `Invalid value: "${pv.spec?.volumeMode ?? ''}": field is immutable`);
  if (old.spec?.nodeAffinity && JSON.stringify(pv.spec?.nodeAffinity) !== JSON.stringify(old.spec.nodeAffinity)) {
    c.add('nodeAffinity', 'Invalid value: "field is immutable": field is immutable');
  }
  return c.list;
}

/** Known access modes, ReadWriteOncePod alone. */
export function validateAccessModes(c: v.Causes, path: string, modes: readonly string[]): void {
  for (const m of modes) c.notSupported(path, m, ACCESS_MODES);
  if (modes.includes('ReadWriteOncePod') && modes.some((m) => m !== 'ReadWriteOncePod')) {
    c.add(path, 'Forbidden: may not use ReadWriteOncePod with other access modes');
  }
}

/** ValidatePositiveQuantityValue after the quantity's own rules. */
export function positiveQuantity(c: v.Causes, path: string, q: string): void {
  const before = c.list.length;
  v.quantity(c, path, q);
  if (c.list.length === before && Quantity.parse(q).scaled(3) <= 0n) c.add(path, `Invalid value: "${q}": must be greater than zero`);
}

/** validateVolumeNodeAffinity: whether there is one; its required terms validated. */
function validateVolumeNodeAffinity(c: v.Causes, path: string, affinity: VolumeNodeAffinity | undefined): boolean {
  if (!affinity) return false;
  if (!affinity.required) {
    c.add(`${path}.required`, 'Required value: must specify required node constraints');
    return true;
  }
  const terms = affinity.required.nodeSelectorTerms;
  if (terms.length === 0) c.add(`${path}.required.nodeSelectorTerms`, 'Required value: must have at least one node selector term');
  terms.forEach((t, i) => t.matchExpressions.forEach((e, j) => validateNodeSelectorRequirement(c, `${path}.required.nodeSelectorTerms[${i}].matchExpressions[${j}]`, e)));
  return true;
}

function cleanPath(p: string): string {
  const parts = p.split('/').filter((s) => s && s !== '.');
  return p.startsWith('/') && parts.length === 0 ? '/' : parts.join('/');
}

/** A resource list as Go prints a map in NotSupported's message. */
function goMap(m: Record<string, string>): string {
  return `map[${Object.keys(m).sort().map((k) => `${k}:${m[k]}`).join(' ')}]`;
}
