// Validation of Secret as Kubernetes' ValidateSecret and ValidateSecretUpdate: a DNS subdomain
// name; every data key a config-map key (IsConfigMapKey); at most 1 MiB of data; the keys (or
// annotation) each built-in type requires; `type` never changes; once `immutable` is set, neither
// it nor the data can change. stringData is already merged into data (the strategy's defaults),
// as Kubernetes' conversion does before validation.
import type { FieldCause } from '../../../../lib/api/errors';
import type { Secret } from '../../../../lib/gen/kite/core/v1/types';
import { configMapKeyErrors } from '../../../../lib/api/config-keys';
import { IMMUTABLE, sameBytes } from './configmap-validation';
import { validateMeta } from './validation';
import { Causes } from './validation-helpers';

/** core.MaxSecretSize. */
export const MAX_SECRET_SIZE = 1024 * 1024;
const REDACTED = '<secret contents redacted>';

/** Kubernetes' built-in secret types and the keys they use. */
export const SecretTypes = {
  opaque: 'Opaque',
  serviceAccountToken: 'kubernetes.io/service-account-token',
  dockercfg: 'kubernetes.io/dockercfg',
  dockerConfigJson: 'kubernetes.io/dockerconfigjson',
  basicAuth: 'kubernetes.io/basic-auth',
  sshAuth: 'kubernetes.io/ssh-auth',
  tls: 'kubernetes.io/tls',
} as const;
export const SERVICE_ACCOUNT_NAME_KEY = 'kubernetes.io/service-account.name';

/**
 * Merges stringData into data (a stringData entry overrides the data entry of the same key) and
 * clears it, then defaults an empty type to Opaque: Kubernetes' v1 conversion and defaulting.
 */
export function defaultSecret(s: Secret): void {
  const stringData = s.stringData ?? {};
  if (Object.keys(stringData).length) {
    s.data = { ...(s.data ?? {}) };
    for (const [k, v] of Object.entries(stringData)) s.data[k] = Buffer.from(v, 'utf8');
  }
  s.stringData = {};
  if (!s.type) s.type = SecretTypes.opaque;
}

export function validateSecret(s: Secret): FieldCause[] {
  const c = new Causes();
  validateMeta(c, s.metadata, true, 'subdomain');
  const data = s.data ?? {};
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const msg of configMapKeyErrors(key)) c.add(`data[${key}]`, `Invalid value: "${key}": ${msg}`);
    total += value.length;
  }
  if (total > MAX_SECRET_SIZE) c.add('data', `Too long: must have at most ${MAX_SECRET_SIZE} bytes`);
  const required = (key: string) => c.add(`data[${key}]`, 'Required value');
  const has = (key: string) => Object.hasOwn(data, key);
  switch (s.type) {
    case SecretTypes.serviceAccountToken:
      // Only the annotation: the token and uid are filled in later by the token controller.
      if (!s.metadata?.annotations?.[SERVICE_ACCOUNT_NAME_KEY]) c.add(`metadata.annotations[${SERVICE_ACCOUNT_NAME_KEY}]`, 'Required value');
      break;
    case SecretTypes.dockercfg:
    case SecretTypes.dockerConfigJson: {
      const key = s.type === SecretTypes.dockercfg ? '.dockercfg' : '.dockerconfigjson';
      if (!has(key)) {
        required(key);
        break;
      }
      const err = jsonObjectError(Buffer.from(data[key]).toString('utf8'));
      if (err) c.add(`data[${key}]`, `Invalid value: "${REDACTED}": ${err}`);
      break;
    }
    case SecretTypes.basicAuth:
      // Either may be empty, but one must be present.
      if (!has('username') && !has('password')) {
        required('username');
        required('password');
      }
      break;
    case SecretTypes.sshAuth:
      if (!data['ssh-privatekey']?.length) required('ssh-privatekey');
      break;
    case SecretTypes.tls:
      if (!has('tls.crt')) required('tls.crt');
      if (!has('tls.key')) required('tls.key');
      break;
    default:
    // Opaque, empty and any other type: no requirement.
  }
  return c.list;
}

/** ValidateSecretUpdate: `type` is immutable; an immutable Secret keeps `immutable` and its data; then ValidateSecret. */
export function validateSecretUpdate(s: Secret, old: Secret): FieldCause[] {
  const causes: FieldCause[] = [];
  if (s.type !== old.type) causes.push({ field: 'type', message: `Invalid value: ${JSON.stringify(s.type)}: field is immutable` });
  if (old.immutable) {
    if (!s.immutable) causes.push({ field: 'immutable', message: IMMUTABLE });
    if (!sameBytes(s.data ?? {}, old.data ?? {})) causes.push({ field: 'data', message: IMMUTABLE });
  }
  return [...causes, ...validateSecret(s)];
}

/**
 * Why `text` does not unmarshal into Go's map[string]interface{} (as json.Unmarshal words it),
 * or undefined when it does (an object, or null).
 */
export function jsonObjectError(text: string): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    const t = text.trim();
    if (!t) return 'unexpected end of JSON input';
    const first = t[0];
    if (!/[{["\-0-9tfn]/.test(first)) return `invalid character ${goQuoteChar(first)} looking for beginning of value`;
    return 'unexpected end of JSON input';
  }
  if (v === null || (typeof v === 'object' && !Array.isArray(v))) return undefined;
  const kind = Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v;
  return `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`;
}

function goQuoteChar(ch: string): string {
  return ch === "'" ? "'\\''" : `'${ch}'`;
}
