// The default roles and bindings every cluster starts with (Kubernetes' bootstrap policy, cut
// to Kite's resources): cluster-admin for system:masters, access reviews for everyone
// authenticated, one role per control-plane component, and view/edit for people. They are
// created at apiserver start when missing; those still marked autoupdate are put back in shape
// (missing rules or subjects restored) so upgrades reach existing clusters.
import { isAlreadyExists } from '../../../../lib/api/errors';
import type { KubeObject } from '../../../../lib/api/kinds';
import { ClusterRole, ClusterRoleBinding, PolicyRule } from '../../../../lib/gen/kite/rbac/v1/types';
import type { Registry } from '../../registry/registry';
import { KUBELET_API_CLIENT_USER } from '../../../../lib/pki/cluster-pki';
import { AUTHENTICATED_GROUP, MASTERS_GROUP } from '../user-info';
import { RBAC_GROUP } from './rbac-validation';

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

const bindTo = (name: string, role: string, kind: 'User' | 'Group', subject: string) =>
  ClusterRoleBinding.fromPartial({
    metadata: meta(name),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    subjects: [{ kind, apiGroup: RBAC_GROUP, name: subject, namespace: '' }],
  });

const NAMESPACED_READ = [
  rule(READ, [''], ['pods', 'pods/log', 'pods/status', 'services', 'services/status', 'endpoints', 'events', 'resourcequotas', 'resourcequotas/status', 'limitranges', 'namespaces', 'namespaces/status']),
  rule(READ, ['apps'], ['deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status']),
];

export const BOOTSTRAP_CLUSTER_ROLES: ClusterRole[] = [
  clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), PolicyRule.fromPartial({ verbs: ['*'], nonResourceURLs: ['*'] })]),
  clusterRole('system:basic-user', [
    rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews']),
    rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
  ]),
  clusterRole('system:kube-scheduler', [
    rule(['create', 'patch', 'update'], [''], ['events']),
    rule(['create', 'get', 'list', 'watch', 'update'], ['coordination.k8s.io'], ['leases']),
    rule(READ, [''], ['nodes', 'namespaces', 'services', 'endpoints', 'resourcequotas']),
    rule([...READ, 'delete'], [''], ['pods']),
    rule(['create'], [''], ['pods/binding']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(READ, ['apps'], ['replicasets', 'deployments']),
  ]),
  // One identity runs every controller (garbage collector and namespace deletion touch every
  // resource), so it may do anything to objects, but not impersonate.
  clusterRole('system:kube-controller-manager', [rule([...READ, ...WRITE], ['*'], ['*'])]),
  clusterRole('system:node-proxier', [
    rule(READ, [''], ['services', 'endpoints', 'nodes']),
    rule(['create', 'patch', 'update'], [''], ['events']),
  ]),
  // Everything on a kubelet's endpoint (exec, logs, stats, metrics): the apiserver's kubelet client.
  clusterRole('system:kubelet-api-admin', [
    rule(READ, [''], ['nodes']),
    rule(['proxy'], [''], ['nodes']),
    rule(['*'], [''], ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log']),
  ]),
  clusterRole('view', NAMESPACED_READ),
  clusterRole('edit', [
    ...NAMESPACED_READ,
    rule(WRITE, [''], ['pods', 'services', 'endpoints']),
    rule(['create'], [''], ['pods/exec']),
    rule(WRITE, ['apps'], ['deployments', 'replicasets', 'deployments/scale', 'replicasets/scale']),
  ]),
];

export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: ClusterRoleBinding[] = [
  bindTo('cluster-admin', 'cluster-admin', 'Group', MASTERS_GROUP),
  bindTo('system:basic-user', 'system:basic-user', 'Group', AUTHENTICATED_GROUP),
  bindTo('system:kube-scheduler', 'system:kube-scheduler', 'User', 'system:kube-scheduler'),
  bindTo('system:kube-controller-manager', 'system:kube-controller-manager', 'User', 'system:kube-controller-manager'),
  bindTo('system:node-proxier', 'system:node-proxier', 'User', 'system:kube-proxy'),
  bindTo('system:kubelet-api-admin', 'system:kubelet-api-admin', 'User', KUBELET_API_CLIENT_USER),
];

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

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
    Promise.all(BOOTSTRAP_CLUSTER_ROLES.map((role) => ensure(clusterRoles, role, (stored) => (same(stored.rules, role.rules) ? undefined : { ...stored, rules: role.rules })))),
    Promise.all(
      BOOTSTRAP_CLUSTER_ROLE_BINDINGS.map((b) =>
        ensure(bindings, b, (stored) => {
          const missing = b.subjects.filter((s) => !stored.subjects.some((t) => same(s, t)));
          return missing.length ? { ...stored, subjects: [...stored.subjects, ...missing] } : undefined;
        }),
      ),
    ),
  ]);
  // Each cache's revision advances with its own kind's events only. A cache slower than
  // waitFor's deadline catches up later; until then requests it would allow are refused.
  await Promise.all([
    clusterRoles.cache.waitFor(Math.max(0, ...roleRevisions)).catch(() => undefined),
    bindings.cache.waitFor(Math.max(0, ...bindingRevisions)).catch(() => undefined),
  ]);
}
