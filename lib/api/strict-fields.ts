// Strict decoding of Kubernetes-shaped JSON against Kite's proto descriptors: unknown fields and
// wrongly typed values are reported with their paths and kubectl's wording instead of being
// dropped or coerced by ts-proto's fromJSON (Kubernetes' strict field validation, the JSON side of
// services/apiserver/auth/limits/strict-decoding.ts).
import type * as Protobuf from 'protobufjs';
import type { KindInfo } from './kind-info';
import { fieldsOf, messageTypeOf } from './proto-schema';

/** Unknown fields and wrongly typed values of a document, as kubectl words them. */
export function strictProblems(kind: KindInfo, raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  checkMessage(messageTypeOf(kind), raw, '', problems);
  return problems;
}

/** Go's JSON decoder's name for a value's type. */
export function describeType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

function join2(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function wrongType(path: string, expected: string, v: unknown): string {
  const shown = typeof v === 'string' ? ` ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}` : '';
  return `invalid type for field "${path}": expected ${expected}, got ${describeType(v)}${shown}`;
}

function checkMessage(type: Protobuf.Type, v: unknown, path: string, problems: string[]): void {
  if (v === null) return;
  if (typeof v !== 'object' || Array.isArray(v)) {
    problems.push(wrongType(path, 'object', v));
    return;
  }
  const fields = fieldsOf(type);
  for (const [key, value] of Object.entries(v)) {
    const field = fields.get(key);
    const p = join2(path, key);
    if (!field) {
      problems.push(`unknown field "${p}"`);
      continue;
    }
    if (value === null) continue;
    if (field.map) {
      if (typeof value !== 'object' || Array.isArray(value)) {
        problems.push(wrongType(p, 'object', value));
        continue;
      }
      for (const [k, item] of Object.entries(value)) checkValue(field, item, `${p}.${k}`, problems);
    } else if (field.repeated) {
      if (!Array.isArray(value)) {
        problems.push(wrongType(p, 'array', value));
        continue;
      }
      // Go's decoder reads a null list item as the element's zero value ("args: [null]" is [""]).
      value.forEach((item, i) => (item === null ? (value[i] = zeroValue(field)) : checkValue(field, item, `${p}[${i}]`, problems)));
    } else {
      checkValue(field, value, p, problems);
    }
  }
}

/** The zero value of a field's type, as Go's JSON decoder gives a null list item. */
function zeroValue(field: Protobuf.Field): unknown {
  const resolved = field.resolvedType;
  if (resolved && 'fieldsArray' in resolved) return resolved.fullName === '.google.protobuf.Value' ? null : {};
  if (field.type === 'string' || field.type === 'bytes') return '';
  if (field.type === 'bool') return false;
  return 0;
}

const INT_RANGES: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sint64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sfixed64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  fixed64: [0, Number.MAX_SAFE_INTEGER],
};

function checkValue(field: Protobuf.Field, v: unknown, path: string, problems: string[]): void {
  if (v === null) return;
  const resolved = field.resolvedType;
  if (resolved && 'fieldsArray' in resolved) {
    const full = resolved.fullName.replace(/^\./, '');
    if (full === 'google.protobuf.Value') {
      // Every Value in Kite's API is a Kubernetes int-or-string.
      if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))) return;
      problems.push(wrongType(path, 'integer or string', v));
      return;
    }
    if (full === 'google.protobuf.Struct') {
      // A RawExtension: any JSON object.
      if (typeof v !== 'object' || Array.isArray(v)) problems.push(wrongType(path, 'object', v));
      return;
    }
    checkMessage(resolved as Protobuf.Type, v, path, problems);
    return;
  }
  if (resolved) {
    if (typeof v !== 'string') problems.push(wrongType(path, 'string', v));
    return;
  }
  const range = INT_RANGES[field.type];
  if (range) {
    if (typeof v !== 'number' || !Number.isInteger(v)) problems.push(wrongType(path, field.type, v));
    else if (v < range[0] || v > range[1]) problems.push(`invalid value for field "${path}": ${v} is out of range for ${field.type}`);
    return;
  }
  switch (field.type) {
    case 'string':
      if (typeof v !== 'string') problems.push(wrongType(path, 'string', v));
      return;
    case 'bytes': {
      if (typeof v !== 'string') problems.push(wrongType(path, 'string', v));
      const at = typeof v === 'string' ? base64ErrorAt(v) : undefined;
      if (at !== undefined) problems.push(`illegal base64 data at input byte ${at}`);
      return;
    }
    case 'bool':
      if (typeof v !== 'boolean') problems.push(wrongType(path, 'boolean', v));
      return;
    case 'double':
    case 'float':
      if (typeof v !== 'number') problems.push(wrongType(path, 'number', v));
      return;
    default:
      problems.push(`field "${path}" has an unsupported type ${field.type}`);
  }
}

const BASE64 = /^[A-Za-z0-9+/]$/;
const isNewline = (c: string) => c === '\n' || c === '\r';

/**
 * Where Go's base64.StdEncoding (encoding/json's decoder of []byte) finds `s` corrupt, or undefined
 * if it decodes: padding required, newlines skipped, the offset as CorruptInputError reports it.
 */
export function base64ErrorAt(s: string): number | undefined {
  let si = 0;
  for (;;) {
    for (let j = 0; j < 4; j++) {
      if (si === s.length) return j === 0 ? undefined : si - j;
      const c = s[si++];
      if (BASE64.test(c)) continue;
      if (isNewline(c)) {
        j--;
        continue;
      }
      if (c !== '=' || j < 2) return si - 1;
      if (j === 2) {
        while (si < s.length && isNewline(s[si])) si++;
        if (si === s.length) return s.length;
        if (s[si] !== '=') return si - 1;
        si++;
      }
      while (si < s.length && isNewline(s[si])) si++;
      return si < s.length ? si : undefined;
    }
  }
}
