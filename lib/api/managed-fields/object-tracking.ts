// Managed fields for one kind's objects: what the registry calls on every write. An update's
// entries from the object before and after it (only the top-level parts that differ are encoded
// and compared: a kubelet's status update, the hottest write, never encodes the spec), and an
// apply patch turned into the object to write and its entries.
import { parse as parseYaml } from 'yaml';
import { BadRequestError } from '../errors';
import type { KindInfo, KubeObject } from '../kind-info';
import { decodeKube, encodeKube } from '../kube-json';
import { jsonName, messageTypeOf } from '../proto-schema';
import type { ManagedFieldsEntry, ObjectMeta } from '../../gen/kite/meta/v1/meta';
import { rfc3339 } from '../../util/time';
import { apply, baseEntries, decodeEntries, encodeEntries, recordUpdate } from './managers';
import { FieldSet } from './field-set';
import { appliedFields, changedFields, type Changes } from './object-fields';
import { structShape, type Shape } from './shape';
import { sameValue } from './same-value';

type JsonObject = Record<string, unknown>;

const shapes = new WeakMap<KindInfo, Shape>();
const empties = new WeakMap<KindInfo, JsonObject>();
const parts = new WeakMap<KindInfo, string[]>();

function shapeOf(kind: KindInfo): Shape {
  let s = shapes.get(kind);
  if (!s) {
    s = structShape(messageTypeOf(kind));
    shapes.set(kind, s);
  }
  return s;
}

/** An object's Kubernetes JSON without its managedFields (which no set holds). */
function jsonOf<T extends KubeObject>(kind: KindInfo<T>, obj: T): JsonObject {
  return encodeKube(kind, { ...obj, metadata: obj.metadata && { ...obj.metadata, managedFields: [] } });
}

/** The object's top-level fields other than kind and apiVersion (metadata, spec, status, data ...). */
function partsOf(kind: KindInfo): string[] {
  let p = parts.get(kind);
  if (!p) {
    p = messageTypeOf(kind).fieldsArray.map(jsonName).filter((k) => k !== 'kind' && k !== 'apiVersion');
    parts.set(kind, p);
  }
  return p;
}

/** What a comparison of metadata looks at: not the fields the server sets or no set holds. */
const comparable = (m: ObjectMeta | undefined) => m && { ...m, managedFields: [], resourceVersion: '', generation: 0 };

/**
 * What changed from `before` to `after`, one top-level field at a time: a part equal in both is
 * never encoded (a status update's metadata and spec, an update's status).
 */
function changesOf<T extends KubeObject>(kind: KindInfo<T>, before: T, after: T, shape: Shape): Changes {
  const out: Changes = { changed: new FieldSet(), removed: new FieldSet() };
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  for (const key of partsOf(kind)) {
    if (b[key] === a[key]) continue;
    const was = key === 'metadata' ? comparable(before.metadata) : b[key];
    const is = key === 'metadata' ? comparable(after.metadata) : a[key];
    if (sameValue(was, is)) continue;
    const json = (v: unknown) => ({ [key]: encodeKube(kind, { [key]: v } as unknown as T)[key] });
    const c = changedFields(json(was), json(is), shape);
    for (const [into, from] of [[out.changed, c.changed], [out.removed, c.removed]] as const) {
      const part = from.children.get(`f:${key}`);
      if (part) into.setChild(`f:${key}`, part);
    }
  }
  return out;
}

/** The JSON of a new, empty object of the kind (what a create is compared with, as Go's zero value encodes). */
function emptyOf(kind: KindInfo): JsonObject {
  let e = empties.get(kind);
  if (!e) {
    e = encodeKube(kind, kind.type.fromPartial({}) as KubeObject);
    empties.set(kind, e);
  }
  return e;
}

/**
 * The top-level part a write through `subresource` resets, which its manager therefore does not own
 * (Kubernetes' ResetFieldsStrategy, the field manager's ignore filter): a kind with a status
 * subresource takes status only through it and spec only through the main resource. So a pod's
 * creator owns no `f:status`, though the create set its phase and QoS class.
 */
function resetPart(kind: KindInfo, subresource: string): string | undefined {
  if (!kind.hasStatus) return undefined;
  return subresource === '' ? 'status' : subresource === 'status' ? 'spec' : undefined;
}

/** `set` without the child at `element`. */
function without(set: FieldSet, element: string): FieldSet {
  if (!set.children.has(element)) return set;
  const out = new FieldSet();
  out.member = set.member;
  for (const [e, c] of set.children) if (e !== element) out.setChild(e, c);
  return out;
}

/**
 * metadata.managedFields after `manager` wrote `after` over `before` (undefined: a create) through
 * `subresource` ("" the main resource, "status", "scale").
 */
export function managedFieldsAfterUpdate<T extends KubeObject>(kind: KindInfo<T>, before: T | undefined, after: T, manager: string, subresource: string): ManagedFieldsEntry[] {
  const base = baseEntries(before?.metadata?.managedFields ?? [], after.metadata?.managedFields ?? [], subresource);
  const shape = shapeOf(kind);
  let changes = before ? changesOf(kind, before, after, shape) : changedFields(emptyOf(kind), jsonOf(kind, after), shape);
  const reset = resetPart(kind, subresource);
  if (reset) changes = { changed: without(changes.changed, `f:${reset}`), removed: without(changes.removed, `f:${reset}`) };
  return encodeEntries(recordUpdate(base, changes, { manager, apiVersion: kind.apiVersion, subresource, now: rfc3339() }));
}

/** What an apply patch makes: the object to write (decoded as the registry stores it) and its entries. */
export interface AppliedObject<T> {
  object: T;
  managedFields: ManagedFieldsEntry[];
}

/** kubectl's client-side apply annotation, and the manager whose server-side applies keep it in step. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const KUBECTL = 'kubectl';

/**
 * The fields a client-side apply set that still hold the values it set (lastAppliedManager's
 * allowedConflictsFromLastApplied): kubectl's first server-side apply takes them over without a
 * conflict. Undefined without a readable annotation.
 */
function lastAppliedFields(live: JsonObject, shape: Shape): FieldSet | undefined {
  const text = (live.metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.[LAST_APPLIED];
  if (!text) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return undefined;
  }
  const changed = changedFields(last, live, shape);
  return appliedFields(last, shape).difference(changed.changed).difference(changed.removed);
}

/** JSON with every object's keys sorted, as Go marshals a map. */
function sortedJSON(v: unknown): string {
  const sort = (x: unknown): unknown =>
    Array.isArray(x) ? x.map(sort) : x && typeof x === 'object' ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, sort((x as JsonObject)[k])])) : x;
  return JSON.stringify(sort(v));
}

/**
 * `applied` (the apply patch's configuration, Kubernetes' JSON) applied by `manager` to `live`
 * (undefined when it does not exist yet). Unknown fields in the configuration are refused. As
 * Kubernetes does for kubectl (and only kubectl) on an object a client-side apply made, fields
 * that apply set and nobody changed since are taken over without conflict, and the last-applied
 * annotation is rewritten to the configuration (lastAppliedManager, lastAppliedUpdater).
 */
export function applyConfiguration<T extends KubeObject>(kind: KindInfo<T>, live: T | undefined, applied: unknown, manager: string, force: boolean): AppliedObject<T> {
  // Checked as the object it describes: wrong types and unknown fields are refused.
  decodeKube(kind, applied, 'Strict');
  const entries = live ? (decodeEntries(live.metadata?.managedFields ?? []) ?? []) : [];
  const shape = shapeOf(kind);
  const liveJSON = live && jsonOf(kind, live);
  const allowed = liveJSON && manager === KUBECTL ? lastAppliedFields(liveJSON, shape) : undefined;
  // What the main resource resets is removed from the configuration, as Kubernetes removes it from an apply patch.
  const reset = resetPart(kind, '');
  let configuration = applied;
  if (reset && applied && typeof applied === 'object' && reset in applied) {
    configuration = { ...(applied as JsonObject) };
    delete (configuration as JsonObject)[reset];
  }
  const result = apply(liveJSON, configuration, entries, shape, { manager, apiVersion: kind.apiVersion, subresource: '', now: rfc3339() }, force, allowed);
  const object = decodeKube(kind, result.object, 'Ignore').object;
  const annotations = object.metadata!.annotations;
  if (manager === KUBECTL && annotations?.[LAST_APPLIED]) {
    const config = structuredClone(applied) as { metadata?: { annotations?: Record<string, string> } };
    if (config.metadata?.annotations) {
      delete config.metadata.annotations[LAST_APPLIED];
      if (Object.keys(config.metadata.annotations).length === 0) delete config.metadata.annotations;
    }
    annotations[LAST_APPLIED] = sortedJSON(config);
  }
  object.metadata!.managedFields = encodeEntries(result.entries);
  return { object, managedFields: object.metadata!.managedFields };
}

/** The configuration of an apply patch: a YAML or JSON object of this kind and version. */
export function parseConfiguration(kind: KindInfo, text: string): JsonObject {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new BadRequestError(`error decoding YAML: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new BadRequestError('the apply patch must be an object of the kind it is applied to');
  const o = doc as JsonObject;
  if (o.apiVersion !== kind.apiVersion) {
    throw new BadRequestError(`the API version in the data (${String(o.apiVersion ?? '')}) does not match the expected API version (${kind.apiVersion})`);
  }
  if (o.kind !== kind.kind) throw new BadRequestError(`the kind in the data (${String(o.kind ?? '')}) does not match the expected kind (${kind.kind})`);
  const meta = o.metadata as { managedFields?: unknown } | undefined;
  if (meta?.managedFields != null) throw new BadRequestError('metadata.managedFields must be nil');
  return o;
}
