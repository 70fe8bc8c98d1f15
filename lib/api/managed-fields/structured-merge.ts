// Structured merge of an applied configuration into the live object (structured-merge-diff's
// merge.Updater.Apply): structs and maps merge field by field, associative lists item by item by
// their keys, sets as the union of their values; atomic lists, atomic structs and scalars are
// replaced. And the removal of fields a manager stopped applying (its prune step).
import { FieldSet } from './field-set';
import { fieldShape, isGranular, itemElement, type Shape } from './shape';

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `applied` merged into `live` (neither is changed). */
export function mergeApplied(live: unknown, applied: unknown, shape: Shape): unknown {
  if (!isGranular(shape) || applied === null || live === undefined || live === null) return structuredClone(applied);
  if (shape.t === 'list') {
    if (!Array.isArray(live) || !Array.isArray(applied)) return structuredClone(applied);
    const out = [...live];
    const index = new Map(out.map((item, i) => [itemElement(shape, item, i), i]));
    applied.forEach((item, i) => {
      const e = itemElement(shape, item, i);
      const at = index.get(e);
      if (at === undefined) {
        index.set(e, out.length);
        out.push(structuredClone(item));
      } else if (shape.list === 'map') out[at] = mergeApplied(out[at], item, shape.items);
    });
    return out;
  }
  if (!isObject(live) || !isObject(applied)) return structuredClone(applied);
  const out: JsonObject = { ...live };
  for (const [k, v] of Object.entries(applied)) out[k] = mergeApplied(live[k], v, fieldShape(shape, k));
  return out;
}

/** `value` without the members of `remove` (a member map, struct or item goes whole). */
export function removeFields(value: unknown, remove: FieldSet, shape: Shape): unknown {
  if (remove.children.size === 0 || value === null || value === undefined) return value;
  if (shape.t === 'list') {
    if (!Array.isArray(value)) return value;
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const r = remove.children.get(itemElement(shape, item, i));
      if (r?.member) return;
      out.push(r ? removeFields(item, r, shape.items) : item);
    });
    return out;
  }
  if (!isObject(value)) return value;
  const out: JsonObject = { ...value };
  for (const [e, r] of remove.children) {
    if (!e.startsWith('f:')) continue;
    const k = e.slice(2);
    if (!(k in out)) continue;
    if (r.member) delete out[k];
    else out[k] = removeFields(out[k], r, fieldShape(shape, k));
  }
  return out;
}
