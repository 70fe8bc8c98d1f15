// The three-way merge of kubectl's client-side apply. Inputs are Kubernetes JSON: the live
// object, the configuration applied last time (from the last-applied annotation) and the one
// applied now. Fields set now win; fields that were applied last time but are gone now are
// removed; everything else (status, clusterIP, nodePort, defaults, other writers' fields) is
// kept. Lists whose items Kubernetes merges by key (containers by name, ports by number ...) are
// merged item by item, like a strategic merge patch; other lists are replaced. Which lists merge,
// and by what key, is the kind's patch schema: the strategies of lib/api/field-semantics.ts that
// the server's strategic merge patch also follows.
import type { PatchSchema } from '../../lib/api/strategic-merge-patch';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Returns the merged object; inputs are not modified. */
export function threeWayMerge(
  live: Record<string, unknown>,
  lastApplied: Record<string, unknown> | undefined,
  desired: Record<string, unknown>,
  schema?: PatchSchema,
): Record<string, unknown> {
  return mergeObject(live as JsonObject, lastApplied as JsonObject | undefined, desired as JsonObject, schema);
}

function mergeObject(live: JsonObject | undefined, last: JsonObject | undefined, desired: JsonObject, schema: PatchSchema | undefined): JsonObject {
  const out: JsonObject = structuredClone(live ?? {});
  if (last) {
    for (const k of Object.keys(last)) if (!(k in desired)) delete out[k];
  }
  for (const [k, want] of Object.entries(desired)) {
    if (want === null) {
      delete out[k];
      continue;
    }
    out[k] = mergeValue(k, out[k], last?.[k], want, schema);
  }
  return out;
}

function mergeValue(field: string, live: Json | undefined, last: Json | undefined, want: Json, schema: PatchSchema | undefined): Json {
  const child = schema?.child(field);
  if (isObject(want)) {
    return mergeObject(isObject(live) ? live : undefined, isObject(last) ? last : undefined, want, child);
  }
  if (Array.isArray(want) && Array.isArray(live)) {
    const key = schema?.strategy(field)?.mergeKey;
    const keyed = (items: Json[]) => items.every((i) => isObject(i) && i[key!] !== undefined && i[key!] !== null);
    if (key && keyed(want) && keyed(live)) return mergeList(key, live as JsonObject[], Array.isArray(last) ? last : [], want as JsonObject[], child);
  }
  return structuredClone(want);
}

function mergeList(key: string, live: JsonObject[], last: Json[], desired: JsonObject[], schema: PatchSchema | undefined): Json[] {
  const keyOf = (i: Json) => (isObject(i) ? JSON.stringify(i[key]) : undefined);
  const liveBy = new Map(live.map((i) => [keyOf(i), i]));
  const lastBy = new Map(last.map((i) => [keyOf(i), i]));
  const wanted = new Set(desired.map(keyOf));
  const out: Json[] = desired.map((item) => {
    const k = keyOf(item);
    const l = lastBy.get(k);
    return mergeObject(liveBy.get(k), isObject(l) ? l : undefined, item, schema);
  });
  // Items someone else added stay; items this configuration added before and dropped now go.
  for (const item of live) {
    const k = keyOf(item);
    if (!wanted.has(k) && !lastBy.has(k)) out.push(structuredClone(item));
  }
  return out;
}

/** JSON with object keys sorted, as kubectl stores the last-applied annotation. */
export { canonicalJson as canonicalJSON, jsonEqual } from '../../lib/util/json';
