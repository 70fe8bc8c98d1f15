// The default roles and bindings every cluster starts with (Kubernetes' bootstrap policy, cut
// to Kite's resources): cluster-admin for system:masters, access reviews and discovery for
// everyone authenticated, health and version for everyone (system:public-info-viewer), one role
// per control-plane component, and view/edit for people. They are
// created at apiserver start when missing; those still marked autoupdate are put back in shape
// (a role's rules replaced by this version's, narrower ones included; missing subjects restored)
// so upgrades reach existing clusters.
import { isAlreadyExists } from '../../../../lib/api/errors';
import { ALL_KINDS, type KubeObject } from '../../../../lib/api/kinds';
import { ClusterRole, ClusterRoleBinding, PolicyRule } from '../../../../lib/gen/kite/rbac/v1/types';
import type { Registry } from '../../registry/registry';
import { KUBELET_API_CLIENT_USER } from '../../../../lib/pki/cluster-pki';
import { AUTHENTICATED_GROUP, MASTERS_GROUP, UNAUTHENTICATED_GROUP } from '../user-info';
import { RBAC_GROUP } from '../../registry/validation/rbac-validation';
import { jsonEqual } from '../../../../lib/util/json';

const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];

const rule = (verbs: string[], apiGroups: string[], resources: string[], resourceNames: string[] = []): PolicyRule =>
  PolicyRule.fromPartial({ verbs, apiGroups, resources, resourceNames });

const meta = (name: string) => ({
  name,
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { [AUTOUPDATE]: 'true' },
});

const clusterRole = (name: string, rules: PolicyRule[]) => ClusterRole.fromPartial({ metadata: meta(name), rules });

const bindTo = (name: string, role: string, kind: 'User' | 'Group', ...subjects: string[]) =>
  ClusterRoleBinding.fromPartial({
    metadata: meta(name),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    subjects: subjects.map((subject) => ({ kind, apiGroup: RBAC_GROUP, name: subject, namespace: '' })),
  });

const nonResource = (verbs: string[], urls: string[]) => PolicyRule.fromPartial({ verbs, nonResourceURLs: urls });

/**
 * Kubernetes' user-facing "view" and "edit" ClusterRoles, from the kinds' declarations (their
 * userRole): view reads every kind it covers with its status, scale and log; edit also writes
 * the kinds it covers, their scale, execs into, attaches to and port-forwards to pods, creates service-account tokens
 * (serviceaccounts/token) and evicts pods (pods/eviction), as Kubernetes' edit role does. An "edit-only" kind (Secrets) is read
 * and written by edit and not seen by view. One rule per API group and verb set.
 */
function userRoleRules(role: 'view' | 'edit'): PolicyRule[] {
  const read = new Map<string, string[]>();
  const write = new Map<string, string[]>();
  const exec = new Map<string, string[]>();
  const add = (m: Map<string, string[]>, group: string, ...resources: string[]) => m.set(group, [...(m.get(group) ?? []), ...resources]);
  for (const k of ALL_KINDS) {
    const d = k.declaration;
    if (!d.userRole) continue;
    if (d.userRole === 'edit-only' && role === 'view') continue;
    add(read, k.group, k.resource, ...(d.streams ? [`${k.resource}/log`] : []), ...(d.status ? [`${k.resource}/status`] : []), ...(d.scale ? [`${k.resource}/scale`] : []));
    if (role === 'edit' && (d.userRole === 'edit' || d.userRole === 'edit-only')) {
      add(write, k.group, k.resource, ...(d.scale ? [`${k.resource}/scale`] : []));
      if (d.streams) add(exec, k.group, `${k.resource}/exec`, `${k.resource}/attach`, `${k.resource}/portforward`);
      if (d.token) add(exec, k.group, `${k.resource}/token`);
      if (d.eviction) add(exec, k.group, `${k.resource}/eviction`);
    }
  }
  return [
    ...[...read].map(([group, resources]) => rule(READ, [group], resources)),
    ...[...write].map(([group, resources]) => rule(WRITE, [group], resources)),
    ...[...exec].map(([group, resources]) => rule(['create'], [group], resources)),
  ];
}

const EVENTS = rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);

/** Creating the component's Lease, then reading and renewing only that one. */
const leaderElection = (lease: string) => [rule(['create'], ['coordination.k8s.io'], ['leases']), rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], [lease])];

/**
 * `verbs` on every kind the apiserver serves, one rule per API group. Kubernetes writes "*" for
 * the resource here; naming the kinds keeps subresources (pods/exec, pods/log, nodes/proxy) out.
 */
const everyResource = (verbs: string[]): PolicyRule[] => {
  const byGroup = new Map<string, string[]>();
  for (const k of ALL_KINDS) byGroup.set(k.group, [...(byGroup.get(k.group) ?? []), k.resource]);
  return [...byGroup].map(([group, resources]) => rule(verbs, [group], resources));
};

/**
 * Kite's controller-manager runs every controller as one identity (Kubernetes' kube-controller-manager
 * without --use-service-account-credentials), so its role is Kubernetes' own plus the per-controller
 * roles (system:controller:*) of the controllers it runs, cut to Kite's resources.
 */
const CONTROLLER_RULES: Record<string, PolicyRule[]> = {
  // system:kube-controller-manager: events, leader election, every informer's list and watch.
  base: [EVENTS, ...leaderElection('kube-controller-manager'), ...everyResource(['list', 'watch'])],
  replicaset: [
    rule(['get', 'list', 'watch', 'update'], ['apps'], ['replicasets']),
    rule(['update'], ['apps'], ['replicasets/status', 'replicasets/finalizers']),
    rule(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
  ],
  deployment: [
    rule(['get', 'list', 'watch', 'update'], ['apps'], ['deployments']),
    rule(['update'], ['apps'], ['deployments/status', 'deployments/finalizers']),
    rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], ['apps'], ['replicasets']),
    rule(['get', 'list', 'watch', 'update'], [''], ['pods']),
  ],
  // system:controller:job-controller: the pods of Jobs, their tracking finalizers, Job status.
  job: [
    rule(['get', 'list', 'watch', 'update', 'patch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['jobs/status', 'jobs/finalizers']),
    rule(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
  ],
  // system:controller:ttl-after-finished-controller: finished Jobs past their TTL.
  'ttl-after-finished': [rule(['get', 'list', 'watch', 'delete'], ['batch'], ['jobs'])],
  // system:controller:cronjob-controller: the Jobs of CronJobs, their status and pruning.
  cronjob: [
    rule(['get', 'list', 'watch', 'update'], ['batch'], ['cronjobs']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['cronjobs/status', 'cronjobs/finalizers']),
    rule(['list', 'delete'], [''], ['pods']),
  ],
  // system:controller:statefulset-controller: the pods, claims and revisions of StatefulSets.
  statefulset: [
    rule(['get', 'list', 'watch'], ['apps'], ['statefulsets']),
    rule(['update'], ['apps'], ['statefulsets/status', 'statefulsets/finalizers']),
    rule(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], [''], ['pods']),
    rule(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], ['apps'], ['controllerrevisions']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], [''], ['persistentvolumeclaims']),
  ],
  // system:controller:daemon-set-controller: the pods and revisions of DaemonSets.
  daemonset: [
    rule(['get', 'list', 'watch'], ['apps'], ['daemonsets']),
    rule(['update'], ['apps'], ['daemonsets/status', 'daemonsets/finalizers']),
    rule(['list', 'watch'], [''], ['nodes']),
    rule(['list', 'watch', 'create', 'delete', 'patch', 'update'], [''], ['pods']),
    rule(['create'], [''], ['pods/binding']),
    rule(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], ['apps'], ['controllerrevisions']),
  ],
  // system:controller:disruption-controller: budgets' status from their pods and the pods' controllers.
  disruption: [
    rule(['get', 'list', 'watch'], ['apps'], ['deployments', 'replicasets', 'statefulsets']),
    rule(['get', 'list', 'watch'], ['policy'], ['poddisruptionbudgets']),
    rule(['update'], ['policy'], ['poddisruptionbudgets/status']),
    rule(['patch', 'update'], [''], ['pods/status']),
  ],
  // system:controller:horizontal-pod-autoscaler: the scale of the targets, their pods' metrics, HPA status.
  horizontalpodautoscaling: [
    rule(['get', 'list', 'watch'], ['autoscaling'], ['horizontalpodautoscalers']),
    rule(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
    rule(['get', 'update'], ['apps'], ['deployments/scale', 'replicasets/scale', 'statefulsets/scale']),
    rule(['list'], [''], ['pods']),
    rule(['list'], ['metrics.k8s.io'], ['pods']),
  ],
  endpoint: [
    rule(READ, [''], ['services', 'pods']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], [''], ['endpoints']),
  ],
  // endpointslice-controller: the EndpointSlices of Services with a selector, owned by them.
  endpointslice: [
    rule(['get', 'list', 'watch'], [''], ['services', 'pods', 'nodes']),
    rule(['update'], [''], ['services/finalizers']),
    rule(['get', 'list', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
  ],
  // endpointslicemirroring-controller: the EndpointSlices of selector-less Services' Endpoints.
  endpointslicemirroring: [
    rule(['get', 'list', 'watch'], [''], ['services', 'endpoints']),
    rule(['update'], [''], ['services/finalizers', 'endpoints/finalizers']),
    rule(['get', 'list', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
  ],
  // node-controller: node lifecycle (taints, eviction, Ready=Unknown) and node IPAM (podCIDR).
  node: [
    rule(['get', 'list', 'watch', 'update', 'delete', 'patch'], [''], ['nodes']),
    rule(['patch', 'update'], [''], ['nodes/status', 'pods/status']),
    rule(['list', 'watch', 'get', 'delete'], [''], ['pods']),
  ],
  namespace: [
    rule(['get', 'list', 'watch', 'delete'], [''], ['namespaces']),
    rule(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
    ...everyResource(['get', 'list', 'watch', 'delete', 'deletecollection']),
  ],
  garbagecollector: everyResource(['get', 'list', 'watch', 'patch', 'update', 'delete']),
  // system:controller:pod-garbage-collector: terminated, orphaned and unscheduled terminating pods.
  'pod-garbage-collector': [
    rule(['list', 'watch', 'delete'], [''], ['pods']),
    rule(['get', 'list'], [''], ['nodes']),
    rule(['patch'], [''], ['pods/status']),
  ],
  // service-account-controller: the default ServiceAccount of every namespace.
  serviceaccount: [rule(['create'], [''], ['serviceaccounts'])],
  // root-ca-cert-publisher: the kube-root-ca.crt ConfigMap of every namespace.
  'root-ca-cert-publisher': [rule(['create', 'update'], [''], ['configmaps'])],
  // system:controller:persistent-volume-binder: binding claims and volumes, their status, reclaiming.
  'persistentvolume-binder': [
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], [''], ['persistentvolumes']),
    rule(['update'], [''], ['persistentvolumes/status', 'persistentvolumeclaims/status']),
    rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
    rule(['get', 'list', 'watch'], ['storage.k8s.io'], ['storageclasses']),
  ],
  // system:controller:pvc-protection-controller and pv-protection-controller: their finalizers.
  'pvc-protection': [rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']), rule(['get', 'list', 'watch'], [''], ['pods'])],
  'pv-protection': [rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumes'])],
  // rancher's local-path-provisioner-role: volumes for claims, helper pods to remove their data.
  'local-path-provisioner': [
    rule(['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'], [''], ['persistentvolumes']),
    rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
    rule(['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'], [''], ['pods']),
    rule(['get', 'list', 'watch'], ['storage.k8s.io'], ['storageclasses']),
  ],
  // system:controller:metrics-scraper (Kite's metrics-server, services/controller-manager/metrics):
  // metrics-server's system:metrics-server role (the kubelets' stats and metrics, the nodes and
  // pods it scrapes for) and the metrics API's objects it writes.
  'metrics-scraper': [
    rule(['get'], [''], ['nodes/stats', 'nodes/metrics']),
    rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], ['metrics.k8s.io'], ['nodes', 'pods']),
  ],
};
const CONTROLLER_MANAGER_RULES = Object.values(CONTROLLER_RULES).flat();

export const BOOTSTRAP_CLUSTER_ROLES: ClusterRole[] = [
  clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), PolicyRule.fromPartial({ verbs: ['*'], nonResourceURLs: ['*'] })]),
  clusterRole('system:basic-user', [
    rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
  ]),
  // Enough to tell whether the server is ready and to negotiate API versions.
  clusterRole('system:discovery', [nonResource(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'])]),
  // What anyone may read, credentials or none.
  clusterRole('system:public-info-viewer', [nonResource(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/'])]),
  clusterRole('system:kube-scheduler', [
    EVENTS,
    ...leaderElection('kube-scheduler'),
    rule(READ, [''], ['nodes']),
    rule([...READ, 'delete'], [''], ['pods']),
    rule(['create'], [''], ['pods/binding']),
    rule(['patch', 'update'], [''], ['pods/status']),
    // What selects pods (spreading) and what pod affinity's namespaceSelector reads.
    rule(READ, [''], ['services', 'namespaces']),
    rule(READ, ['apps'], ['replicasets', 'statefulsets']),
    // What preemption respects.
    rule(READ, ['policy'], ['poddisruptionbudgets']),
    // The VolumeBinding plugin's informers.
    rule(READ, [''], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(READ, ['storage.k8s.io'], ['storageclasses']),
  ]),
  // What the scheduler's volume binder writes: claimRef on volumes, selected-node on claims.
  clusterRole('system:volume-scheduler', [
    rule([...READ, 'patch', 'update'], [''], ['persistentvolumes']),
    rule(READ, ['storage.k8s.io'], ['storageclasses']),
    rule([...READ, 'patch', 'update'], [''], ['persistentvolumeclaims']),
  ]),
  clusterRole('system:kube-controller-manager', CONTROLLER_MANAGER_RULES),
  clusterRole('system:node-proxier', [
    rule(['list', 'watch'], [''], ['services', 'endpoints']),
    rule(READ, [''], ['nodes']),
    EVENTS,
    rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
  ]),
  // kite-proxy's network policy agent (it runs as system:kube-proxy): what kindnet's ClusterRole
  // grants its policy controller, kept apart so system:node-proxier stays Kubernetes' role.
  clusterRole('system:kite:network-policy-agent', [
    rule(['list', 'watch'], [''], ['pods', 'namespaces']),
    rule(['list', 'watch'], ['networking.k8s.io'], ['networkpolicies']),
  ]),
  // Everything on a kubelet's endpoint (exec, logs, stats, metrics): the apiserver's kubelet client.
  clusterRole('system:kubelet-api-admin', [
    rule(READ, [''], ['nodes']),
    rule(['proxy'], [''], ['nodes']),
    rule(['*'], [''], ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log']),
  ]),
  // Prometheus and health checkers: the non-resource URLs kube-apiserver serves them.
  clusterRole('system:monitoring', [
    nonResource(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/readyz', '/readyz/*', '/metrics', '/metrics/slis']),
  ]),
  clusterRole('view', userRoleRules('view')),
  clusterRole('edit', userRoleRules('edit')),
];

export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: ClusterRoleBinding[] = [
  bindTo('cluster-admin', 'cluster-admin', 'Group', MASTERS_GROUP),
  bindTo('system:basic-user', 'system:basic-user', 'Group', AUTHENTICATED_GROUP),
  bindTo('system:discovery', 'system:discovery', 'Group', AUTHENTICATED_GROUP),
  bindTo('system:public-info-viewer', 'system:public-info-viewer', 'Group', AUTHENTICATED_GROUP, UNAUTHENTICATED_GROUP),
  bindTo('system:kube-scheduler', 'system:kube-scheduler', 'User', 'system:kube-scheduler'),
  bindTo('system:volume-scheduler', 'system:volume-scheduler', 'User', 'system:kube-scheduler'),
  bindTo('system:kube-controller-manager', 'system:kube-controller-manager', 'User', 'system:kube-controller-manager'),
  bindTo('system:node-proxier', 'system:node-proxier', 'User', 'system:kube-proxy'),
  bindTo('system:kite:network-policy-agent', 'system:kite:network-policy-agent', 'User', 'system:kube-proxy'),
  bindTo('system:monitoring', 'system:monitoring', 'Group', 'system:monitoring'),
  // Named as kubeadm (kind's installer) names it.
  bindTo('kubeadm:apiserver-kubelet-client', 'system:kubelet-api-admin', 'User', KUBELET_API_CLIENT_USER),
];

/** Creates `desired`, or repairs the stored copy if it is still marked autoupdate; returns the revision written (0: none). */
async function ensure<T extends KubeObject>(reg: Registry<T>, desired: T, repair: (stored: T) => T | undefined): Promise<number> {
  const name = desired.metadata!.name;
  try {
    const created = await reg.create('', reg.kind.type.fromPartial(desired));
    return Number(created.metadata!.resourceVersion);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const stored = await reg.get('', name);
  if (stored.metadata?.annotations[AUTOUPDATE] !== 'true') return 0;
  const next = repair(stored);
  if (!next) return 0;
  const updated = await reg.update(next);
  return Number(updated.metadata!.resourceVersion);
}

/**
 * Ensures the bootstrap policy exists and waits until the watch caches (which the authorizer
 * reads) show it. All writes go out at once, so storage commits them together.
 */
export async function ensureBootstrapPolicy(clusterRoles: Registry<ClusterRole>, bindings: Registry<ClusterRoleBinding>): Promise<void> {
  const [roleRevisions, bindingRevisions] = await Promise.all([
    Promise.all(BOOTSTRAP_CLUSTER_ROLES.map((role) => ensure(clusterRoles, role, (stored) => (jsonEqual(stored.rules, role.rules) ? undefined : { ...stored, rules: role.rules })))),
    Promise.all(
      BOOTSTRAP_CLUSTER_ROLE_BINDINGS.map((b) =>
        ensure(bindings, b, (stored) => {
          const missing = b.subjects.filter((s) => !stored.subjects.some((t) => jsonEqual(s, t)));
          return missing.length ? { ...stored, subjects: [...stored.subjects, ...missing] } : undefined;
        }),
      ),
    ),
  ]);
  // Each cache's revision advances with its own kind's events only. A cache slower than
  // waitFor's deadline catches up later; until then requests it would allow are refused.
  await Promise.all([
    clusterRoles.waitForCache(Math.max(0, ...roleRevisions)).catch(() => undefined),
    bindings.waitForCache(Math.max(0, ...bindingRevisions)).catch(() => undefined),
  ]);
}
