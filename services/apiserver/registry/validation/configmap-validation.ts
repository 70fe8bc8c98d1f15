// Validation of ConfigMap as Kubernetes' ValidateConfigMap and ValidateConfigMapUpdate: a DNS
// subdomain name; every key of data and binaryData a config-map key (IsConfigMapKey); no key in
// both; at most 1 MiB of data and binaryData together; once `immutable` is set, neither it nor the
// data can change.
import type { FieldCause } from '../../../../lib/api/errors';
import type { ConfigMap } from '../../../../lib/gen/kite/core/v1/types';
import { configMapKeyErrors } from '../../../../lib/api/config-keys';
import { validateMeta } from './validation';
import { Causes } from './validation-helpers';

/** corev1.MaxSecretSize, which Kubernetes also applies to a ConfigMap's data and binaryData. */
export const MAX_CONFIG_MAP_SIZE = 1024 * 1024;
/** Kubernetes' refusal of a change to an object whose `immutable` is set (ConfigMaps, Secrets). */
export const IMMUTABLE = 'Forbidden: field is immutable when `immutable` is set';

export function validateConfigMap(cm: ConfigMap): FieldCause[] {
  const c = new Causes();
  validateMeta(c, cm.metadata, true, 'subdomain');
  const binary = cm.binaryData ?? {};
  let total = 0;
  for (const [key, value] of Object.entries(cm.data ?? {})) {
    for (const msg of configMapKeyErrors(key)) c.add(`data[${key}]`, `Invalid value: "${key}": ${msg}`);
    if (Object.hasOwn(binary, key)) c.add(`data[${key}]`, `Invalid value: "${key}": duplicate of key present in binaryData`);
    total += Buffer.byteLength(value, 'utf8');
  }
  for (const [key, value] of Object.entries(binary)) {
    for (const msg of configMapKeyErrors(key)) c.add(`binaryData[${key}]`, `Invalid value: "${key}": ${msg}`);
    total += value.length;
  }
  // Kubernetes reports the size on the whole object (an empty path); Kite names the data.
  if (total > MAX_CONFIG_MAP_SIZE) c.add('data', `Too long: must have at most ${MAX_CONFIG_MAP_SIZE} bytes`);
  return c.list;
}

/** ValidateConfigMapUpdate: an immutable ConfigMap keeps `immutable` and its data; then ValidateConfigMap. */
export function validateConfigMapUpdate(cm: ConfigMap, old: ConfigMap): FieldCause[] {
  const causes: FieldCause[] = [];
  if (old.immutable) {
    if (!cm.immutable) causes.push({ field: 'immutable', message: IMMUTABLE });
    if (!sameStrings(cm.data ?? {}, old.data ?? {})) causes.push({ field: 'data', message: IMMUTABLE });
    if (!sameBytes(cm.binaryData ?? {}, old.binaryData ?? {})) causes.push({ field: 'binaryData', message: IMMUTABLE });
  }
  return [...causes, ...validateConfigMap(cm)];
}

function sameKeys(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k));
}

function sameStrings(a: Record<string, string>, b: Record<string, string>): boolean {
  return sameKeys(a, b) && Object.keys(a).every((k) => a[k] === b[k]);
}

/** Equal byte maps (ConfigMap binaryData, Secret data). */
export function sameBytes(a: Record<string, Uint8Array>, b: Record<string, Uint8Array>): boolean {
  return sameKeys(a, b) && Object.keys(a).every((k) => Buffer.from(a[k]).equals(Buffer.from(b[k])));
}
