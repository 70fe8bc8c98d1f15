// The OpenAPI definitions of Kite's objects, generated from the proto descriptors buf compiled
// (lib/gen/descriptors.binpb: field names and JSON names exactly as served) and the comments of
// the .proto files (field and message descriptions), named and typed as Kubernetes' own schema
// (kube-openapi's definitions of k8s.io/api): io.k8s.api.core.v1.Pod, meta/v1 ObjectMeta, Time,
// Quantity, IntOrString, maps as additionalProperties, merge keys on the lists Kubernetes merges.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as protobuf from 'protobufjs';
import { API_GROUPS } from '../../../../lib/api/kind-declarations';
import {
  COMMON_FIELD_DESCRIPTIONS,
  INT_OR_STRING,
  apimachineryDefinitions,
  definitionName,
  directiveExtensions,
  ref,
  stringFieldType,
  type Schema,
} from './kubernetes-types';

const REPO = join(__dirname, '..', '..', '..', '..');
export const DESCRIPTOR_SET = join(REPO, 'lib', 'gen', 'descriptors.binpb');
const PROTO_ROOT = join(REPO, 'proto');

interface FieldDescriptor {
  name: string;
  jsonName?: string;
  label?: string;
  type?: string;
  typeName?: string;
}

interface MessageDescriptor {
  name: string;
  field?: FieldDescriptor[];
  nestedType?: MessageDescriptor[];
  options?: { mapEntry?: boolean };
}

interface FileDescriptor {
  name: string;
  package?: string;
  messageType?: MessageDescriptor[];
}

/** Every message of the descriptor set by its full name (without the leading dot). */
export function loadMessages(descriptorSet: Buffer = readFileSync(DESCRIPTOR_SET)): Map<string, MessageDescriptor> {
  // protobufjs' descriptor extension decodes a FileDescriptorSet (json_name included).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const descriptor = require('protobufjs/ext/descriptor') as { FileDescriptorSet: protobuf.Type };
  const set = descriptor.FileDescriptorSet.toObject(descriptor.FileDescriptorSet.decode(descriptorSet), { enums: String, longs: String }) as { file: FileDescriptor[] };
  const messages = new Map<string, MessageDescriptor>();
  const add = (prefix: string, m: MessageDescriptor) => {
    messages.set(`${prefix}.${m.name}`, m);
    for (const n of m.nestedType ?? []) add(`${prefix}.${m.name}`, n);
  };
  for (const f of set.file) for (const m of f.messageType ?? []) add(f.package ?? '', m);
  return messages;
}

/** The .proto comments of messages and fields ("kite.core.v1.Pod", "kite.core.v1.Pod.spec"), where there are any. */
export function loadComments(files: string[]): Map<string, string> {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(PROTO_ROOT, target);
  root.loadSync(files, { alternateCommentMode: true, keepCase: true });
  const comments = new Map<string, string>();
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const o of ns.nestedArray) {
      if (o instanceof protobuf.Type) {
        const name = o.fullName.slice(1);
        if (o.comment) comments.set(name, o.comment.replace(/\s*\n\s*/g, ' '));
        for (const f of o.fieldsArray) if (f.comment) comments.set(`${name}.${f.name}`, f.comment.replace(/\s*\n\s*/g, ' '));
      }
      if (o instanceof protobuf.Namespace) walk(o);
    }
  };
  walk(root);
  return comments;
}

/** The API's proto files whose messages are objects (not the services' request wrappers). */
export function typeProtoFiles(): string[] {
  return ['kite/meta/v1/meta.proto', 'kite/authentication/v1/types.proto', 'kite/authorization/v1/authorization.proto', ...Object.values(API_GROUPS).map((g) => `${g.typesProto}.proto`)];
}

const INT32 = new Set(['TYPE_INT32', 'TYPE_SINT32', 'TYPE_SFIXED32', 'TYPE_UINT32', 'TYPE_FIXED32']);
const INT64 = new Set(['TYPE_INT64', 'TYPE_SINT64', 'TYPE_SFIXED64', 'TYPE_UINT64', 'TYPE_FIXED64']);

/** Kubernetes' group of a definition's package ("io.k8s.api.rbac.v1" -> "rbac.authorization.k8s.io"). */
function groupOf(definition: string): { group: string; version: string } {
  const parts = definition.split('.');
  const [pkg, version] = [parts[parts.length - 3], parts[parts.length - 2]];
  const declared = Object.values(API_GROUPS).find((g) => g.protoPackage.split('.')[1] === pkg);
  if (declared) return { group: declared.group, version };
  return { group: pkg === 'autoscaling' ? 'autoscaling' : `${pkg}.k8s.io`, version };
}

export interface Definitions {
  definitions: Record<string, Schema>;
  /** The definition of each kind ("Pod" in group "" -> io.k8s.api.core.v1.Pod), by "group/kind". */
  byKind: Map<string, string>;
}

/**
 * The definitions of every message reachable from `roots` (proto names), plus apimachinery's
 * Status, DeleteOptions, WatchEvent, Patch, Time, Quantity, IntOrString and Binding.
 */
export function buildDefinitions(roots: string[], messages: Map<string, MessageDescriptor>, comments: Map<string, string>): Definitions {
  const definitions: Record<string, Schema> = apimachineryDefinitions();
  const byKind = new Map<string, string>();
  const pending = [...roots];
  const seen = new Set<string>();

  /** The schema of field `f` of the message named `owner` (its short name, as field-semantics.ts keys it). */
  const fieldSchema = (owner: string, f: FieldDescriptor): Schema => {
    const json = f.jsonName ?? f.name;
    const single = (): Schema => {
      switch (f.type) {
        case 'TYPE_STRING': {
          const t = stringFieldType(owner, json);
          return t ? ref(t) : { type: 'string' };
        }
        case 'TYPE_BOOL':
          return { type: 'boolean' };
        case 'TYPE_DOUBLE':
          return { format: 'double', type: 'number' };
        case 'TYPE_FLOAT':
          return { format: 'float', type: 'number' };
        case 'TYPE_BYTES':
          return { format: 'byte', type: 'string' };
        case 'TYPE_ENUM':
          return { type: 'string' };
        case 'TYPE_MESSAGE': {
          const name = f.typeName!.replace(/^\./, '');
          if (name === 'google.protobuf.Value') return ref(INT_OR_STRING);
          if (name === 'google.protobuf.Struct') return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
          const def = definitionName(name);
          if (!def) return { type: 'object' };
          pending.push(name);
          return ref(def);
        }
        default:
          if (INT32.has(f.type ?? '')) return { format: 'int32', type: 'integer' };
          if (INT64.has(f.type ?? '')) return { format: 'int64', type: 'integer' };
          return {};
      }
    };
    if (f.label === 'LABEL_REPEATED' && f.type === 'TYPE_MESSAGE') {
      const entry = messages.get(f.typeName!.replace(/^\./, ''));
      if (entry?.options?.mapEntry) {
        const value = entry.field!.find((x) => x.name === 'value')!;
        const semantic = value.type === 'TYPE_STRING' ? stringFieldType(owner, json) : undefined;
        return { additionalProperties: semantic ? ref(semantic) : fieldSchema(owner, { ...value, jsonName: 'value' }), type: 'object' };
      }
    }
    if (f.label === 'LABEL_REPEATED') return { items: single(), type: 'array' };
    return single();
  };

  while (pending.length) {
    const name = pending.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const m = messages.get(name);
    const def = definitionName(name);
    if (!m || !def) continue;
    const shortName = name.slice(name.lastIndexOf('.') + 1);
    const fields = m.field ?? [];
    const isObject = ['kind', 'apiVersion', 'metadata'].every((n) => fields.some((f) => (f.jsonName ?? f.name) === n));
    const properties: Record<string, Schema> = {};
    for (const f of fields) {
      const json = f.jsonName ?? f.name;
      const description = comments.get(`${name}.${f.name}`) ?? (isObject ? COMMON_FIELD_DESCRIPTIONS[json] : undefined);
      const schema = fieldSchema(shortName, f);
      properties[json] = { ...(description ? { description } : {}), ...schema, ...directiveExtensions(shortName, json) };
    }
    const sorted = Object.fromEntries(Object.entries(properties).sort(([a], [b]) => a.localeCompare(b)));
    const description = comments.get(name);
    const schema: Schema = { ...(description ? { description } : {}), properties: sorted, type: 'object' };
    if (isObject) {
      const gv = groupOf(def);
      schema['x-kubernetes-group-version-kind'] = [{ group: gv.group, kind: shortName, version: gv.version }];
      byKind.set(`${gv.group}/${shortName}`, def);
    }
    definitions[def] = schema;
  }
  return { definitions: Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))), byKind };
}
