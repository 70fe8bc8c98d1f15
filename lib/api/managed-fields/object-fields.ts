// The field sets server-side apply reads off objects, as structured-merge-diff's typed values give
// them: the fields an applied configuration sets (ToFieldSet: its leaves and its list items), and
// what one write changed (Compare: fields added, with "." on every map, struct or item added, and
// fields modified; fields removed apart). Values are Kubernetes' JSON (kube-json.ts' encodeKube).
import { FieldSet } from './field-set';
import { fieldShape, isGranular, itemElement, type Shape } from './shape';
import { sameValue } from './same-value';

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields an applied configuration sets (an empty map or struct is owned as a leaf). */
export function appliedFields(value: unknown, shape: Shape, into = new FieldSet()): FieldSet {
  if (!isGranular(shape) || value === null) {
    into.member = true;
    return into;
  }
  if (shape.t === 'list') {
    if (!Array.isArray(value)) {
      into.member = true;
      return into;
    }
    value.forEach((item, i) => {
      const node = into.child(itemElement(shape, item, i));
      node.member = true;
      if (shape.list === 'map' && isObject(item)) appliedChildren(item, shape.items, node);
    });
    return into;
  }
  if (!isObject(value) || Object.keys(value).length === 0) {
    into.member = true;
    return into;
  }
  appliedChildren(value, shape, into);
  return into;
}

function appliedChildren(value: JsonObject, shape: Shape, into: FieldSet): void {
  for (const [k, v] of Object.entries(value)) appliedFields(v, fieldShape(shape, k), into.child(`f:${k}`));
}

/** What a write changed: `changed` (added or modified) and `removed`. */
export interface Changes {
  changed: FieldSet;
  removed: FieldSet;
}

/** The fields that differ between two values of one shape; null counts as an empty map or list. */
export function changedFields(before: unknown, after: unknown, shape: Shape): Changes {
  const out = { changed: new FieldSet(), removed: new FieldSet() };
  compare(before, after, shape, out.changed, out.removed);
  return out;
}

function compare(before: unknown, after: unknown, shape: Shape, changed: FieldSet, removed: FieldSet): void {
  if (before === after) return;
  if (before === undefined) return added(after, shape, changed);
  if (after === undefined) {
    removed.member = true;
    return;
  }
  if (!isGranular(shape)) {
    const values = typeof before === 'object' && before !== null && typeof after === 'object' && after !== null;
    if (values ? !sameValue(before, after) : before !== after) changed.member = true;
    return;
  }
  if (shape.t === 'list') {
    const b = before === null ? [] : before;
    const a = after === null ? [] : after;
    if (!Array.isArray(b) || !Array.isArray(a)) {
      if (!sameValue(before, after)) changed.member = true;
      return;
    }
    const old = new Map(b.map((item, i) => [itemElement(shape, item, i), item]));
    const seen = new Set<string>();
    a.forEach((item, i) => {
      const e = itemElement(shape, item, i);
      seen.add(e);
      if (shape.list === 'map') compareChild(old.get(e), item, shape.items, e, changed, removed);
      else if (!old.has(e)) changed.child(e).member = true;
    });
    for (const e of old.keys()) if (!seen.has(e)) removed.child(e).member = true;
    return;
  }
  const b = before === null ? {} : before;
  const a = after === null ? {} : after;
  if (!isObject(b) || !isObject(a)) {
    if (!sameValue(before, after)) changed.member = true;
    return;
  }
  for (const [k, v] of Object.entries(a)) compareChild(b[k], v, fieldShape(shape, k), `f:${k}`, changed, removed);
  for (const k of Object.keys(b)) if (!(k in a)) removed.child(`f:${k}`).member = true;
}

function compareChild(before: unknown, after: unknown, shape: Shape, element: string, changed: FieldSet, removed: FieldSet): void {
  if (before === after) return;
  const c = changed.children.get(element) ?? new FieldSet();
  const r = removed.children.get(element) ?? new FieldSet();
  compare(before, after, shape, c, r);
  if (!c.isEmpty()) changed.setChild(element, c);
  if (!r.isEmpty()) removed.setChild(element, r);
}

/** A value that was not there: it and everything in it. */
function added(value: unknown, shape: Shape, into: FieldSet): void {
  into.member = true;
  if (!isGranular(shape) || value === null) return;
  if (shape.t === 'list') {
    if (!Array.isArray(value)) return;
    value.forEach((item, i) => added(item, shape.list === 'map' ? shape.items : { t: 'scalar' }, into.child(itemElement(shape, item, i))));
    return;
  }
  if (!isObject(value)) return;
  for (const [k, v] of Object.entries(value)) added(v, fieldShape(shape, k), into.child(`f:${k}`));
}
