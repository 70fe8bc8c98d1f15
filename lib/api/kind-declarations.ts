// The one declaration of every API kind: its names, group, scope and subresources. Everything
// else is derived from it: scripts/gen-kinds.ts writes the <Kind>Service protos and the typed
// kind table (lib/gen/kite/kinds.ts) from it, the apiserver serves and authorizes by it, clients
// call by it, kitectl resolves names by it. Adding a kind: its messages in proto, one entry
// here, its strategy and its printer columns (docs/adding-a-kind.md).
//
// This file imports nothing generated, so the generator can read it before any code exists.

/** An API group as Kite's protos lay it out. */
export interface ApiGroupDeclaration {
  /** Kubernetes' group name: "" for the core group. */
  group: string;
  /** "v1", or "v2" (autoscaling): each group is served at one version. */
  version: string;
  /** The proto package ("kite.core.v1"). */
  protoPackage: string;
  /** Folder under proto/kite and lib/gen/kite ("core"). */
  dir: string;
  /** The proto file (under proto/, without ".proto") holding the kinds' messages. */
  typesProto: string;
}

export const API_GROUPS = {
  core: { group: '', version: 'v1', protoPackage: 'kite.core.v1', dir: 'core', typesProto: 'kite/core/v1/types' },
  coordination: { group: 'coordination.k8s.io', version: 'v1', protoPackage: 'kite.coordination.v1', dir: 'coordination', typesProto: 'kite/coordination/v1/lease' },
  apps: { group: 'apps', version: 'v1', protoPackage: 'kite.apps.v1', dir: 'apps', typesProto: 'kite/apps/v1/types' },
  rbac: { group: 'rbac.authorization.k8s.io', version: 'v1', protoPackage: 'kite.rbac.v1', dir: 'rbac', typesProto: 'kite/rbac/v1/types' },
  discovery: { group: 'discovery.k8s.io', version: 'v1', protoPackage: 'kite.discovery.v1', dir: 'discovery', typesProto: 'kite/discovery/v1/types' },
  networking: { group: 'networking.k8s.io', version: 'v1', protoPackage: 'kite.networking.v1', dir: 'networking', typesProto: 'kite/networking/v1/types' },
  batch: { group: 'batch', version: 'v1', protoPackage: 'kite.batch.v1', dir: 'batch', typesProto: 'kite/batch/v1/types' },
  policy: { group: 'policy', version: 'v1', protoPackage: 'kite.policy.v1', dir: 'policy', typesProto: 'kite/policy/v1/types' },
  storage: { group: 'storage.k8s.io', version: 'v1', protoPackage: 'kite.storage.v1', dir: 'storage', typesProto: 'kite/storage/v1/types' },
  scheduling: { group: 'scheduling.k8s.io', version: 'v1', protoPackage: 'kite.scheduling.v1', dir: 'scheduling', typesProto: 'kite/scheduling/v1/types' },
  autoscaling: { group: 'autoscaling', version: 'v2', protoPackage: 'kite.autoscaling.v2', dir: 'autoscaling', typesProto: 'kite/autoscaling/v2/types' },
  metrics: { group: 'metrics.k8s.io', version: 'v1beta1', protoPackage: 'kite.metrics.v1beta1', dir: 'metrics', typesProto: 'kite/metrics/v1beta1/types' },
} as const satisfies Record<string, ApiGroupDeclaration>;

export type ApiGroupName = keyof typeof API_GROUPS;

export interface KindDeclaration {
  /** "Pod": the message name and the kind in manifests. */
  kind: string;
  /** "Pods": used in method names (ListPods) and, lowercased, as the resource ("pods") unless `resource` says otherwise. */
  plural: string;
  /**
   * The resource when it is not the lowercased plural: the metrics API serves NodeMetrics and
   * PodMetrics as `nodes` and `pods` of metrics.k8s.io, so a resource alone does not name a kind
   * (key by group and resource).
   */
  resource?: string;
  apiGroup: ApiGroupName;
  namespaced: boolean;
  /** Has the status subresource (Update<Kind>Status). */
  status: boolean;
  /** Has the scale subresource (Get/Update<Kind>Scale). */
  scale?: boolean;
  /** Has the binding subresource (Bind<Kind>). */
  bind?: boolean;
  /** Has the log and exec streams the apiserver proxies to kubelets. */
  streams?: boolean;
  /** Has the token subresource (Create<Kind>Token: serviceaccounts/token, a TokenRequest). */
  token?: boolean;
  /** Has the eviction subresource (Evict<Kind>: pods/eviction, a policy/v1 Eviction). */
  eviction?: boolean;
  /** kubectl's short names ("po"). */
  shortNames: readonly string[];
  /** Discovery's categories: "all" for the workload kinds `kubectl get all` lists, as Kubernetes puts them there. */
  categories?: readonly string[];
  /**
   * Which of Kubernetes' user-facing ClusterRoles cover the kind (their aggregation labels):
   * "view" reads it (and its status, scale and log), "edit" also writes it (and scale, exec);
   * "edit-only": edit reads and writes it, view does not see it at all (Secrets, as Kubernetes'
   * view role leaves them out). Absent: neither (e.g. RBAC kinds, which only admins manage).
   */
  userRole?: 'view' | 'edit' | 'edit-only';
  /**
   * Kept in the apiserver's memory only, never in SQLite or etcd, and read-only in discovery
   * (get, list: the verbs metrics-server serves); its writer (the controller-manager's
   * metrics-scraper) still writes through the <Kind>Service, as RBAC allows it.
   */
  ephemeral?: boolean;
}

export const KIND_DECLARATIONS: readonly KindDeclaration[] = [
  { kind: 'Namespace', plural: 'Namespaces', apiGroup: 'core', namespaced: false, status: true, shortNames: ['ns'], userRole: 'view' },
  { kind: 'Node', plural: 'Nodes', apiGroup: 'core', namespaced: false, status: true, shortNames: ['no'] },
  { kind: 'Pod', plural: 'Pods', apiGroup: 'core', namespaced: true, status: true, bind: true, streams: true, eviction: true, categories: ['all'], shortNames: ['po'], userRole: 'edit' },
  { kind: 'Service', plural: 'Services', apiGroup: 'core', namespaced: true, status: true, categories: ['all'], shortNames: ['svc'], userRole: 'edit' },
  { kind: 'Endpoints', plural: 'Endpoints', apiGroup: 'core', namespaced: true, status: false, shortNames: ['ep'], userRole: 'edit' },
  { kind: 'Event', plural: 'Events', apiGroup: 'core', namespaced: true, status: false, shortNames: ['ev'], userRole: 'view' },
  { kind: 'Lease', plural: 'Leases', apiGroup: 'coordination', namespaced: true, status: false, shortNames: [] },
  { kind: 'ReplicaSet', plural: 'ReplicaSets', apiGroup: 'apps', namespaced: true, status: true, scale: true, categories: ['all'], shortNames: ['rs'], userRole: 'edit' },
  { kind: 'Deployment', plural: 'Deployments', apiGroup: 'apps', namespaced: true, status: true, scale: true, categories: ['all'], shortNames: ['deploy'], userRole: 'edit' },
  { kind: 'ResourceQuota', plural: 'ResourceQuotas', apiGroup: 'core', namespaced: true, status: true, shortNames: ['quota'], userRole: 'view' },
  { kind: 'LimitRange', plural: 'LimitRanges', apiGroup: 'core', namespaced: true, status: false, shortNames: ['limits'], userRole: 'view' },
  { kind: 'ConfigMap', plural: 'ConfigMaps', apiGroup: 'core', namespaced: true, status: false, shortNames: ['cm'], userRole: 'edit' },
  { kind: 'Secret', plural: 'Secrets', apiGroup: 'core', namespaced: true, status: false, shortNames: [], userRole: 'edit-only' },
  { kind: 'ServiceAccount', plural: 'ServiceAccounts', apiGroup: 'core', namespaced: true, status: false, token: true, shortNames: ['sa'], userRole: 'edit' },
  { kind: 'Role', plural: 'Roles', apiGroup: 'rbac', namespaced: true, status: false, shortNames: [] },
  { kind: 'ClusterRole', plural: 'ClusterRoles', apiGroup: 'rbac', namespaced: false, status: false, shortNames: [] },
  { kind: 'RoleBinding', plural: 'RoleBindings', apiGroup: 'rbac', namespaced: true, status: false, shortNames: [] },
  { kind: 'ClusterRoleBinding', plural: 'ClusterRoleBindings', apiGroup: 'rbac', namespaced: false, status: false, shortNames: [] },
  { kind: 'EndpointSlice', plural: 'EndpointSlices', apiGroup: 'discovery', namespaced: true, status: false, shortNames: [], userRole: 'view' },
  { kind: 'NetworkPolicy', plural: 'NetworkPolicies', apiGroup: 'networking', namespaced: true, status: false, shortNames: ['netpol'], userRole: 'edit' },
  { kind: 'Job', plural: 'Jobs', apiGroup: 'batch', namespaced: true, status: true, categories: ['all'], shortNames: [], userRole: 'edit' },
  { kind: 'CronJob', plural: 'CronJobs', apiGroup: 'batch', namespaced: true, status: true, categories: ['all'], shortNames: ['cj'], userRole: 'edit' },
  { kind: 'DaemonSet', plural: 'DaemonSets', apiGroup: 'apps', namespaced: true, status: true, categories: ['all'], shortNames: ['ds'], userRole: 'edit' },
  { kind: 'StatefulSet', plural: 'StatefulSets', apiGroup: 'apps', namespaced: true, status: true, scale: true, categories: ['all'], shortNames: ['sts'], userRole: 'edit' },
  { kind: 'ControllerRevision', plural: 'ControllerRevisions', apiGroup: 'apps', namespaced: true, status: false, shortNames: [], userRole: 'view' },
  { kind: 'PersistentVolume', plural: 'PersistentVolumes', apiGroup: 'core', namespaced: false, status: true, shortNames: ['pv'] },
  { kind: 'PersistentVolumeClaim', plural: 'PersistentVolumeClaims', apiGroup: 'core', namespaced: true, status: true, shortNames: ['pvc'], userRole: 'edit' },
  { kind: 'StorageClass', plural: 'StorageClasses', apiGroup: 'storage', namespaced: false, status: false, shortNames: ['sc'] },
  { kind: 'PodDisruptionBudget', plural: 'PodDisruptionBudgets', apiGroup: 'policy', namespaced: true, status: true, shortNames: ['pdb'], userRole: 'edit' },
  { kind: 'PriorityClass', plural: 'PriorityClasses', apiGroup: 'scheduling', namespaced: false, status: false, shortNames: ['pc'] },
  { kind: 'HorizontalPodAutoscaler', plural: 'HorizontalPodAutoscalers', apiGroup: 'autoscaling', namespaced: true, status: true, categories: ['all'], shortNames: ['hpa'], userRole: 'edit' },
  { kind: 'NodeMetrics', plural: 'NodeMetrics', resource: 'nodes', apiGroup: 'metrics', namespaced: false, status: false, shortNames: [], userRole: 'view', ephemeral: true },
  { kind: 'PodMetrics', plural: 'PodMetrics', resource: 'pods', apiGroup: 'metrics', namespaced: true, status: false, shortNames: [], userRole: 'view', ephemeral: true },
];

/** What a <Kind>Service method does, whatever the kind: the key of typed method lookups. */
export type Verb =
  | 'create'
  | 'get'
  | 'list'
  | 'update'
  | 'updateStatus'
  | 'patch'
  | 'delete'
  | 'deleteCollection'
  | 'watch'
  | 'bind'
  | 'getScale'
  | 'updateScale'
  | 'logs'
  | 'exec'
  | 'attach'
  | 'portForward'
  | 'evict'
  | 'createToken';

/** The RPC names of a kind's service, by verb; verbs the kind does not have are absent. */
export type KindMethods = { readonly [V in Verb]?: string };

/** The methods of a kind's service, as the contract names them (CreatePod, ListPods, ...). */
export function kindMethods(d: KindDeclaration): KindMethods {
  const k = d.kind;
  return {
    create: `Create${k}`,
    get: `Get${k}`,
    list: `List${d.plural}`,
    update: `Update${k}`,
    ...(d.status ? { updateStatus: `Update${k}Status` } : {}),
    patch: `Patch${k}`,
    delete: `Delete${k}`,
    deleteCollection: `DeleteCollection${d.plural}`,
    watch: `Watch${d.plural}`,
    ...(d.bind ? { bind: `Bind${k}` } : {}),
    ...(d.scale ? { getScale: `Get${k}Scale`, updateScale: `Update${k}Scale` } : {}),
    ...(d.streams ? { logs: `${k}Logs`, exec: `Exec${k}`, attach: `Attach${k}`, portForward: `PortForward${k}` } : {}),
    ...(d.eviction ? { evict: `Evict${k}` } : {}),
    ...(d.token ? { createToken: `Create${k}Token` } : {}),
  };
}

/** The kind's resource ("pods", "deployments"; "nodes" for metrics.k8s.io's NodeMetrics). */
export function resourceOf(d: KindDeclaration): string {
  return d.resource ?? d.plural.toLowerCase();
}

/**
 * The exported name of a kind's table entry: its plural ("Pods"), or "<Kind>Kind" where the
 * plural is the kind's own name and would clash with the message type ("EndpointsKind").
 */
export function kindConstName(d: KindDeclaration): string {
  return d.plural === d.kind ? `${d.kind}Kind` : d.plural;
}
