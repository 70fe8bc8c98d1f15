// What the code knows about a kind at run time: its declaration (kind-declarations.ts) bound to
// the messages and service ts-proto generated for it. The generated table (lib/gen/kite/kinds.ts)
// builds one KindInfo per declaration with kindInfo(); read them through lib/api/kinds.ts.
import type { ServiceDefinition } from '@grpc/grpc-js';
import type { ObjectMeta } from '../gen/kite/meta/v1/meta';
import { API_GROUPS, KIND_DECLARATIONS, kindMethods, resourceOf, type KindDeclaration, type KindMethods, type Verb } from './kind-declarations';

/** The functions ts-proto generates for every message. */
export interface MessageFns<T> {
  encode(message: T, writer?: unknown): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
  fromJSON(object: unknown): T;
  toJSON(message: T): unknown;
  fromPartial(object: any): T;
}

/** Every stored object has metadata, kind and apiVersion; most have spec and status. */
export interface KubeObject {
  metadata?: ObjectMeta | undefined;
  kind: string;
  apiVersion: string;
  spec?: any;
  status?: any;
}

export interface KubeList<T> {
  metadata?: { resourceVersion: string; continue: string; remainingItemCount?: number | undefined } | undefined;
  items: T[];
  kind: string;
  apiVersion: string;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | string;
  object?: T | undefined;
}

export interface KindInfo<T extends KubeObject = KubeObject> {
  /** "Pod" */
  kind: string;
  /** "Pods": the plural used in method names (ListPods, WatchPods). */
  plural: string;
  /** "pods": the lowercase resource name used in RBAC, storage keys and kitectl. */
  resource: string;
  /** "" for core, "apps", "coordination.k8s.io". */
  group: string;
  /** "v1", "apps/v1", "coordination.k8s.io/v1". */
  apiVersion: string;
  namespaced: boolean;
  /** Has a status subresource (Update<Kind>Status). */
  hasStatus: boolean;
  /** Has a scale subresource (Get/Update<Kind>Scale). */
  hasScale: boolean;
  /** kubectl's short names ("po"). */
  shortNames: readonly string[];
  /** Field of Create/Update requests that carries the object ("pod"). */
  requestField: string;
  /** "kite.core.v1.PodService" */
  serviceName: string;
  /** The RPC name of each verb the kind's service has (methods.create === "CreatePod"). */
  methods: KindMethods;
  /** The verb of one of the service's RPC names ("UpdatePodStatus" -> "updateStatus"). */
  verbOf(rpc: string): Verb | undefined;
  declaration: KindDeclaration;
  service: ServiceDefinition;
  type: MessageFns<T>;
  list: MessageFns<KubeList<T>>;
  watchEvent: MessageFns<WatchEvent<T>>;
}

/** The object type of a kind (Pod for the Pods entry). */
export type ObjectOf<K> = K extends KindInfo<infer T> ? T : never;

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** The declaration of `kind`; throws for a kind that has none (a generator/declaration mismatch). */
export function declarationOf(kind: string): KindDeclaration {
  const d = KIND_DECLARATIONS.find((k) => k.kind === kind);
  if (!d) throw new Error(`kind ${kind} has no declaration in lib/api/kind-declarations.ts`);
  return d;
}

export function kindInfo<T extends KubeObject>(
  kind: string,
  type: MessageFns<T>,
  list: MessageFns<any>,
  watchEvent: MessageFns<any>,
  service: ServiceDefinition,
): KindInfo<T> {
  const d = declarationOf(kind);
  const g = API_GROUPS[d.apiGroup];
  const methods = kindMethods(d);
  const verbs = new Map(Object.entries(methods).map(([verb, rpc]) => [rpc, verb as Verb]));
  return {
    kind,
    plural: d.plural,
    resource: resourceOf(d),
    group: g.group,
    apiVersion: g.group ? `${g.group}/${g.version}` : g.version,
    namespaced: d.namespaced,
    hasStatus: d.status,
    hasScale: d.scale ?? false,
    shortNames: d.shortNames,
    requestField: lowerFirst(kind),
    serviceName: `${g.protoPackage}.${kind}Service`,
    methods,
    verbOf: (rpc) => verbs.get(rpc),
    declaration: d,
    service,
    type,
    list,
    watchEvent,
  };
}
