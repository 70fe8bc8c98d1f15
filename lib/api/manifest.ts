// Decodes Kubernetes manifests (YAML or JSON, several documents per file) into typed objects,
// as strictly as kubectl and the apiserver do: unknown fields and wrong types are reported with
// their paths instead of being dropped or coerced, and hostile input (alias bombs, deep nesting,
// huge documents) is rejected before it costs much.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type * as Protobuf from 'protobufjs';
import { Lexer, parseAllDocuments } from 'yaml';
import { kindFor, type KindInfo, type KubeObject } from './kinds';

/** Kubernetes refuses request bodies above 3 MiB; a manifest document is one request. */
export const MAX_DOCUMENT_BYTES = 3 * 1024 * 1024;
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
export const MAX_DEPTH = 100;
/** Manifests rarely use aliases; a small budget stops exponential expansion early. */
export const MAX_ALIAS_COUNT = 100;

export interface Manifest<T extends KubeObject = KubeObject> {
  kind: KindInfo<T>;
  object: T;
  /** The document as written (plain JSON), e.g. for kubectl's last-applied-configuration. */
  raw: Record<string, unknown>;
  /** File name (or "STDIN") the document came from, for messages. */
  source: string;
}

/** A manifest that cannot be used; the message is worded like kubectl's. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** Parses every document of a file and decodes each into its kind. */
export function decodeManifests(text: string, source: string): Manifest[] {
  return parseDocuments(text, source).flatMap((raw) => expandList(raw, source)).map((raw) => decodeManifest(raw, source));
}

/** YAML/JSON text -> plain JSON values, one per non-empty document. */
export function parseDocuments(text: string, source: string): Record<string, unknown>[] {
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) {
    throw new ManifestError(`error parsing ${source}: file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
  }
  checkDocumentSizes(text, source);
  checkFlowDepth(text, source);
  const docs = parseAllDocuments(text, { merge: true, prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: Record<string, unknown>[] = [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0].line;
      const what = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new ManifestError(`error parsing ${source}: error converting YAML to JSON: yaml: ${line ? `line ${line}: ` : ''}${what}`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      throw new ManifestError(`error parsing ${source}: ${(e as Error).message}`);
    }
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new ManifestError(`error parsing ${source}: a document must be an object, not ${describeType(value)}`);
    }
    if (depthOf(value, 0) > MAX_DEPTH) {
      throw new ManifestError(`error parsing ${source}: a document is nested deeper than ${MAX_DEPTH} levels`);
    }
    out.push(value as Record<string, unknown>);
  }
  return out;
}

/** Rejects oversized documents before parsing them; "---" at the start of a line always separates documents. */
function checkDocumentSizes(text: string, source: string): void {
  if (Buffer.byteLength(text) <= MAX_DOCUMENT_BYTES) return;
  for (const doc of text.split(/^---/m)) {
    if (Buffer.byteLength(doc) > MAX_DOCUMENT_BYTES) {
      throw new ManifestError(`error parsing ${source}: a document is larger than ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB`);
    }
  }
}

/** Rejects deeply nested flow collections ([[[[...) before the recursive parser sees them. */
function checkFlowDepth(text: string, source: string): void {
  if (!/[[{]/.test(text)) return;
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      if (++depth > MAX_DEPTH) throw new ManifestError(`error parsing ${source}: a document is nested deeper than ${MAX_DEPTH} levels`);
    } else if (token === ']' || token === '}') depth = Math.max(0, depth - 1);
  }
}

function depthOf(v: unknown, d: number): number {
  if (d > MAX_DEPTH || v === null || typeof v !== 'object') return d;
  let max = d + 1;
  for (const child of Object.values(v)) max = Math.max(max, depthOf(child, d + 1));
  return max;
}

/** `kind: List` documents carry their objects in items, as kubectl accepts. */
function expandList(raw: Record<string, unknown>, source: string): Record<string, unknown>[] {
  if (raw.kind !== 'List' || raw.apiVersion !== 'v1') return [raw];
  if (!Array.isArray(raw.items)) throw new ManifestError(`error validating "${source}": List has no items array`);
  return raw.items.map((item) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new ManifestError(`error validating "${source}": List items must be objects`);
    }
    return item as Record<string, unknown>;
  });
}

/** Finds the kind of one parsed document and decodes it strictly. */
export function decodeManifest(raw: Record<string, unknown>, source: string): Manifest {
  const missing: string[] = [];
  if (typeof raw.apiVersion !== 'string' || !raw.apiVersion) missing.push('apiVersion not set');
  if (typeof raw.kind !== 'string' || !raw.kind) missing.push('kind not set');
  if (missing.length) throw new ManifestError(`error validating "${source}": error validating data: [${missing.join(', ')}]`);
  const apiVersion = raw.apiVersion as string;
  const kindName = raw.kind as string;
  const kind = kindFor(apiVersion, kindName);
  const meta = (raw.metadata ?? {}) as Record<string, unknown>;
  if (!kind) {
    throw new ManifestError(
      `resource mapping not found for name: "${String(meta.name ?? '')}" namespace: "${String(meta.namespace ?? '')}" from "${source}": ` +
        `no matches for kind "${kindName}" in version "${apiVersion}"\nensure CRDs are installed first`,
    );
  }
  const problems = strictProblems(kind, raw);
  if (problems.length) {
    const name = typeof meta.name === 'string' && meta.name ? ` "${meta.name}"` : '';
    throw new ManifestError(`error validating "${source}": ${kindName}${name}: strict decoding error: ${problems.join(', ')}`);
  }
  return { kind, object: kind.type.fromJSON(raw), raw, source };
}

let protoRoot: Protobuf.Root | undefined;

function protoDir(): string {
  return join(__dirname, '..', '..', 'proto');
}

function listProtoFiles(dir: string, base: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listProtoFiles(join(dir, e.name), base) : e.name.endsWith('.proto') ? [relative(base, join(dir, e.name))] : [],
  );
}

/** The message descriptors of proto/, loaded once and only when a manifest is decoded. */
function root(): Protobuf.Root {
  if (protoRoot) return protoRoot;
  const pb = require('protobufjs') as typeof Protobuf;
  const dir = protoDir();
  const r = new pb.Root();
  // Well-known types come bundled with protobufjs; everything else lives in proto/.
  r.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : join(dir, target));
  r.loadSync(listProtoFiles(join(dir, 'kite'), dir), { keepCase: true });
  r.resolveAll();
  protoRoot = r;
  return r;
}

function messageTypeOf(kind: KindInfo): Protobuf.Type {
  const pkg = kind.serviceName.slice(0, kind.serviceName.lastIndexOf('.'));
  return root().lookupType(`${pkg}.${kind.kind}`);
}

/** protoc's default JSON name: snake_case -> lowerCamelCase, unless json_name overrides it. */
function jsonName(field: Protobuf.Field): string {
  const explicit = field.options?.json_name as string | undefined;
  return explicit ?? field.name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

const fieldsByJsonName = new WeakMap<Protobuf.Type, Map<string, Protobuf.Field>>();

function fieldsOf(type: Protobuf.Type): Map<string, Protobuf.Field> {
  let m = fieldsByJsonName.get(type);
  if (!m) {
    m = new Map(type.fieldsArray.map((f) => [jsonName(f), f]));
    fieldsByJsonName.set(type, m);
  }
  return m;
}

/** Unknown fields and wrongly typed values of a document, as kubectl words them. */
export function strictProblems(kind: KindInfo, raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  checkMessage(messageTypeOf(kind), raw, '', problems);
  return problems;
}

function describeType(v: unknown): string {
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
    case 'bytes':
      if (typeof v !== 'string') problems.push(wrongType(path, 'string', v));
      return;
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
