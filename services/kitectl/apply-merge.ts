// The three-way merge of kubectl's client-side apply. Inputs are Kubernetes JSON: the live
// object, the configuration applied last time (from the last-applied annotation) and the one
// applied now. Fields set now win; fields that were applied last time but are gone now are
// removed; everything else (status, clusterIP, nodePort, defaults, other writers' fields) is
// kept. Lists whose items Kubernetes merges by key (containers by name, ports by number ...) are
// merged item by item, like a strategic merge patch; other lists are replaced.

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Kubernetes' patchMergeKey for a list field, or undefined if the list is replaced whole. */
export function mergeKeyFor(field: string, items: Json[]): string | undefined {
  const all = (key: string) => items.length > 0 && items.every((i) => isObject(i) && i[key] !== undefined && i[key] !== null);
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
      return all('name') ? 'name' : undefined;
    case 'volumeMounts':
      return all('mountPath') ? 'mountPath' : undefined;
    case 'ports':
      if (all('containerPort')) return 'containerPort';
      return all('port') ? 'port' : undefined;
    case 'conditions':
    case 'addresses':
      return all('type') ? 'type' : undefined;
    case 'ownerReferences':
      return all('uid') ? 'uid' : undefined;
    default:
      return undefined;
  }
}

/** Returns the merged object; inputs are not modified. */
export function threeWayMerge(
  live: Record<string, unknown>,
  lastApplied: Record<string, unknown> | undefined,
  desired: Record<string, unknown>,
): Record<string, unknown> {
  return mergeObject(live as JsonObject, lastApplied as JsonObject | undefined, desired as JsonObject);
}

function mergeObject(live: JsonObject | undefined, last: JsonObject | undefined, desired: JsonObject): JsonObject {
  const out: JsonObject = structuredClone(live ?? {});
  if (last) {
    for (const k of Object.keys(last)) if (!(k in desired)) delete out[k];
  }
  for (const [k, want] of Object.entries(desired)) {
    if (want === null) {
      delete out[k];
      continue;
    }
    out[k] = mergeValue(k, out[k], last?.[k], want);
  }
  return out;
}

function mergeValue(field: string, live: Json | undefined, last: Json | undefined, want: Json): Json {
  if (isObject(want)) {
    return mergeObject(isObject(live) ? live : undefined, isObject(last) ? last : undefined, want);
  }
  if (Array.isArray(want) && Array.isArray(live)) {
    const key = mergeKeyFor(field, want);
    if (key && live.every((i) => isObject(i))) return mergeList(key, live as JsonObject[], Array.isArray(last) ? last : [], want as JsonObject[]);
  }
  return structuredClone(want);
}

function mergeList(key: string, live: JsonObject[], last: Json[], desired: JsonObject[]): Json[] {
  const keyOf = (i: Json) => (isObject(i) ? JSON.stringify(i[key]) : undefined);
  const liveBy = new Map(live.map((i) => [keyOf(i), i]));
  const lastBy = new Map(last.map((i) => [keyOf(i), i]));
  const wanted = new Set(desired.map(keyOf));
  const out: Json[] = desired.map((item) => {
    const k = keyOf(item);
    const l = lastBy.get(k);
    return mergeObject(liveBy.get(k), isObject(l) ? l : undefined, item);
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
