// Hostile text for the fuzz suite: strings with non-ASCII characters, control characters and
// invalid UTF-8 (stray continuation bytes, overlong forms, encoded surrogates, truncated
// sequences), and a raw protobuf encoder that puts such bytes into any string field of a request,
// found from the proto descriptors (map keys and values included), so no field is left out.
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import fc from 'fast-check';
import { MapField, Type, type Field } from 'protobufjs';

/** One step of a path to a string field: a field, and for a map which side of the entry. */
export interface Step {
  field: Field;
  part?: 'key' | 'value';
}
export type StringPath = Step[];

/** How deep paths go below the request (Kite's deepest string field is about ten levels down). */
const MAX_DEPTH = 14;

/** Every string field reachable from `type`, each as a path; a type already on the path is not entered again (google.protobuf.Value). */
export function stringPaths(type: Type, stack: Type[] = []): StringPath[] {
  const out: StringPath[] = [];
  const inside = [...stack, type];
  const below = (t: Type, step: Step) => (inside.includes(t) || inside.length >= MAX_DEPTH ? [] : stringPaths(t, inside).map((rest) => [step, ...rest]));
  for (const field of type.fieldsArray) {
    if (field instanceof MapField) {
      if (field.keyType === 'string') out.push([{ field, part: 'key' }]);
      if (field.resolvedType instanceof Type) out.push(...below(field.resolvedType, { field, part: 'value' }));
      else if (field.type === 'string') out.push([{ field, part: 'value' }]);
    } else if (field.type === 'string') {
      out.push([{ field }]);
    } else if (field.resolvedType instanceof Type) {
      out.push(...below(field.resolvedType, { field }));
    }
  }
  return out;
}

/** The dotted name of a path, for messages ("pod.spec.containers.image", "pod.metadata.labels{key}"). */
export function pathName(path: StringPath): string {
  return path.map((s) => (s.part ? `${s.field.name}{${s.part}}` : s.field.name)).join('.');
}

const lengthDelimited = (id: number, bytes: Uint8Array) => new BinaryWriter().uint32((id << 3) | 2).bytes(bytes).finish();

/**
 * Encodes a message holding exactly these string values (any bytes) at these paths; paths that
 * share a prefix share the enclosing message. Each map path gets its own entry.
 */
export function encodePaths(values: { path: StringPath; bytes: Uint8Array }[]): Buffer {
  const parts: Uint8Array[] = [];
  const groups = new Map<Field, { path: StringPath; bytes: Uint8Array }[]>();
  for (const v of values) {
    const f = v.path[0].field;
    if (!groups.has(f)) groups.set(f, []);
    groups.get(f)!.push(v);
  }
  for (const [field, entries] of groups) {
    if (field instanceof MapField) {
      entries.forEach((e, i) => {
        const [step, ...rest] = e.path;
        const key = step.part === 'key' ? e.bytes : Buffer.from(`k${i}`);
        let value: Uint8Array;
        if (step.part === 'key') value = field.resolvedType instanceof Type ? new Uint8Array() : Buffer.from('v');
        else value = rest.length > 0 ? encodePaths([{ path: rest, bytes: e.bytes }]) : e.bytes;
        parts.push(lengthDelimited(field.id, Buffer.concat([lengthDelimited(1, key), lengthDelimited(2, value)])));
      });
    } else if (field.type === 'string') {
      for (const e of entries) parts.push(lengthDelimited(field.id, e.bytes));
    } else {
      parts.push(lengthDelimited(field.id, encodePaths(entries.map((e) => ({ path: e.path.slice(1), bytes: e.bytes })))));
    }
  }
  return Buffer.concat(parts);
}

/** The path of the request field `name` (at the top), or of `object.<names...>` below it. */
export function pathOf(type: Type, ...names: string[]): StringPath {
  const out: StringPath = [];
  let t: Type = type;
  for (const name of names) {
    const field = t.fields[name] ?? t.fieldsById[Number(name)];
    if (!field) throw new Error(`${t.fullName} has no field ${name}`);
    out.push({ field });
    if (field.resolvedType instanceof Type) t = field.resolvedType;
  }
  return out;
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** Bytes that are not valid UTF-8: stray continuation or lead bytes, overlong, surrogate, beyond U+10FFFF, truncated. */
const invalidUtf8 = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 4 }).map((b) => Buffer.from(b.map((x) => x | 0x80))),
  fc.constantFrom(
    Buffer.from([0xc0, 0xaf]),
    Buffer.from([0xed, 0xa0, 0x80]),
    Buffer.from([0xed, 0xbf, 0xbf]),
    Buffer.from([0xf4, 0x90, 0x80, 0x80]),
    Buffer.from([0xe2, 0x82]),
    Buffer.from([0xff, 0xfe]),
  ),
);
const nonAscii = fc.oneof(
  // Any code point above ASCII (fc.string's 'binary' unit would build a table of them all, ~85 MiB).
  fc.array(fc.integer({ min: 0x80, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff), { minLength: 1, maxLength: 4 }).map((cs) => utf8(String.fromCodePoint(...cs))),
  fc.constantFrom('é', 'café', 'ñ', '日本', '🚀', '\u202e', '\ufeff', '\u00a0', '\u2028', 'İ').map(utf8),
);
const control = fc.oneof(
  fc.integer({ min: 0, max: 0x1f }).map((c) => Buffer.from([c])),
  fc.constantFrom(Buffer.from([0x7f]), utf8('\r\n'), utf8('\x1b[31m'), utf8('\u0085')),
);
const plain = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,7}$/).map(utf8);

const isHostile = (b: Buffer) => b.some((x) => x < 0x20 || x >= 0x7f);

/** A string of a few pieces, at least one of them non-ASCII, a control character or invalid UTF-8. */
export const hostileBytes: fc.Arbitrary<Buffer> = fc
  .array(fc.oneof({ arbitrary: invalidUtf8, weight: 2 }, { arbitrary: nonAscii, weight: 2 }, { arbitrary: control, weight: 2 }, { arbitrary: plain, weight: 1 }), { minLength: 1, maxLength: 5 })
  .map((parts) => Buffer.concat(parts))
  .filter(isHostile);

/** Every kind of hostile text in one string: non-ASCII, control characters, invalid UTF-8. */
export const HOSTILE_TEXT: Buffer = Buffer.concat([utf8('café🚀\u202e'), utf8('\x7f\x00\r\n'), Buffer.from([0xff, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0x62])]);
