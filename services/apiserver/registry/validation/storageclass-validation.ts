// The StorageClass's write path, as Kubernetes' pkg/apis/storage/v1 defaults
// (SetDefaults_StorageClass) and pkg/apis/storage/validation (ValidateStorageClass,
// ValidateStorageClassUpdate) have it, with their paths and messages: a provisioner that is a
// qualified name, non-empty parameter keys, reclaimPolicy Delete (the default) or Retain,
// volumeBindingMode Immediate (the default) or WaitForFirstConsumer; parameters, provisioner,
// reclaimPolicy and volumeBindingMode never change.
import type { FieldCause } from '../../../../lib/api/errors';
import type { StorageClass } from '../../../../lib/gen/kite/storage/v1/types';
import { validateMeta } from './validation';
import * as v from './validation-helpers';

const RECLAIM_POLICIES = ['Delete', 'Retain'] as const;
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'] as const;
/** maxProvisionerParameterSize and maxProvisionerParameterLen. */
const MAX_PARAMETERS_SIZE = 256 * 1024;
const MAX_PARAMETERS = 512;

/** SetDefaults_StorageClass. */
export function defaultStorageClass(sc: StorageClass): void {
  sc.reclaimPolicy ||= 'Delete';
  sc.volumeBindingMode ||= 'Immediate';
}

/** ValidateStorageClass. */
export function validateStorageClass(sc: StorageClass): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, sc.metadata, false, 'subdomain');
  if (!sc.provisioner) c.add('provisioner', 'Required value');
  else v.qualifiedName(c, 'provisioner', sc.provisioner.toLowerCase());
  const keys = Object.keys(sc.parameters);
  if (keys.length > MAX_PARAMETERS) c.add('parameters', `Too long: may have at most ${MAX_PARAMETERS} items`);
  let size = 0;
  for (const k of keys) {
    if (!k) c.add('parameters', 'Invalid value: "": field can not be empty.');
    size += k.length + sc.parameters[k].length;
  }
  if (size > MAX_PARAMETERS_SIZE) c.add('parameters', `Too long: must have at most ${MAX_PARAMETERS_SIZE} bytes`);
  if (sc.reclaimPolicy !== undefined) c.notSupported('reclaimPolicy', sc.reclaimPolicy, RECLAIM_POLICIES);
  if (sc.volumeBindingMode === undefined) c.add('volumeBindingMode', 'Required value');
  else c.notSupported('volumeBindingMode', sc.volumeBindingMode, BINDING_MODES);
  sc.allowedTopologies.forEach((term, i) => {
    if (term.matchLabelExpressions.length === 0) c.add(`allowedTopologies[${i}].matchLabelExpressions`, 'Required value: must have at least one label expression');
    term.matchLabelExpressions.forEach((e, j) => {
      const p = `allowedTopologies[${i}].matchLabelExpressions[${j}]`;
      v.qualifiedName(c, `${p}.key`, e.key);
      if (e.values.length === 0) c.add(`${p}.values`, 'Required value: must specify as least one value');
    });
  });
  return c.list;
}

/** ValidateStorageClassUpdate. */
export function validateStorageClassUpdate(sc: StorageClass, old: StorageClass): FieldCause[] {
  const c = new v.Causes();
  c.list.push(...validateStorageClass(sc));
  if (JSON.stringify(sortedEntries(sc.parameters)) !== JSON.stringify(sortedEntries(old.parameters))) c.add('parameters', 'Forbidden: updates to parameters are forbidden.');
  if (sc.provisioner !== old.provisioner) c.add('provisioner', 'Forbidden: updates to provisioner are forbidden.');
  if (sc.reclaimPolicy !== old.reclaimPolicy) c.add('reclaimPolicy', 'Forbidden: updates to reclaimPolicy are forbidden.');
  if (sc.volumeBindingMode !== old.volumeBindingMode) c.add('volumeBindingMode', `Invalid value: "${sc.volumeBindingMode ?? ''}": field is immutable`);
  return c.list;
}

function sortedEntries(m: Record<string, string>): [string, string][] {
  return Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
