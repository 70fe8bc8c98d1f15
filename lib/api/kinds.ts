// The table of API kinds: one place that ties a kind to its proto messages, gRPC service,
// REST-style names (resource, short names) and scope. The apiserver, the typed clients,
// informers and kitectl all read this table instead of repeating per-kind code.
import type { ServiceDefinition } from '@grpc/grpc-js';
import * as apps from '../gen/kite/apps/v1/types';
import * as appsSvc from '../gen/kite/apps/v1/services';
import * as coord from '../gen/kite/coordination/v1/lease';
import * as coordSvc from '../gen/kite/coordination/v1/services';
import * as core from '../gen/kite/core/v1/types';
import * as coreSvc from '../gen/kite/core/v1/services';
import * as rbac from '../gen/kite/rbac/v1/types';
import * as rbacSvc from '../gen/kite/rbac/v1/services';
import type { ObjectMeta } from '../gen/kite/meta/v1/meta';

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
  shortNames: string[];
  /** Field of Create/Update requests that carries the object ("pod"). */
  requestField: string;
  /** "kite.core.v1.PodService" */
  serviceName: string;
  service: ServiceDefinition;
  type: MessageFns<T>;
  list: MessageFns<KubeList<T>>;
  watchEvent: MessageFns<WatchEvent<T>>;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function kindInfo<T extends KubeObject>(
  pkg: string,
  group: string,
  kind: string,
  plural: string,
  opts: { namespaced: boolean; hasStatus: boolean; hasScale?: boolean; shortNames: string[] },
  type: MessageFns<T>,
  list: MessageFns<any>,
  watchEvent: MessageFns<any>,
  service: ServiceDefinition,
): KindInfo<T> {
  return {
    kind,
    plural,
    resource: plural.toLowerCase(),
    group,
    apiVersion: group ? `${group}/v1` : 'v1',
    namespaced: opts.namespaced,
    hasStatus: opts.hasStatus,
    hasScale: opts.hasScale ?? false,
    shortNames: opts.shortNames,
    requestField: lowerFirst(kind),
    serviceName: `${pkg}.${kind}Service`,
    service,
    type,
    list,
    watchEvent,
  };
}

export const Namespaces = kindInfo<core.Namespace>('kite.core.v1', '', 'Namespace', 'Namespaces',
  { namespaced: false, hasStatus: true, shortNames: ['ns'] },
  core.Namespace, core.NamespaceList, coreSvc.NamespaceWatchEvent, coreSvc.NamespaceServiceService);
export const Nodes = kindInfo<core.Node>('kite.core.v1', '', 'Node', 'Nodes',
  { namespaced: false, hasStatus: true, shortNames: ['no'] },
  core.Node, core.NodeList, coreSvc.NodeWatchEvent, coreSvc.NodeServiceService);
export const Pods = kindInfo<core.Pod>('kite.core.v1', '', 'Pod', 'Pods',
  { namespaced: true, hasStatus: true, shortNames: ['po'] },
  core.Pod, core.PodList, coreSvc.PodWatchEvent, coreSvc.PodServiceService);
export const Services = kindInfo<core.Service>('kite.core.v1', '', 'Service', 'Services',
  { namespaced: true, hasStatus: true, shortNames: ['svc'] },
  core.Service, core.ServiceList, coreSvc.ServiceWatchEvent, coreSvc.ServiceServiceService);
export const EndpointsKind = kindInfo<core.Endpoints>('kite.core.v1', '', 'Endpoints', 'Endpoints',
  { namespaced: true, hasStatus: false, shortNames: ['ep'] },
  core.Endpoints, core.EndpointsList, coreSvc.EndpointsWatchEvent, coreSvc.EndpointsServiceService);
export const Events = kindInfo<core.Event>('kite.core.v1', '', 'Event', 'Events',
  { namespaced: true, hasStatus: false, shortNames: ['ev'] },
  core.Event, core.EventList, coreSvc.EventWatchEvent, coreSvc.EventServiceService);
export const Leases = kindInfo<coord.Lease>('kite.coordination.v1', 'coordination.k8s.io', 'Lease', 'Leases',
  { namespaced: true, hasStatus: false, shortNames: [] },
  coord.Lease, coord.LeaseList, coordSvc.LeaseWatchEvent, coordSvc.LeaseServiceService);
export const ReplicaSets = kindInfo<apps.ReplicaSet>('kite.apps.v1', 'apps', 'ReplicaSet', 'ReplicaSets',
  { namespaced: true, hasStatus: true, hasScale: true, shortNames: ['rs'] },
  apps.ReplicaSet, apps.ReplicaSetList, appsSvc.ReplicaSetWatchEvent, appsSvc.ReplicaSetServiceService);
export const Deployments = kindInfo<apps.Deployment>('kite.apps.v1', 'apps', 'Deployment', 'Deployments',
  { namespaced: true, hasStatus: true, hasScale: true, shortNames: ['deploy'] },
  apps.Deployment, apps.DeploymentList, appsSvc.DeploymentWatchEvent, appsSvc.DeploymentServiceService);
export const ResourceQuotas = kindInfo<core.ResourceQuota>('kite.core.v1', '', 'ResourceQuota', 'ResourceQuotas',
  { namespaced: true, hasStatus: true, shortNames: ['quota'] },
  core.ResourceQuota, core.ResourceQuotaList, coreSvc.ResourceQuotaWatchEvent, coreSvc.ResourceQuotaServiceService);
export const LimitRanges = kindInfo<core.LimitRange>('kite.core.v1', '', 'LimitRange', 'LimitRanges',
  { namespaced: true, hasStatus: false, shortNames: ['limits'] },
  core.LimitRange, core.LimitRangeList, coreSvc.LimitRangeWatchEvent, coreSvc.LimitRangeServiceService);
export const Roles = kindInfo<rbac.Role>('kite.rbac.v1', 'rbac.authorization.k8s.io', 'Role', 'Roles',
  { namespaced: true, hasStatus: false, shortNames: [] },
  rbac.Role, rbac.RoleList, rbacSvc.RoleWatchEvent, rbacSvc.RoleServiceService);
export const ClusterRoles = kindInfo<rbac.ClusterRole>('kite.rbac.v1', 'rbac.authorization.k8s.io', 'ClusterRole', 'ClusterRoles',
  { namespaced: false, hasStatus: false, shortNames: [] },
  rbac.ClusterRole, rbac.ClusterRoleList, rbacSvc.ClusterRoleWatchEvent, rbacSvc.ClusterRoleServiceService);
export const RoleBindings = kindInfo<rbac.RoleBinding>('kite.rbac.v1', 'rbac.authorization.k8s.io', 'RoleBinding', 'RoleBindings',
  { namespaced: true, hasStatus: false, shortNames: [] },
  rbac.RoleBinding, rbac.RoleBindingList, rbacSvc.RoleBindingWatchEvent, rbacSvc.RoleBindingServiceService);
export const ClusterRoleBindings = kindInfo<rbac.ClusterRoleBinding>('kite.rbac.v1', 'rbac.authorization.k8s.io', 'ClusterRoleBinding', 'ClusterRoleBindings',
  { namespaced: false, hasStatus: false, shortNames: [] },
  rbac.ClusterRoleBinding, rbac.ClusterRoleBindingList, rbacSvc.ClusterRoleBindingWatchEvent, rbacSvc.ClusterRoleBindingServiceService);

export const ALL_KINDS: readonly KindInfo<any>[] = [
  Namespaces, Nodes, Pods, Services, EndpointsKind, Events, Leases, ReplicaSets, Deployments,
  ResourceQuotas, LimitRanges, Roles, ClusterRoles, RoleBindings, ClusterRoleBindings,
];

/**
 * Finds a kind by the names kubectl accepts: kind ("Pod"), resource ("pods"), singular ("pod"),
 * short name ("po"), optionally qualified by group ("deployments.apps"). Case-insensitive.
 */
export function lookupKind(name: string): KindInfo<any> | undefined {
  const lower = name.toLowerCase();
  const [base, ...groupParts] = lower.split('.');
  const group = groupParts.join('.');
  return ALL_KINDS.find((k) => {
    if (group && k.group !== group) return false;
    const b = group ? base : lower;
    return k.kind.toLowerCase() === b || k.resource === b || k.shortNames.includes(b);
  });
}

/** Finds a kind by a manifest's apiVersion and kind. */
export function kindFor(apiVersion: string, kind: string): KindInfo<any> | undefined {
  return ALL_KINDS.find((k) => k.kind === kind && k.apiVersion === apiVersion);
}

/** "namespace/name" for namespaced objects, "name" otherwise: the key informers and workqueues use. */
export function objectKey(obj: { metadata?: ObjectMeta | undefined }): string {
  const m = obj.metadata;
  if (!m) return '';
  return m.namespace ? `${m.namespace}/${m.name}` : m.name;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export type { ObjectMeta };
