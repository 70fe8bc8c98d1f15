// What the proto descriptors cannot say about Kubernetes' schema, in one place: the names
// Kubernetes gives its definitions (io.k8s.api.core.v1.Pod for kite.core.v1.Pod), the semantic
// types Kite's protos carry as plain strings or google.protobuf.Value (Quantity, Time, MicroTime,
// IntOrString) and the strategic-merge directives of the lists Kubernetes merges by key, both read
// from lib/api/field-semantics.ts (the table the codec and strategic merge patch use), the
// +listType tags, and the apimachinery schemas that have no proto (Status, DeleteOptions,
// WatchEvent, Patch, Binding, Eviction).
import { LIST_TYPES, MICRO_TIME_FIELDS, RAW_JSON_FIELDS, TIME_FIELDS, isQuantityField, patchStrategyOf } from '../../../../lib/api/field-semantics';
import { API_GROUPS } from '../../../../lib/api/kind-declarations';

export type Schema = { [key: string]: unknown };

export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const TIME = `${META}.Time`;
export const MICRO_TIME = `${META}.MicroTime`;
export const FIELDS_V1 = `${META}.FieldsV1`;

/** A reference to a definition, written as OpenAPI v2 does; the v3 renderer rewrites it. */
export function ref(name: string): Schema {
  return { $ref: `#/definitions/${name}` };
}

/** Kubernetes' Go package of each Kite proto package: kite.core.v1 -> io.k8s.api.core.v1. */
const PACKAGES: Record<string, string> = {
  'kite.meta.v1': META,
  'kite.authentication.v1': 'io.k8s.api.authentication.v1',
  'kite.authorization.v1': 'io.k8s.api.authorization.v1',
  ...Object.fromEntries(Object.values(API_GROUPS).map((g) => [g.protoPackage, `io.k8s.api.${g.protoPackage.split('.')[1]}.${g.version}`])),
};

/** Messages Kubernetes keeps in another package than Kite's proto does. */
const RENAMED: Record<string, string> = {
  'kite.meta.v1.Scale': 'io.k8s.api.autoscaling.v1.Scale',
  'kite.meta.v1.ScaleSpec': 'io.k8s.api.autoscaling.v1.ScaleSpec',
  'kite.meta.v1.ScaleStatus': 'io.k8s.api.autoscaling.v1.ScaleStatus',
  'kite.authorization.v1.SelfSubjectReview': 'io.k8s.api.authentication.v1.SelfSubjectReview',
  'kite.authorization.v1.SelfSubjectReviewStatus': 'io.k8s.api.authentication.v1.SelfSubjectReviewStatus',
  'kite.authorization.v1.UserInfo': 'io.k8s.api.authentication.v1.UserInfo',
};

/** Kubernetes' definition name of a proto message ("kite.core.v1.Pod" -> "io.k8s.api.core.v1.Pod"), or undefined outside the API. */
export function definitionName(protoName: string): string | undefined {
  if (RENAMED[protoName]) return RENAMED[protoName];
  const i = protoName.lastIndexOf('.');
  const pkg = PACKAGES[protoName.slice(0, i)];
  return pkg && `${pkg}.${protoName.slice(i + 1)}`;
}

/** The semantic type of a string field (Time, MicroTime, Quantity, FieldsV1), from lib/api/field-semantics.ts, or undefined for a plain string. */
export function stringFieldType(message: string, jsonName: string): string | undefined {
  if (RAW_JSON_FIELDS[message]?.includes(jsonName)) return FIELDS_V1;
  if (MICRO_TIME_FIELDS[message]?.includes(jsonName)) return MICRO_TIME;
  if (TIME_FIELDS[message]?.includes(jsonName)) return TIME;
  if (isQuantityField(message, jsonName)) return QUANTITY;
  return undefined;
}

/** The x-kubernetes-* extensions of a field: its strategic merge patch strategy and merge key, and its list type. */
export function directiveExtensions(message: string, jsonName: string): Schema {
  const patch = patchStrategyOf(message, jsonName);
  const list = LIST_TYPES[message]?.[jsonName];
  return {
    ...(list?.listMapKeys ? { 'x-kubernetes-list-map-keys': list.listMapKeys } : {}),
    ...(list ? { 'x-kubernetes-list-type': list.listType } : {}),
    ...(patch?.mergeKey ? { 'x-kubernetes-patch-merge-key': patch.mergeKey } : {}),
    ...(patch ? { 'x-kubernetes-patch-strategy': patch.strategy } : {}),
  };
}

/** Kubernetes' descriptions of the fields every object has (the protos do not repeat them). */
export const COMMON_FIELD_DESCRIPTIONS: Record<string, string> = {
  apiVersion:
    'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
  kind: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
  metadata: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  spec: 'Specification of the desired behavior. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status',
  status: 'Most recently observed status. Populated by the system. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status',
  items: 'List of objects.',
};

const str = (description: string): Schema => ({ description, type: 'string' });

/** The apimachinery definitions that are not proto messages in Kite. */
export function apimachineryDefinitions(): Record<string, Schema> {
  return {
    [QUANTITY]: {
      description:
        'Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors. The serialization format is a signed number followed by a suffix: binary SI (Ki, Mi, Gi, Ti, Pi, Ei), decimal SI (m, "", k, M, G, T, P, E) or decimal exponent (e or E).',
      type: 'string',
    },
    [INT_OR_STRING]: { description: 'IntOrString is a type that can hold an int32 or a string.', format: 'int-or-string', type: 'string' },
    [TIME]: { description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON, in RFC 3339 form.', format: 'date-time', type: 'string' },
    [MICRO_TIME]: { description: 'MicroTime is version of Time with microsecond level precision.', format: 'date-time', type: 'string' },
    [FIELDS_V1]: {
      description:
        "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.\n\nEach key is either a '.' representing the field itself, and will always map to an empty set, or a string representing a sub-field or item. The string will follow one of these four formats: 'f:<name>', where <name> is the name of a field in a struct, or key in a map 'v:<value>', where <value> is the exact json formatted value of a list item 'i:<index>', where <index> is position of a item in a list 'k:<keys>', where <keys> is a map of  a list item's key fields to their unique values If a key maps to an empty Fields value, the field that key represents is part of the set.\n\nThe exact format is defined in sigs.k8s.io/structured-merge-diff",
      type: 'object',
    },
    [`${META}.Patch`]: { description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.', type: 'object' },
    [`${META}.StatusCause`]: {
      description: 'StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.',
      properties: { field: str('The field of the resource that has caused this error, as named by its JSON serialization.'), message: str('A human-readable description of the cause of the error.'), reason: str('A machine-readable description of the cause of the error.') },
      type: 'object',
    },
    [`${META}.StatusDetails`]: {
      description: 'StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response.',
      properties: {
        causes: { description: 'The Causes array includes more details associated with the StatusReason failure.', items: ref(`${META}.StatusCause`), type: 'array', 'x-kubernetes-list-type': 'atomic' },
        group: str('The group attribute of the resource associated with the status StatusReason.'),
        kind: str('The kind attribute of the resource associated with the status StatusReason.'),
        name: str('The name attribute of the resource associated with the status StatusReason (when there is a single name which can be described).'),
        retryAfterSeconds: { description: 'If specified, the time in seconds before the operation should be retried.', format: 'int32', type: 'integer' },
        uid: str('UID of the resource.'),
      },
      type: 'object',
    },
    [`${META}.Status`]: {
      description: 'Status is a return value for calls that don\'t return other objects.',
      properties: {
        apiVersion: str(COMMON_FIELD_DESCRIPTIONS.apiVersion),
        code: { description: 'Suggested HTTP return code for this status, 0 if not set.', format: 'int32', type: 'integer' },
        details: { ...ref(`${META}.StatusDetails`), description: 'Extended data associated with the reason.' },
        kind: str(COMMON_FIELD_DESCRIPTIONS.kind),
        message: str('A human-readable description of the status of this operation.'),
        metadata: { ...ref(`${META}.ListMeta`), description: 'Standard list metadata.' },
        reason: str('A machine-readable description of why this operation is in the "Failure" status.'),
        status: str('Status of the operation. One of: "Success" or "Failure".'),
      },
      type: 'object',
      'x-kubernetes-group-version-kind': [{ group: '', kind: 'Status', version: 'v1' }],
    },
    [`${META}.DeleteOptions`]: {
      description: 'DeleteOptions may be provided when deleting an API object.',
      properties: {
        apiVersion: str(COMMON_FIELD_DESCRIPTIONS.apiVersion),
        dryRun: { description: 'When present, indicates that modifications should not be persisted. Valid values: All.', items: { type: 'string' }, type: 'array', 'x-kubernetes-list-type': 'atomic' },
        gracePeriodSeconds: { description: 'The duration in seconds before the object should be deleted.', format: 'int64', type: 'integer' },
        kind: str(COMMON_FIELD_DESCRIPTIONS.kind),
        preconditions: { ...ref(`${META}.Preconditions`), description: 'Must be fulfilled before a deletion is carried out.' },
        propagationPolicy: str("Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
      },
      type: 'object',
      'x-kubernetes-group-version-kind': Object.values(API_GROUPS).map((g) => ({ group: g.group, kind: 'DeleteOptions', version: g.version })),
    },
    [`${META}.WatchEvent`]: {
      description: 'Event represents a single event to a watched resource.',
      properties: {
        object: { description: 'Object is: * If Type is Added or Modified: the new state of the object. * If Type is Deleted: the state of the object immediately before deletion. * If Type is Error: *Status is recommended.', type: 'object' },
        type: str('ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.'),
      },
      required: ['type', 'object'],
      type: 'object',
      'x-kubernetes-group-version-kind': Object.values(API_GROUPS).map((g) => ({ group: g.group, kind: 'WatchEvent', version: g.version })),
    },
    'io.k8s.api.core.v1.Binding': {
      description: 'Binding ties one object to another; for example, a pod is bound to a node by a scheduler.',
      properties: {
        apiVersion: str(COMMON_FIELD_DESCRIPTIONS.apiVersion),
        kind: str(COMMON_FIELD_DESCRIPTIONS.kind),
        metadata: { ...ref(`${META}.ObjectMeta`), description: COMMON_FIELD_DESCRIPTIONS.metadata },
        target: { ...ref('io.k8s.api.core.v1.ObjectReference'), description: 'The target object that you want to bind to the standard object.' },
      },
      required: ['target'],
      type: 'object',
      'x-kubernetes-group-version-kind': [{ group: '', kind: 'Binding', version: 'v1' }],
    },
    'io.k8s.api.policy.v1.Eviction': {
      description: 'Eviction evicts a pod from its node subject to certain policies and safety constraints. This is a subresource of Pod.  A request to cause such an eviction is created by POSTing to .../pods/<pod name>/evictions.',
      properties: {
        apiVersion: str(COMMON_FIELD_DESCRIPTIONS.apiVersion),
        deleteOptions: { ...ref(`${META}.DeleteOptions`), description: 'DeleteOptions may be provided' },
        kind: str(COMMON_FIELD_DESCRIPTIONS.kind),
        metadata: { ...ref(`${META}.ObjectMeta`), description: 'ObjectMeta describes the pod that is being evicted.' },
      },
      type: 'object',
      'x-kubernetes-group-version-kind': [{ group: 'policy', kind: 'Eviction', version: 'v1' }],
    },
  };
}
