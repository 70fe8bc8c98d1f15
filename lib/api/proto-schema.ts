// The proto descriptors of Kite's API (proto/kite/**), loaded once with protobufjs, for code that
// walks Kubernetes-shaped JSON field by field: strict manifest decoding, the JSON codec and strategic
// merge patch. Plays the part of the Go types' reflection in Kubernetes' decoders.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type * as Protobuf from 'protobufjs';
import type { KindInfo } from './kind-info';

let protoRoot: Protobuf.Root | undefined;

function protoDir(): string {
  return join(__dirname, '..', '..', 'proto');
}

function listProtoFiles(dir: string, base: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listProtoFiles(join(dir, e.name), base) : e.name.endsWith('.proto') ? [relative(base, join(dir, e.name))] : [],
  );
}

/** The message descriptors of proto/, loaded once and only when first needed. */
export function protoRootOf(): Protobuf.Root {
  if (protoRoot) return protoRoot;
  const pb = require('protobufjs') as typeof Protobuf;
  const dir = protoDir();
  const r = new pb.Root();
  // Well-known types come bundled with protobufjs; everything else lives in proto/.
  r.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : join(dir, target));
  r.loadSync(listProtoFiles(join(dir, 'kite'), dir), { keepCase: true });
  r.resolveAll();
  protoRoot = r;
  return r;
}

const kindTypes = new WeakMap<KindInfo, Protobuf.Type>();

/** The message type of a kind's objects (kite.core.v1.Pod), looked up once per kind (every encode asks). */
export function messageTypeOf(kind: KindInfo): Protobuf.Type {
  let type = kindTypes.get(kind);
  if (!type) {
    const pkg = kind.serviceName.slice(0, kind.serviceName.lastIndexOf('.'));
    type = protoRootOf().lookupType(`${pkg}.${kind.kind}`);
    kindTypes.set(kind, type);
  }
  return type;
}

const jsonNames = new WeakMap<Protobuf.Field, string>();

/** protoc's default JSON name: snake_case -> lowerCamelCase, unless json_name overrides it. */
export function jsonName(field: Protobuf.Field): string {
  let name = jsonNames.get(field);
  if (name === undefined) {
    name = (field.options?.json_name as string | undefined) ?? field.name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    jsonNames.set(field, name);
  }
  return name;
}

/** ts-proto's property name of a field: its JSON name (json_name when set: `Port`, `podCIDR`, `hostPID`). */
export function propertyName(field: Protobuf.Field): string {
  return jsonName(field);
}

const fieldsByJsonName = new WeakMap<Protobuf.Type, Map<string, Protobuf.Field>>();

/** A message's fields by JSON name. */
export function fieldsOf(type: Protobuf.Type): Map<string, Protobuf.Field> {
  let m = fieldsByJsonName.get(type);
  if (!m) {
    m = new Map(type.fieldsArray.map((f) => [jsonName(f), f]));
    fieldsByJsonName.set(type, m);
  }
  return m;
}

/** The message type of a field's values (for maps: of each value), or undefined for scalars and enums. */
export function messageOf(field: Protobuf.Field): Protobuf.Type | undefined {
  const t = field.resolvedType;
  return t && 'fieldsArray' in t ? (t as Protobuf.Type) : undefined;
}

/**
 * Whether a message is google.protobuf.Value (Kubernetes' int-or-string in Kite's API) or
 * google.protobuf.Struct (a RawExtension: any JSON object): JSON taken and written as it is.
 */
export function isIntOrString(type: Protobuf.Type): boolean {
  // fullName is built from the parents on every read: the name alone rules out nearly every type first.
  return (type.name === 'Value' && type.fullName === '.google.protobuf.Value') || (type.name === 'Struct' && type.fullName === '.google.protobuf.Struct');
}
