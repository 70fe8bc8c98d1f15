// Strategic merge patch (application/strategic-merge-patch+json), as Kubernetes'
// apimachinery/pkg/util/strategicpatch applies one on the server: maps merge key by key (null
// deletes), lists follow the field's patchStrategy and patchMergeKey from Kubernetes' types
// (field-semantics.ts): merged by key (containers by name, ports by containerPort), merged as sets
// of primitives (finalizers), or replaced whole (tolerations, and every list without a strategy).
// Directives: `$patch: replace|delete|merge`, `$retainKeys`, `$deleteFromPrimitiveList/<field>`,
// `$setElementOrder/<field>`. The schema is the proto message of the object being patched.
import { isDeepStrictEqual } from 'node:util';
import type * as Protobuf from 'protobufjs';
import { BadRequestError } from './errors';
import { patchStrategyOf, type PatchStrategy } from './field-semantics';
import { fieldsOf, isIntOrString, messageOf } from './proto-schema';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonMap = { [k: string]: Json };

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

const isMap = (v: unknown): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the patch knows about one level of the object: its fields' strategies and their schemas. */
export interface PatchSchema {
  /** The schema of a field's value (of each element of a list, of each value of a proto map). */
  child(field: string): PatchSchema | undefined;
  strategy(field: string): PatchStrategy | undefined;
}

/** The schema of a proto message; unknown fields have none (merged as plain maps, lists replaced). */
export function messageSchema(type: Protobuf.Type): PatchSchema {
  return {
    child(field) {
      const f = fieldsOf(type).get(field);
      const t = f && messageOf(f);
      if (!f || !t || isIntOrString(t)) return undefined;
      return f.map ? mapSchema(messageSchema(t)) : messageSchema(t);
    },
    strategy: (field) => patchStrategyOf(type.name, field),
  };
}

/** A proto map of messages: every key's value has the same schema. */
function mapSchema(values: PatchSchema): PatchSchema {
  return { child: () => values, strategy: () => undefined };
}

function fail(message: string): never {
  throw new BadRequestError(message);
}

/** Applies a strategic merge patch to an object's JSON; `schema` undefined merges without strategies. */
export function strategicMergePatch(original: Json, patch: Json, schema?: PatchSchema): Json {
  if (!isMap(patch)) fail('a strategic merge patch must be a JSON object');
  return mergeMap(isMap(original) ? structuredClone(original) : {}, structuredClone(patch), schema);
}

function mergeMap(original: JsonMap, patch: JsonMap, schema: PatchSchema | undefined): JsonMap {
  if (DIRECTIVE in patch) {
    const directive = patch[DIRECTIVE];
    if (directive === 'replace') {
      delete patch[DIRECTIVE];
      return removeDirectives(patch) as JsonMap;
    }
    if (directive === 'delete') return {};
    if (directive !== 'merge') fail(`Unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
    delete patch[DIRECTIVE];
  }
  applyRetainKeys(original, patch);
  applySetElementOrder(original, patch, schema);
  for (const [key, patchValue] of Object.entries(patch)) {
    let k = key;
    let deleteList = false;
    if (key.startsWith(`${DELETE_FROM_PRIMITIVE_LIST}/`)) {
      k = key.slice(DELETE_FROM_PRIMITIVE_LIST.length + 1);
      deleteList = true;
    } else if (key.startsWith('$')) fail(`unknown strategic merge patch directive "${key}"`);
    if (patchValue === null) {
      delete original[k];
      continue;
    }
    const current = original[k];
    if (current === undefined || kindOf(current) !== kindOf(patchValue)) {
      // Taken as it is; a map holding a directive has nothing to apply to and goes, as in Kubernetes.
      if (deleteList) continue;
      if (isMap(patchValue) && DIRECTIVE in patchValue) delete original[k];
      else original[k] = removeDirectives(withoutNulls(patchValue));
      continue;
    }
    const strategy = schema?.strategy(k);
    if (isMap(current) && isMap(patchValue)) {
      original[k] = mergeMap(current, patchValue, schema?.child(k));
    } else if (Array.isArray(current) && Array.isArray(patchValue)) {
      original[k] = mergeListField(current, patchValue, strategy, schema?.child(k), deleteList);
    } else {
      original[k] = patchValue;
    }
  }
  return original;
}

const kindOf = (v: Json) => (Array.isArray(v) ? 'list' : isMap(v) ? 'map' : 'scalar');
const merges = (s: PatchStrategy | undefined) => s?.strategy === 'merge' || s?.strategy === 'merge,retainKeys';

function mergeListField(original: Json[], patch: Json[], strategy: PatchStrategy | undefined, schema: PatchSchema | undefined, deleteList: boolean): Json[] {
  if (deleteList) return original.filter((v) => !patch.some((d) => isDeepStrictEqual(d, v)));
  if (!merges(strategy)) return removeDirectives(patch) as Json[];
  return mergeList(original, patch, strategy?.mergeKey ?? '', schema);
}

/** `$retainKeys`: keys of the original not listed go; every key the patch sets must be listed. */
function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!(RETAIN_KEYS in patch)) return;
  const keys = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(keys)) fail('invalid patch: $retainKeys must be a list of strings');
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(`${DELETE_FROM_PRIMITIVE_LIST}/`) || k.startsWith(`${SET_ELEMENT_ORDER}/`)) continue;
    if (!keys.includes(k)) fail('invalid patch: $retainKeys must be a list of strings');
  }
  for (const k of Object.keys(original)) if (!keys.includes(k)) delete original[k];
}

/** `$setElementOrder/<field>`: the list is merged, then ordered as the directive lists it. */
function applySetElementOrder(original: JsonMap, patch: JsonMap, schema: PatchSchema | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(`${SET_ELEMENT_ORDER}/`)) continue;
    const order = patch[key];
    delete patch[key];
    const field = key.slice(SET_ELEMENT_ORDER.length + 1);
    if (!Array.isArray(order)) fail(`invalid patch: ${SET_ELEMENT_ORDER} list must be a list`);
    const strategy = schema?.strategy(field);
    const mergeKey = strategy?.mergeKey ?? '';
    const current = original[field];
    const patchList = patch[field];
    if (current !== undefined && !Array.isArray(current)) fail(`invalid patch: ${field} is not a list`);
    if (patchList !== undefined && patchList !== null && !Array.isArray(patchList)) fail(`invalid patch: ${field} is not a list`);
    if (Array.isArray(patchList)) checkOrder(patchList, order, mergeKey);
    let merged: Json[];
    if (current && Array.isArray(patchList)) merged = merges(strategy) ? mergeList(current, patchList, mergeKey, schema?.child(field)) : (removeDirectives(patchList) as Json[]);
    else if (Array.isArray(patchList)) merged = removeDirectives(patchList) as Json[];
    else if (current) merged = current;
    else continue;
    const inOrder = (v: Json) => order.some((o) => sameElement(o, v, mergeKey));
    original[field] = orderElements(merged.filter(inOrder), merged.filter((v) => !inOrder(v)), order, current ?? [], mergeKey);
    delete patch[field];
  }
}

/** The elements the patch lists must appear in the same relative order in `$setElementOrder`. */
function checkOrder(patchList: Json[], order: Json[], mergeKey: string): void {
  const listed = patchList.filter((v) => !(isMap(v) && DIRECTIVE in v));
  let i = 0;
  for (const o of order) if (i < listed.length && sameElement(listed[i], o, mergeKey)) i++;
  if (i < listed.length) fail(`The order in patch list:\n${JSON.stringify(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${JSON.stringify(order)}`);
}

function keyOf(v: Json, mergeKey: string): Json | undefined {
  if (!mergeKey) return v;
  return isMap(v) ? v[mergeKey] : undefined;
}

function sameElement(a: Json, b: Json, mergeKey: string): boolean {
  const ka = keyOf(a, mergeKey);
  return ka !== undefined && isDeepStrictEqual(ka, keyOf(b, mergeKey));
}

/** A list with a merge strategy: maps merged by their merge key, primitives as a set. */
function mergeList(original: Json[], patch: Json[], mergeKey: string, schema: PatchSchema | undefined): Json[] {
  if (original.length === 0 && patch.length === 0) return original;
  let merged: Json[];
  let patchItems = patch;
  const mapsList = [...original, ...patch].some(isMap);
  if (!mapsList) {
    merged = [];
    for (const v of [...original, ...patch]) if (!merged.some((m) => isDeepStrictEqual(m, v))) merged.push(v);
  } else {
    if (!mergeKey) fail('cannot merge lists without merge key');
    let base = original;
    const plain: Json[] = [];
    let replace = false;
    for (const item of patch) {
      if (!isMap(item)) fail(`invalid patch: a list of objects holds ${JSON.stringify(item)}`);
      if (!(DIRECTIVE in item)) {
        plain.push(item);
        continue;
      }
      const directive = item[DIRECTIVE];
      if (directive === 'delete') {
        if (!(mergeKey in item)) fail(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
        base = base.filter((o) => !(isMap(o) && isDeepStrictEqual(o[mergeKey], item[mergeKey])));
      } else if (directive === 'replace') replace = true;
      else if (directive === 'merge') fail('merging lists cannot yet be specified in the patch');
      else fail(`Unknown patch type: ${String(directive)} in map: ${JSON.stringify(item)}`);
    }
    if (replace) return removeDirectives(plain) as Json[];
    merged = [...base];
    for (const item of plain as JsonMap[]) {
      if (!(mergeKey in item)) fail(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
      const i = merged.findIndex((o) => isMap(o) && isDeepStrictEqual(o[mergeKey], item[mergeKey]));
      if (i >= 0) merged[i] = mergeMap(merged[i] as JsonMap, item, schema);
      else merged.push(removeDirectives(withoutNulls(item)));
    }
    patchItems = plain;
  }
  const inPatch = (v: Json) => patchItems.some((p) => sameElement(p, v, mergeKey));
  return orderElements(merged.filter(inPatch), merged.filter((v) => !inPatch(v)), patchItems, original, mergeKey);
}

/**
 * normalizeElementOrder: the patch's elements in the patch's order, the server-only ones in the
 * live order, then the two interleaved by their places in the live list.
 */
function orderElements(patchItems: Json[], serverOnly: Json[], patchOrder: Json[], serverOrder: Json[], mergeKey: string): Json[] {
  const indexIn = (list: Json[], v: Json) => list.findIndex((o) => sameElement(o, v, mergeKey));
  const sortBy = (items: Json[], order: Json[]) =>
    items
      .map((v, i) => ({ v, i, at: indexIn(order, v) }))
      .sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : a.i - b.i))
      .map((e) => e.v);
  const right = sortBy(patchItems, patchOrder);
  const left = sortBy(serverOnly, serverOrder);
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i]);
      const ri = indexIn(serverOrder, right[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** A patch value taken as it is: null members dropped (nothing to delete in what is not there). */
function withoutNulls(v: Json): Json {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (!isMap(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)]));
}

/** A patch value without directives: a map holding `$patch` goes, other `$` keys are dropped. */
function removeDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.filter((x) => !(isMap(x) && DIRECTIVE in x)).map(removeDirectives);
  if (!isMap(v)) return v;
  const out: JsonMap = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    if (isMap(x) && DIRECTIVE in x) continue;
    out[k] = removeDirectives(x);
  }
  return out;
}
