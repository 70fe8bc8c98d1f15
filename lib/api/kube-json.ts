// Kubernetes-shaped JSON <-> Kite's objects: ts-proto's fromJSON/toJSON plus what Kubernetes' Go
// JSON serializer does differently, driven by the proto descriptors and the field table taken from
// Kubernetes' types (field-semantics.ts), never by kind:
// - decoding: unknown fields and wrong types are found as the apiserver's strict decoding finds
//   them (fieldValidation Strict/Warn/Ignore), and a quantity written as a plain number
//   (`cpu: 2`, `memory: 1000000`) is read as resource.Quantity's UnmarshalJSON reads it, and a
//   raw JSON value (managedFields' fieldsV1 object) is kept as its text;
// - encoding: kind and apiVersion first, fields Kubernetes always writes (`exitCode: 0`,
//   `restartCount: 0`, `resources: {}`, `lastProbeTime: null`) written although proto3 omits
//   zero values, metav1.Time in whole seconds and MicroTime in microseconds, in UTC, raw JSON
//   values (fieldsV1) as the JSON they hold;
// - quantities in canonical form on write (canonicalizeQuantities), as decoding into
//   resource.Quantity and encoding it back does in kube-apiserver.
import type * as Protobuf from 'protobufjs';
import { BadRequestError } from './errors';
import { ALWAYS_EMITTED, MICRO_TIME_FIELDS, NIL_POINTERS, QUANTITY_FIELDS, RAW_JSON_FIELDS, TIME_FIELDS } from './field-semantics';
import type { KindInfo, KubeList, KubeObject } from './kind-info';
import { fieldsOf, isIntOrString, jsonName, messageOf, messageTypeOf, propertyName } from './proto-schema';
import { canonicalQuantity, isValidQuantity, Quantity } from './quantity';
import { strictProblems } from './strict-fields';

/** kube-apiserver's fieldValidation: unknown fields refused (Strict), warned about (Warn) or dropped (Ignore). */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (table: Readonly<Record<string, readonly string[]>>, message: string, field: string) => table[message]?.includes(field) ?? false;

/** What kube-apiserver says about a body its decoder cannot take. */
function cannotHandle(kind: KindInfo, detail: string): BadRequestError {
  const version = kind.apiVersion.slice(kind.apiVersion.lastIndexOf('/') + 1);
  return new BadRequestError(`${kind.kind} in version "${version}" cannot be handled as a ${kind.kind}: ${detail}`);
}

/**
 * A copy of `raw` with each quantity written as a JSON number turned into its text, as
 * resource.Quantity's UnmarshalJSON reads an unquoted number (`0.5` is "0.5", `1e3` is "1000"),
 * and each raw JSON value (fieldsV1) as its JSON text, the form Kite's messages hold it in.
 */
export function quantitiesAsText(type: Protobuf.Type, raw: unknown): unknown {
  if (!isObject(raw) || isIntOrString(type)) return raw;
  const fields = fieldsOf(type);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = fields.get(key);
    out[key] = field ? fieldAsText(type, field, key, value) : value;
  }
  return out;
}

function fieldAsText(type: Protobuf.Type, field: Protobuf.Field, key: string, value: unknown): unknown {
  if (value === null) return value;
  if (has(RAW_JSON_FIELDS, type.name, key)) return typeof value === 'string' ? value : JSON.stringify(value);
  if (has(QUANTITY_FIELDS, type.name, key)) {
    const text = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : v);
    return field.map && isObject(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, text(v)])) : text(value);
  }
  const child = messageOf(field);
  if (!child) return value;
  if (field.map && isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, quantitiesAsText(child, v)]));
  if (field.repeated && Array.isArray(value)) return value.map((v) => quantitiesAsText(child, v));
  return quantitiesAsText(child, value);
}

const isUnknownField = (p: string) => p.startsWith('unknown field ');

/**
 * A Kubernetes JSON object (a request body, a manifest document) decoded into `kind`'s message.
 * Wrongly typed values are refused whatever `validation` says; unknown fields are refused (Strict),
 * returned as warnings (Warn) or dropped silently (Ignore), as kube-apiserver's decoder does.
 */
export function decodeKube<T extends KubeObject>(kind: KindInfo<T>, raw: unknown, validation: FieldValidation = 'Strict'): { object: T; warnings: string[] } {
  if (!isObject(raw)) throw cannotHandle(kind, 'the body is not a JSON object');
  if (raw.kind !== undefined && raw.kind !== kind.kind) throw cannotHandle(kind, `the object's kind is ${JSON.stringify(raw.kind)}`);
  const doc = quantitiesAsText(messageTypeOf(kind), raw) as JsonObject;
  const problems = strictProblems(kind, doc);
  const typeErrors = problems.filter((p) => !isUnknownField(p));
  if (typeErrors.length) throw cannotHandle(kind, typeErrors.join(', '));
  const unknown = problems.filter(isUnknownField);
  if (unknown.length && validation === 'Strict') throw cannotHandle(kind, `strict decoding error: ${unknown.join(', ')}`);
  const object = kind.type.fromJSON(doc);
  object.kind ||= kind.kind;
  object.apiVersion ||= kind.apiVersion;
  return { object, warnings: validation === 'Warn' ? unknown : [] };
}

/** An object as kube-apiserver writes it: kind and apiVersion first, then its fields as Kubernetes' JSON has them. */
export function encodeKube<T extends KubeObject>(kind: KindInfo<T>, obj: T): JsonObject {
  return encodeInto(messageTypeOf(kind), kind.type.toJSON(obj) as JsonObject, { kind: obj.kind || kind.kind, apiVersion: obj.apiVersion || kind.apiVersion }, true);
}

/** A list as kube-apiserver writes a typed list: `<Kind>List`, its ListMeta, and items without kind and apiVersion. */
export function encodeKubeList<T extends KubeObject>(kind: KindInfo<T>, list: KubeList<T>): JsonObject {
  const m = list.metadata;
  const type = messageTypeOf(kind);
  return {
    kind: `${kind.kind}List`,
    apiVersion: kind.apiVersion,
    metadata: {
      resourceVersion: m?.resourceVersion ?? '',
      ...(m?.continue ? { continue: m.continue } : {}),
      ...(m?.remainingItemCount !== undefined && m.continue ? { remainingItemCount: m.remainingItemCount } : {}),
    },
    items: list.items.map((item) => encodeInto(type, kind.type.toJSON(item) as JsonObject, {}, true)),
  };
}

/** toJSON's output of a `type` message re-laid as Kubernetes writes it. */
export function encodeMessage(type: Protobuf.Type, json: unknown): unknown {
  if (!isObject(json) || isIntOrString(type)) return json;
  return encodeInto(type, json, {}, false);
}

/**
 * Adds the fields of toJSON's output of a `type` message to `out`, in Kubernetes' order; an
 * object's top (`withoutTypeMeta`) leaves out kind and apiVersion, which its caller writes first
 * (or, for a list's items, not at all), so no object is copied to reorder or drop them.
 */
function encodeInto(type: Protobuf.Type, json: JsonObject, out: JsonObject, withoutTypeMeta: boolean): JsonObject {
  for (const f of planOf(type)) {
    if (withoutTypeMeta && f.typeMeta) continue;
    if (f.key in json) out[f.key] = encodeField(f, json[f.key]);
    else if (f.always) out[f.key] = zeroOf(type, f.field, f.key);
  }
  return out;
}

/** What encoding needs to know of one field, worked out once per message type. */
interface FieldPlan {
  key: string;
  field: Protobuf.Field;
  child: Protobuf.Type | undefined;
  time: 'seconds' | 'micro' | undefined;
  always: boolean;
  raw: boolean;
  /** kind or apiVersion (TypeMeta). */
  typeMeta: boolean;
}

const plans = new WeakMap<Protobuf.Type, FieldPlan[]>();

function planOf(type: Protobuf.Type): FieldPlan[] {
  let plan = plans.get(type);
  if (!plan) {
    plan = type.fieldsArray.map((field) => {
      const key = jsonName(field);
      const time = has(TIME_FIELDS, type.name, key) ? 'seconds' : has(MICRO_TIME_FIELDS, type.name, key) ? 'micro' : undefined;
      return {
        key,
        field,
        child: messageOf(field),
        time,
        always: has(ALWAYS_EMITTED, type.name, key),
        raw: has(RAW_JSON_FIELDS, type.name, key),
        typeMeta: key === 'kind' || key === 'apiVersion',
      } as FieldPlan;
    });
    plans.set(type, plan);
  }
  return plan;
}

function encodeField(f: FieldPlan, value: unknown): unknown {
  if (f.raw && typeof value === 'string') return rawJSON(value);
  if (typeof value === 'string') return f.time && value === '' ? null : f.time ? formatTime(value, f.time === 'micro') : value;
  const child = f.child;
  if (!child || value === null) return value;
  if (f.field.map && isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeMessage(child, v)]));
  if (f.field.repeated && Array.isArray(value)) return value.map((v) => encodeMessage(child, v));
  return encodeMessage(child, value);
}

/** A raw JSON value's text as the JSON it holds (text that is not JSON stays a string). */
function rawJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What Go's encoder writes for a field left at its zero value when omitempty does not drop it. */
function zeroOf(type: Protobuf.Type, field: Protobuf.Field, key: string): unknown {
  // metav1.Time and MicroTime write their zero as null, as does a nil pointer.
  if (has(TIME_FIELDS, type.name, key) || has(MICRO_TIME_FIELDS, type.name, key) || has(NIL_POINTERS, type.name, key)) return null;
  if (has(QUANTITY_FIELDS, type.name, key) && !field.map) return '0';
  // A typed list's items are never nil; other nil slices and maps are written as null.
  if (field.repeated) return key === 'items' ? [] : null;
  if (field.map) return null;
  const child = messageOf(field);
  if (child) return isIntOrString(child) ? 0 : encodeMessage(child, {});
  // A pointer without omitempty (`*int64 json:"expirationSeconds"`) is null when unset.
  if (field.options?.proto3_optional || (field as { partOf?: unknown }).partOf) return null;
  switch (field.type) {
    case 'string':
    case 'bytes':
      return '';
    case 'bool':
      return false;
    default:
      return 0;
  }
}

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i;

/** metav1.Time (`2006-01-02T15:04:05Z`) or MicroTime (`2006-01-02T15:04:05.000000Z`) in UTC, truncated as Go formats them. */
export function formatTime(value: string, micro: boolean): string {
  const m = RFC3339.exec(value);
  if (!m) return value;
  let [, seconds, fraction = ''] = m;
  if (m[3].toUpperCase() !== 'Z') {
    const utc = new Date(Date.parse(value)).toISOString();
    seconds = utc.slice(0, 19);
    fraction = fraction || utc.slice(20, 23);
  }
  return micro ? `${seconds}.${fraction.padEnd(6, '0').slice(0, 6)}Z` : `${seconds}Z`;
}

/**
 * Rewrites every valid quantity of an object in the canonical form Kubernetes stores and returns
 * (`0.5` -> `500m`, `2000m` -> `2`, `1024Mi` -> `1Gi`); invalid ones are left for validation to refuse.
 */
export function canonicalizeQuantities<T extends KubeObject>(kind: KindInfo<T>, obj: T): void {
  canonicalizeMessage(messageTypeOf(kind), obj);
}

function canonicalizeMessage(type: Protobuf.Type, obj: unknown): void {
  if (!isObject(obj)) return;
  const plan = walkPlan(type);
  for (const { prop, map } of plan.quantities) {
    const value = obj[prop];
    if (map && isObject(value)) {
      for (const [k, q] of Object.entries(value)) if (typeof q === 'string') value[k] = canonicalIfValid(q);
    } else if (typeof value === 'string') obj[prop] = canonicalIfValid(value);
  }
  for (const { prop, child, map } of plan.children) {
    if (walkPlan(child).quantitiesBelow) forEachMessage(obj[prop], map, (v) => canonicalizeMessage(child, v));
  }
}

/** Each message a message field holds: a map's values, a list's items, or the one message. */
function forEachMessage(value: unknown, map: boolean, fn: (v: unknown) => void): void {
  if (value === undefined || value === null) return;
  if (map && isObject(value)) Object.values(value).forEach(fn);
  else if (Array.isArray(value)) value.forEach(fn);
  else fn(value);
}

/**
 * What the walks of an object (canonicalizeQuantities, normalizeForStorage) do at one message
 * type, worked out once from its descriptor: its quantity fields, the message fields to go into,
 * and whether anything below needs the walk at all (most of a pod's subtrees hold neither a
 * quantity nor a struct to make, and are not walked).
 */
interface WalkPlan {
  quantities: { prop: string; map: boolean }[];
  /** Message fields (not IntOrString); `fill`: made empty when absent, below the top (Go's non-pointer structs). */
  children: { prop: string; child: Protobuf.Type; map: boolean; fill: boolean }[];
  /** A quantity at or below this type. */
  quantitiesBelow: boolean;
  /** A struct to make at or below this type. */
  structsBelow: boolean;
}

const walkPlans = new Map<Protobuf.Type, WalkPlan>();

function walkPlan(type: Protobuf.Type): WalkPlan {
  let plan = walkPlans.get(type);
  if (plan) return plan;
  // Set before the fields are looked at: a type that contains itself (Struct, Value) is walked.
  plan = { quantities: [], children: [], quantitiesBelow: true, structsBelow: true };
  walkPlans.set(type, plan);
  if (isIntOrString(type)) {
    plan.quantitiesBelow = plan.structsBelow = false;
    return plan;
  }
  for (const field of type.fieldsArray) {
    const prop = propertyName(field);
    const key = jsonName(field);
    if (has(QUANTITY_FIELDS, type.name, key)) {
      plan.quantities.push({ prop, map: !!field.map });
      continue;
    }
    const child = messageOf(field);
    if (!child || isIntOrString(child)) continue;
    const fill = !field.repeated && !field.map && has(ALWAYS_EMITTED, type.name, key) && !has(NIL_POINTERS, type.name, key);
    plan.children.push({ prop, child, map: !!field.map, fill });
  }
  plan.quantitiesBelow = plan.quantities.length > 0 || plan.children.some((c) => walkPlan(c.child).quantitiesBelow);
  plan.structsBelow = plan.children.some((c) => c.fill || walkPlan(c.child).structsBelow);
  return plan;
}

/** The canonical form of a quantity Kubernetes can hold; anything else as it is, for validation to word. */
function canonicalIfValid(q: string): string {
  if (q === '' || !isValidQuantity(q) || Quantity.parse(q).exceedsMax()) return q;
  return canonicalQuantity(q);
}

/**
 * An object as decoding it into Kubernetes' Go types leaves it, for the registry to store: quantities
 * in canonical form, and every non-pointer struct below the top level present (Go has no absent
 * `resources` or `lastState`, only empty ones), so that an object written through gRPC, through
 * the HTTP front door or from a manifest is stored alike and reads back unchanged.
 */
export function normalizeForStorage<T extends KubeObject>(kind: KindInfo<T>, obj: T): void {
  canonicalizeQuantities(kind, obj);
  fillStructs(messageTypeOf(kind), obj, true);
}

function fillStructs(type: Protobuf.Type, obj: unknown, top: boolean): void {
  if (!isObject(obj)) return;
  for (const { prop, child, map, fill } of walkPlan(type).children) {
    if (fill && !top && obj[prop] == null) obj[prop] = emptyMessage(child);
    if (walkPlan(child).structsBelow) forEachMessage(obj[prop], map, (v) => fillStructs(child, v, false));
  }
}

/** A message with every field at ts-proto's default (lists and maps empty, messages and optionals unset). */
function emptyMessage(type: Protobuf.Type): JsonObject {
  const out: JsonObject = {};
  for (const field of type.fieldsArray) {
    const prop = propertyName(field);
    if (field.map) out[prop] = {};
    else if (field.repeated) out[prop] = [];
    else if (messageOf(field) || field.partOf) out[prop] = undefined;
    else if (field.resolvedType) out[prop] = 0;
    else if (field.type === 'string') out[prop] = '';
    else if (field.type === 'bool') out[prop] = false;
    else if (field.type === 'bytes') out[prop] = new Uint8Array(0);
    else out[prop] = 0;
  }
  return out;
}
