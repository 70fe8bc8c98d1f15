// Kubernetes' name, label and value validators, returning field causes with paths.
import type { FieldCause } from '../../../../lib/api/errors';
import { MAX_QUANTITY, Quantity } from '../../../../lib/api/quantity';
import { selectorFromLabelSelector } from '../../../../lib/api/selectors';
import type { LabelSelector } from '../../../../lib/gen/kite/meta/v1/meta';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([eE][+-]?\d+)|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export class Causes {
  readonly list: FieldCause[] = [];
  add(field: string, message: string): void {
    this.list.push({ field, message });
  }
  required(field: string, value: unknown): boolean {
    if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) {
      this.add(field, 'Required value');
      return false;
    }
    return true;
  }
  notSupported(field: string, value: string, allowed: readonly string[]): void {
    if (!allowed.includes(value)) {
      this.add(field, `Unsupported value: "${value}": supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`);
    }
  }
}

/**
 * Kubernetes' maskTrailingDash: a generateName is validated as a name with its trailing dash
 * masked (the generated suffix follows it), quoting the generateName itself.
 */
export function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

/** Whether `v` is a DNS-1123 label (a namespace or pod name). */
export function isDNS1123Label(v: string): boolean {
  return v.length <= 63 && DNS1123_LABEL.test(v);
}

export function dns1123Label(c: Causes, field: string, v: string, shown = v): void {
  if (v.length > 63) c.add(field, `Invalid value: "${shown}": must be no more than 63 characters`);
  else if (!DNS1123_LABEL.test(v)) {
    c.add(field, `Invalid value: "${shown}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`);
  }
}

export function dns1123Subdomain(c: Causes, field: string, v: string, shown = v): void {
  if (v.length > 253) c.add(field, `Invalid value: "${shown}": must be no more than 253 characters`);
  else if (!DNS1123_SUBDOMAIN.test(v)) {
    c.add(field, `Invalid value: "${shown}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`);
  }
}

export function dns1035Label(c: Causes, field: string, v: string, shown = v): void {
  if (v.length > 63) c.add(field, `Invalid value: "${shown}": must be no more than 63 characters`);
  else if (!DNS1035_LABEL.test(v)) {
    c.add(field, `Invalid value: "${shown}": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`);
  }
}

/** A label or annotation key: optional DNS subdomain prefix "/" then a qualified name. */
export function qualifiedName(c: Causes, field: string, key: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (slash >= 0) {
    if (!prefix) c.add(field, `Invalid value: "${key}": prefix part must be non-empty`);
    else if (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) c.add(field, `Invalid value: "${key}": prefix part must be a lowercase RFC 1123 subdomain`);
  }
  if (!name || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    c.add(field, `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, at most 63 characters`);
  }
}

export function labels(c: Causes, field: string, m: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(m ?? {})) {
    qualifiedName(c, `${field}`, k);
    if (v.length > 63 || !LABEL_VALUE.test(v)) {
      c.add(`${field}`, `Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, at most 63 characters`);
    }
  }
}

export function annotations(c: Causes, field: string, m: Record<string, string> | undefined): void {
  let total = 0;
  for (const [k, v] of Object.entries(m ?? {})) {
    qualifiedName(c, field, k);
    total += k.length + v.length;
  }
  if (total > 256 * 1024) c.add(field, `Too long: must have at most 262144 bytes`);
}

export function quantity(c: Causes, field: string, v: string): void {
  if (!QUANTITY.test(v)) c.add(field, `Invalid value: "${v}": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  else if (v.startsWith('-')) c.add(field, `Invalid value: "${v}": must be greater than or equal to 0`);
  // Kubernetes cannot represent more than 2^63-1; Kite refuses rather than cap.
  else if (Quantity.parse(v).exceedsMax()) c.add(field, `Invalid value: "${v}": must be less than or equal to ${MAX_QUANTITY}`);
}

/** Kubernetes' validatePathNoBacksteps: no ".." path element. */
export function noBacksteps(c: Causes, field: string, path: string): void {
  if (path.split('/').includes('..')) c.add(field, `Invalid value: "${path}": must not contain '..'`);
}

export function port(c: Causes, field: string, v: number): void {
  if (!Number.isInteger(v) || v < 1 || v > 65535) c.add(field, `Invalid value: ${v}: must be between 1 and 65535, inclusive`);
}

export function portName(c: Causes, field: string, v: string): void {
  if (v.length > 15 || !IANA_SVC_NAME.test(v) || !/[a-z]/.test(v) || v.includes('--')) {
    c.add(field, `Invalid value: "${v}": must be no more than 15 characters, contain only lowercase alphanumerics and '-', and contain at least one letter`);
  }
}

/** int-or-string: a port number 1..65535 or an IANA service name. */
export function intOrStringPort(c: Causes, field: string, v: unknown): void {
  if (typeof v === 'number') port(c, field, v);
  else if (typeof v === 'string') {
    if (/^\d+$/.test(v)) port(c, field, Number(v));
    else portName(c, field, v);
  } else c.add(field, 'Required value');
}

export function nonNegative(c: Causes, field: string, v: number | undefined): void {
  if (v !== undefined && v < 0) c.add(field, `Invalid value: ${v}: must be greater than or equal to 0`);
}

/** IsDecremented: a collisionCount once set may only grow. */
export function collisionCountNotDecremented(c: Causes, now: number | undefined, before: number | undefined): void {
  if (before === undefined || (now !== undefined && now >= before)) return;
  c.add('status.collisionCount', `Invalid value: ${now === undefined ? 'null' : now}: cannot be decremented`);
}

/** The workload's selector must select its pod template's labels (the apps and batch kinds' validation). */
export function selectorMatchesTemplate(c: Causes, path: string, selector: LabelSelector, templateLabels: Record<string, string>): void {
  try {
    if (!selectorFromLabelSelector(selector).matches(templateLabels)) {
      c.add(`${path}.template.metadata.labels`, `Invalid value: ${JSON.stringify(templateLabels)}: \`selector\` does not match template \`labels\``);
    }
  } catch (err) {
    c.add(`${path}.selector`, `Invalid value: ${(err as Error).message}`);
  }
}
