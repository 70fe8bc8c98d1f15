// Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`, k8s.io/apimachinery's
// runtime/serializer/protobuf) <-> Kubernetes' JSON, so the HTTP front door can read what typed
// clients (kubectl create, auth can-i, auth whoami) send and decode it with kube-json.ts like any
// JSON body. The wire form is the magic `k8s\0` then a runtime.Unknown whose typeMeta names the
// object and whose raw bytes are the object in Kubernetes' generated.proto encoding (gogo-proto,
// proto2: every non-pointer field written, pointers only when set).
//
// The schema (k8s-protobuf/*.proto, derived by scripts/gen-k8s-protobuf.ts from Kubernetes'
// generated.proto beside Kite's messages) carries Kubernetes' package-qualified message names and
// field numbers for the fields Kite's messages have; fields Kite lacks are skipped on decode
// (Kubernetes would keep them). The walk below is driven by those descriptors, the table of
// Kubernetes' well-known types and EMBEDDED, never by kind: a kind added later needs only its
// messages in the schema (the round-trip test of every kind fails until they are there).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type * as Protobuf from 'protobufjs';
import { BadRequestError } from './errors';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** The 4 bytes every Kubernetes protobuf message starts with. */
const MAGIC = Buffer.from('k8s\0', 'latin1');

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/** Kubernetes' types whose JSON is not their message's fields. */
const WELL_KNOWN = {
  time: `${META}.Time`,
  microTime: `${META}.MicroTime`,
  quantity: 'k8s.io.apimachinery.pkg.api.resource.Quantity',
  intOrString: 'k8s.io.apimachinery.pkg.util.intstr.IntOrString',
  fieldsV1: `${META}.FieldsV1`,
  rawExtension: 'k8s.io.apimachinery.pkg.runtime.RawExtension',
};

/**
 * Go structs embedded in another (`VolumeSource` in `Volume`, `ProbeHandler` in `Probe`): their own
 * field in protobuf, their fields inlined into the outer object in JSON. The one fact about
 * Kubernetes' encoding that generated.proto does not say.
 */
export const EMBEDDED: Readonly<Record<string, string>> = {
  'k8s.io.api.core.v1.Volume': 'volumeSource',
  'k8s.io.api.core.v1.PersistentVolumeSpec': 'persistentVolumeSource',
  'k8s.io.api.core.v1.Probe': 'handler',
  'k8s.io.api.core.v1.ConfigMapKeySelector': 'localObjectReference',
  'k8s.io.api.core.v1.SecretKeySelector': 'localObjectReference',
  'k8s.io.api.core.v1.ConfigMapEnvSource': 'localObjectReference',
  'k8s.io.api.core.v1.SecretEnvSource': 'localObjectReference',
  'k8s.io.api.core.v1.ConfigMapVolumeSource': 'localObjectReference',
  'k8s.io.api.core.v1.ConfigMapProjection': 'localObjectReference',
  'k8s.io.api.core.v1.SecretProjection': 'localObjectReference',
};

type JsonObject = Record<string, unknown>;

let root: Protobuf.Root | undefined;

/** The schema of k8s-protobuf/, loaded once and only when first needed. */
function schema(): Protobuf.Root {
  if (root) return root;
  const pb = require('protobufjs') as typeof Protobuf;
  const dir = join(__dirname, 'k8s-protobuf');
  const r = new pb.Root();
  r.loadSync(readdirSync(dir).filter((f) => f.endsWith('.proto')).map((f) => join(dir, f)), { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

/** The protobuf package of an API group version (`v1` core, `apps/v1`, `rbac.authorization.k8s.io/v1` rbac). */
function packageOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? 'core' : apiVersion.slice(0, slash).split('.')[0];
  return `k8s.io.api.${group}.${apiVersion.slice(slash + 1)}`;
}

/**
 * The message type of `kind` in `apiVersion`, if the schema has it. meta/v1's kinds (DeleteOptions)
 * are registered in every group version, as Kubernetes' AddToGroupVersion registers them.
 */
export function protobufTypeOf(apiVersion: string, kind: string): Protobuf.Type | undefined {
  const t = schema().lookup(`${packageOf(apiVersion)}.${kind}`) ?? schema().lookup(`${META}.${kind}`);
  return t && 'fieldsArray' in t ? (t as Protobuf.Type) : undefined;
}

const fullName = (t: Protobuf.Type) => t.fullName.slice(1);
const jsonKey = (f: Protobuf.Field) => (f.options?.json_name as string | undefined) ?? f.name;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function messageOf(f: Protobuf.Field): Protobuf.Type | undefined {
  const t = f.resolvedType;
  return t && 'fieldsArray' in t ? (t as Protobuf.Type) : undefined;
}

/** A metav1.Time or MicroTime as its MarshalJSON writes it in UTC; the zero time (an empty message, as Go marshals it) is null. */
function timeJSON(v: { seconds?: number; nanos?: number }, micro: boolean): string | null {
  if (v.seconds === undefined && v.nanos === undefined) return null;
  const nanos = v.nanos ?? 0;
  const base = new Date(Number(v.seconds ?? 0) * 1000).toISOString().slice(0, 19);
  return micro ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${base}Z`;
}

function timeProto(v: unknown): { seconds: number; nanos: number } | undefined {
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new BadRequestError(`parsing time ${JSON.stringify(v)}: not RFC 3339`);
  const fraction = /\.(\d+)/.exec(v)?.[1] ?? '';
  return { seconds: Math.floor(ms / 1000), nanos: Number(fraction.padEnd(9, '0').slice(0, 9)) };
}

/** metav1.FieldsV1's raw bytes (base64 from toObject) as the JSON object they hold. */
function fieldsV1JSON(raw: unknown): unknown {
  const text = Buffer.from(typeof raw === 'string' ? raw : '', 'base64').toString('utf8');
  try {
    return JSON.parse(text || '{}');
  } catch {
    return text;
  }
}

/** A value of `type` from protobufjs' toObject into Kubernetes' JSON. */
function toJSON(type: Protobuf.Type, v: JsonObject): unknown {
  switch (fullName(type)) {
    case WELL_KNOWN.time:
      return timeJSON(v, false);
    case WELL_KNOWN.microTime:
      return timeJSON(v, true);
    case WELL_KNOWN.quantity:
      return v.string ?? '';
    case WELL_KNOWN.intOrString:
      return Number(v.type ?? 0) === 1 ? (v.strVal ?? '') : (v.intVal ?? 0);
    case WELL_KNOWN.fieldsV1:
      return fieldsV1JSON(v.Raw);
    case WELL_KNOWN.rawExtension:
      return fieldsV1JSON(v.raw);
    default:
      break;
  }
  const out: JsonObject = {};
  const embedded = EMBEDDED[fullName(type)];
  for (const f of type.fieldsArray) {
    const value = v[f.name];
    if (value === undefined || value === null) continue;
    const child = messageOf(f);
    const one = (x: unknown) => (child ? toJSON(child, x as JsonObject) : x);
    if (f.name === embedded && child) Object.assign(out, toJSON(child, value as JsonObject));
    else if (f.map) out[jsonKey(f)] = Object.fromEntries(Object.entries(value as JsonObject).map(([k, x]) => [k, one(x)]));
    else if (f.repeated) out[jsonKey(f)] = (value as unknown[]).map(one);
    else {
      const json = one(value);
      if (json !== null) out[jsonKey(f)] = json;
    }
  }
  return out;
}

/** Kubernetes' JSON of a value of `type` into what protobufjs' fromObject takes; fields the schema lacks are dropped. */
function fromJSON(type: Protobuf.Type, v: unknown): unknown {
  switch (fullName(type)) {
    case WELL_KNOWN.time:
    case WELL_KNOWN.microTime:
      return timeProto(v);
    case WELL_KNOWN.quantity:
      return v === undefined ? undefined : { string: String(v) };
    case WELL_KNOWN.intOrString:
      return typeof v === 'number' ? { type: 0, intVal: v } : typeof v === 'string' ? { type: 1, strVal: v } : undefined;
    case WELL_KNOWN.fieldsV1:
      return v === undefined ? undefined : { Raw: Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)) };
    case WELL_KNOWN.rawExtension:
      return v === undefined ? undefined : { raw: Buffer.from(JSON.stringify(v)) };
    default:
      break;
  }
  if (!isObject(v)) return undefined;
  const out: JsonObject = {};
  const embedded = EMBEDDED[fullName(type)];
  for (const f of type.fieldsArray) {
    const child = messageOf(f);
    if (f.name === embedded && child) {
      const inner = fromJSON(child, v) as JsonObject;
      if (Object.keys(inner).length) out[f.name] = inner;
      continue;
    }
    const value = v[jsonKey(f)];
    if (value === undefined || value === null) continue;
    const one = (x: unknown) => (child ? fromJSON(child, x) : x);
    if (f.map && isObject(value)) out[f.name] = Object.fromEntries(Object.entries(value).map(([k, x]) => [k, one(x)]));
    else if (f.repeated && Array.isArray(value)) out[f.name] = value.map(one);
    else if (!f.map && !f.repeated) {
      const x = one(value);
      if (x !== undefined) out[f.name] = x;
    }
  }
  return out;
}

/** What a protobuf body says: its apiVersion and kind (the envelope's typeMeta) and the object as Kubernetes' JSON. */
export interface DecodedProtobuf {
  apiVersion: string;
  kind: string;
  object: JsonObject;
}

/** Decodes a Kubernetes protobuf body into Kubernetes' JSON (kind and apiVersion first). */
export function decodeProtobuf(body: Buffer): DecodedProtobuf {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new BadRequestError(`provided data does not appear to be a protobuf message, expected prefix [${[...MAGIC].join(' ')}]`);
  }
  const r = schema();
  const unknownType = r.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  let envelope: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array };
  try {
    envelope = unknownType.toObject(unknownType.decode(body.subarray(MAGIC.length))) as typeof envelope;
  } catch (err) {
    throw new BadRequestError(`unable to decode the protobuf envelope: ${(err as Error).message}`);
  }
  const apiVersion = envelope.typeMeta?.apiVersion ?? '';
  const kind = envelope.typeMeta?.kind ?? '';
  if (!kind) throw new BadRequestError("Object 'Kind' is missing in the protobuf envelope");
  const type = protobufTypeOf(apiVersion, kind);
  if (!type) throw new BadRequestError(`no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)}`);
  let message: JsonObject;
  try {
    message = type.toObject(type.decode(envelope.raw ?? new Uint8Array()), { longs: Number, bytes: String }) as JsonObject;
  } catch (err) {
    throw new BadRequestError(`${kind} in version ${JSON.stringify(apiVersion.slice(apiVersion.lastIndexOf('/') + 1))} cannot be handled as a ${kind}: ${(err as Error).message}`);
  }
  return { apiVersion, kind, object: { kind, apiVersion, ...(toJSON(type, message) as JsonObject) } };
}

/** Encodes a Kubernetes JSON object (with kind and apiVersion) as Kubernetes' protobuf body. */
export function encodeProtobuf(object: JsonObject): Buffer {
  const apiVersion = String(object.apiVersion ?? '');
  const kind = String(object.kind ?? '');
  const type = protobufTypeOf(apiVersion, kind);
  if (!type) throw new BadRequestError(`no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)}`);
  const raw = type.encode(type.fromObject(fromJSON(type, object) as JsonObject)).finish();
  const unknownType = schema().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const envelope = unknownType.encode(unknownType.fromObject({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' })).finish();
  return Buffer.concat([MAGIC, envelope]);
}

/** The media type of a protobuf watch: length-delimited WatchEvent frames. */
export const PROTOBUF_WATCH_MEDIA_TYPE = `${PROTOBUF_MEDIA_TYPE};stream=watch`;

/**
 * One frame of a protobuf watch stream as kube-apiserver writes it (the stream serializer is
 * protobuf's raw one, the framer length-delimited): a 4-byte big-endian length, then a
 * meta.v1.WatchEvent without envelope whose object (a RawExtension) holds the object's own
 * protobuf body, magic and Unknown envelope included. `object` undefined: an empty RawExtension.
 */
export function encodeWatchFrame(type: string, object: JsonObject | undefined): Buffer {
  const eventType = schema().lookupType(`${META}.WatchEvent`);
  const event = eventType.encode(eventType.fromObject({ type, object: { raw: object ? encodeProtobuf(object) : Buffer.alloc(0) } })).finish();
  const length = Buffer.alloc(4);
  length.writeUInt32BE(event.length);
  return Buffer.concat([length, event]);
}

/** The whole frames of a protobuf watch stream's bytes, decoded, and the bytes of an incomplete last frame. */
export function decodeWatchFrames(data: Buffer): { events: { type: string; object: DecodedProtobuf }[]; rest: Buffer } {
  const eventType = schema().lookupType(`${META}.WatchEvent`);
  const events: { type: string; object: DecodedProtobuf }[] = [];
  let at = 0;
  while (data.length - at >= 4 && data.length - at - 4 >= data.readUInt32BE(at)) {
    const end = at + 4 + data.readUInt32BE(at);
    const ev = eventType.toObject(eventType.decode(data.subarray(at + 4, end))) as { type?: string; object?: { raw?: Uint8Array } };
    events.push({ type: ev.type ?? '', object: decodeProtobuf(Buffer.from(ev.object?.raw ?? new Uint8Array())) });
    at = end;
  }
  return { events, rest: data.subarray(at) };
}
