// An object and the bytes it is stored as, kept together so that neither is made twice (the role
// of Kubernetes' cachingObject, which keeps an object's serialization beside it). Every value in
// the store is the object's encoding without metadata.resourceVersion (that is the value's
// revision); the registry remembers those bytes for each object it writes or reads, and a reply
// or watch event carrying the object is the bytes with the resourceVersion put into their
// metadata, instead of a new encoding of the whole object. Objects are remembered by identity:
// the registry remembers only objects that are not changed after (but for resourceVersion, which
// is read when the bytes are made).
import type { KindInfo, KubeObject } from '../../../lib/api/kinds';
import { messageTypeOf } from '../../../lib/api/proto-schema';

const stored = new WeakMap<object, Uint8Array>();

/** Field numbers of metadata in the kind's message and of resourceVersion in ObjectMeta. */
interface MetaFields {
  metadata: number;
  resourceVersion: number;
}

const fieldsByKind = new WeakMap<KindInfo, MetaFields>();

function metaFields(kind: KindInfo): MetaFields {
  let f = fieldsByKind.get(kind);
  if (!f) {
    const meta = messageTypeOf(kind).fields.metadata;
    const rv = meta.resolve().resolvedType as unknown as { fields: Record<string, { id: number }> };
    f = { metadata: meta.id, resourceVersion: rv.fields.resource_version.id };
    fieldsByKind.set(kind, f);
  }
  return f;
}

/** Remembers `bytes` as the stored encoding of `obj` (both must stay unchanged). */
export function rememberStored(obj: object, bytes: Uint8Array): void {
  stored.set(obj, bytes);
}

const varintLength = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);

function writeVarint(out: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    out[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[pos++] = n;
  return pos;
}

/** A varint at pos (tags and lengths: below 2^32) and the position after it; undefined past the end. */
function readVarint(bytes: Uint8Array, pos: number): [number, number] | undefined {
  let n = 0;
  for (let shift = 0; pos < bytes.length && shift < 35; shift += 7) {
    const b = bytes[pos++];
    n += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [n, pos];
  }
  return undefined;
}

/**
 * `bytes` (an encoded object whose metadata has no resourceVersion) with resourceVersion `rv`
 * appended to the metadata message: what encoding the object with that resourceVersion gives, but
 * for the field's place (decoders take fields in any order). Undefined if no metadata field is found.
 */
export function withResourceVersion(kind: KindInfo, bytes: Uint8Array, rv: string): Buffer | undefined {
  const f = metaFields(kind);
  let pos = 0;
  while (pos < bytes.length) {
    const start = pos;
    const tag = readVarint(bytes, pos);
    if (!tag) return undefined;
    pos = tag[1];
    switch (tag[0] & 7) {
      case 0: {
        const v = readVarint(bytes, pos);
        if (!v) return undefined;
        pos = v[1];
        break;
      }
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const len = readVarint(bytes, pos);
        if (!len) return undefined;
        const body = len[1];
        const end = body + len[0];
        if (end > bytes.length) return undefined;
        if (tag[0] >>> 3 === f.metadata) return spliced(bytes, start, tag[0], body, end, f.resourceVersion, rv);
        pos = end;
        break;
      }
      default:
        return undefined;
    }
  }
  return undefined;
}

function spliced(bytes: Uint8Array, start: number, tag: number, body: number, end: number, rvField: number, rv: string): Buffer {
  const rvTag = (rvField << 3) | 2;
  const rvBytes = rv ? varintLength(rvTag) + varintLength(rv.length) + rv.length : 0;
  const metaLength = end - body + rvBytes;
  const out = Buffer.allocUnsafe(start + varintLength(tag) + varintLength(metaLength) + metaLength + bytes.length - end);
  out.set(bytes.subarray(0, start), 0);
  let pos = writeVarint(out, start, tag);
  pos = writeVarint(out, pos, metaLength);
  out.set(bytes.subarray(body, end), pos);
  pos += end - body;
  if (rv) {
    pos = writeVarint(out, pos, rvTag);
    pos = writeVarint(out, pos, rv.length);
    pos += out.write(rv, pos, 'latin1');
  }
  out.set(bytes.subarray(end), pos);
  return out;
}

/** The encoding of `obj` (of `kind`) from its remembered stored bytes, or undefined if none are remembered. */
export function storedEncoding(kind: KindInfo, obj: unknown): Buffer | undefined {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const bytes = stored.get(obj);
  const o = obj as KubeObject;
  if (!bytes || o.kind !== kind.kind) return undefined;
  return withResourceVersion(kind, bytes, o.metadata?.resourceVersion ?? '');
}

/** A `<Kind>WatchEvent` (type = 1, object = 2) of `type` carrying the encoded object `object`. */
export function watchEventBytes(type: string, object: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(2 + type.length + 1 + varintLength(object.length) + object.length);
  out[0] = (1 << 3) | 2;
  out[1] = type.length;
  let pos = 2 + out.write(type, 2, 'latin1');
  out[pos++] = (2 << 3) | 2;
  pos = writeVarint(out, pos, object.length);
  out.set(object, pos);
  return out;
}
