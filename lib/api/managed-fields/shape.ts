// The schema server-side apply walks an object with (structured-merge-diff's schema.TypeRef as
// Kubernetes builds it from its OpenAPI): structs (separable, or atomic when Kubernetes marks them
// `+structType=atomic`), granular maps, and lists that are associative (by `+listMapKeys`, else by
// the strategic merge key), sets (a merge strategy without key), or atomic. Derived from Kite's
// proto descriptors and field-semantics.ts; anything else is a scalar, owned and replaced whole.
import type * as Protobuf from 'protobufjs';
import { ATOMIC_STRUCTS, LIST_TYPES, patchStrategyOf } from '../field-semantics';
import { fieldsOf, isIntOrString, messageOf } from '../proto-schema';

export type Shape =
  | { t: 'scalar' }
  | { t: 'struct'; type: Protobuf.Type; atomic: boolean }
  | { t: 'map'; values: Shape }
  | { t: 'list'; list: 'atomic' | 'set' | 'map'; keys: string[]; items: Shape };

export const SCALAR: Shape = { t: 'scalar' };

/** List map keys Kubernetes defaults when an item leaves them out (`protocol: TCP` of ports). */
export const KEY_DEFAULTS: Readonly<Record<string, unknown>> = { protocol: 'TCP' };

const structs = new WeakMap<Protobuf.Type, Shape>();
const fieldShapes = new WeakMap<Protobuf.Type, Map<string, Shape>>();

export function structShape(type: Protobuf.Type): Shape {
  let s = structs.get(type);
  if (!s) {
    s = isIntOrString(type) ? SCALAR : { t: 'struct', type, atomic: ATOMIC_STRUCTS.includes(type.name) };
    structs.set(type, s);
  }
  return s;
}

/** The shape of one field of a struct (SCALAR for a field the schema lacks). */
export function fieldShape(shape: Shape, key: string): Shape {
  if (shape.t === 'map') return shape.values;
  if (shape.t !== 'struct') return SCALAR;
  let m = fieldShapes.get(shape.type);
  if (!m) {
    m = new Map();
    fieldShapes.set(shape.type, m);
  }
  let s = m.get(key);
  if (!s) {
    s = shapeOfField(shape.type, key);
    m.set(key, s);
  }
  return s;
}

function shapeOfField(type: Protobuf.Type, key: string): Shape {
  const field = fieldsOf(type).get(key);
  if (!field) return SCALAR;
  const child = messageOf(field);
  const one = child ? structShape(child) : SCALAR;
  if (field.map) return { t: 'map', values: one };
  if (!field.repeated) return one;
  const declared = LIST_TYPES[type.name]?.[key];
  if (declared) return { t: 'list', list: declared.listType, keys: declared.listMapKeys ?? [], items: one };
  const strategy = patchStrategyOf(type.name, key);
  if (strategy?.strategy.includes('merge')) {
    return strategy.mergeKey ? { t: 'list', list: 'map', keys: [strategy.mergeKey], items: one } : { t: 'list', list: 'set', keys: [], items: one };
  }
  return { t: 'list', list: 'atomic', keys: [], items: one };
}

/** Whether a value of this shape is walked into (its parts owned apart) rather than owned whole. */
export function isGranular(shape: Shape): boolean {
  return shape.t === 'map' || (shape.t === 'struct' && !shape.atomic) || (shape.t === 'list' && shape.list !== 'atomic');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The path element of a list item: `k:{"name":"web"}` by its keys, `v:"value"` in a set, else `i:<index>`. */
export function itemElement(shape: Shape & { t: 'list' }, item: unknown, index: number): string {
  if (shape.list === 'set') return `v:${JSON.stringify(item)}`;
  if (shape.list === 'map' && isObject(item)) {
    const keys: Record<string, unknown> = {};
    for (const k of [...shape.keys].sort()) {
      const v = item[k] ?? KEY_DEFAULTS[k];
      if (v !== undefined) keys[k] = v;
    }
    return `k:${JSON.stringify(keys)}`;
  }
  return `i:${index}`;
}
