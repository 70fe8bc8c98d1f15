// The bootstrap policy's control-plane roles, cut to Kubernetes' own: each component may do what
// its code does and nothing through a wildcard (no pods/exec, pods/log, nodes/proxy for the
// controller-manager); and an existing cluster's broader roles are replaced at start.
import { strict as assert } from 'node:assert';
import { AlreadyExistsError } from '../../../../../lib/api/errors';
import * as K from '../../../../../lib/api/kinds';
import { ClusterRole, ClusterRoleBinding, PolicyRule } from '../../../../../lib/gen/kite/rbac/v1/types';
import { BOOTSTRAP_CLUSTER_ROLES, BOOTSTRAP_CLUSTER_ROLE_BINDINGS, ensureBootstrapPolicy } from '../../../../../services/apiserver/auth/rbac/bootstrap-policy';
import { RbacAuthorizer } from '../../../../../services/apiserver/auth/rbac/rbac-authorizer';
import { resourceAttributes, type RequestAttributes } from '../../../../../services/apiserver/auth/request-attributes';
import type { Registry } from '../../../../../services/apiserver/registry/registry';
import { fakeRbacSources } from './fake-rbac-sources';

const COMPONENTS = ['system:kube-controller-manager', 'system:kube-scheduler', 'system:node-proxier'];
const G = 'rbac.authorization.k8s.io';
const role = (name: string) => BOOTSTRAP_CLUSTER_ROLES.find((r) => r.metadata!.name === name)!;
const user = (name: string) => ({ name, uid: '', groups: ['system:authenticated'] });
const a = (verb: string, apiGroup: string, res: string, namespace = '', name = ''): RequestAttributes => {
  const [resource, subresource = ''] = res.split('/');
  return resourceAttributes({ verb, apiGroup, resource, subresource, namespace, name });
};

/** Every call each component makes (grep of services/controller-manager, scheduler, kube-proxy, lib/events, lib/leaderelection). */
const USED: Record<string, RequestAttributes[]> = {
  'system:kube-controller-manager': [
    ...K.ALL_KINDS.flatMap((k) => [a('list', k.group, k.resource), a('watch', k.group, k.resource), a('get', k.group, k.resource, k.namespaced ? 'ns' : '', 'x')]),
    ...K.ALL_KINDS.flatMap((k) => [a('update', k.group, k.resource, k.namespaced ? 'ns' : '', 'x'), a('delete', k.group, k.resource, k.namespaced ? 'ns' : '', 'x')]),
    a('create', '', 'pods', 'ns'),
    a('create', 'apps', 'replicasets', 'ns'),
    a('update', 'apps', 'replicasets/status', 'ns', 'rs'),
    a('update', 'apps', 'deployments/status', 'ns', 'd'),
    a('create', 'batch', 'jobs', 'ns'),
    a('update', 'batch', 'cronjobs/status', 'ns', 'cj'),
    // statefulset-controller: pods, claims and revisions of StatefulSets, their status.
    a('create', '', 'persistentvolumeclaims', 'ns'),
    a('create', 'apps', 'controllerrevisions', 'ns'),
    a('update', 'apps', 'statefulsets/status', 'ns', 'web'),
    a('create', '', 'endpoints', 'ns'),
    a('create', 'discovery.k8s.io', 'endpointslices', 'ns'),
    a('update', '', 'services/finalizers', 'ns', 's'),
    a('update', '', 'endpoints/finalizers', 'ns', 'e'),
    a('update', '', 'nodes/status', '', 'n'),
    a('update', '', 'pods/status', 'ns', 'p'),
    a('create', '', 'events', 'ns'),
    a('patch', '', 'events', 'ns', 'e'),
    a('create', 'coordination.k8s.io', 'leases', 'kube-system'),
    a('update', 'coordination.k8s.io', 'leases', 'kube-system', 'kube-controller-manager'),
    // horizontal-pod-autoscaler: its targets' scale, its pods' metrics, HPA status.
    ...['deployments/scale', 'replicasets/scale', 'statefulsets/scale'].flatMap((r) => [a('get', 'apps', r, 'ns', 'x'), a('update', 'apps', r, 'ns', 'x')]),
    a('list', 'metrics.k8s.io', 'pods', 'ns'),
    a('update', 'autoscaling', 'horizontalpodautoscalers/status', 'ns', 'h'),
    // metrics-scraper: every kubelet's Summary (and resource metrics), the metrics API's objects.
    a('get', '', 'nodes/stats', '', 'n'),
    a('get', '', 'nodes/metrics', '', 'n'),
    a('create', 'metrics.k8s.io', 'nodes'),
    a('create', 'metrics.k8s.io', 'pods', 'ns'),
  ],
  'system:kube-scheduler': [
    a('list', '', 'pods'),
    a('watch', '', 'pods'),
    a('get', '', 'pods', 'ns', 'p'),
    a('list', '', 'nodes'),
    a('watch', '', 'nodes'),
    a('create', '', 'pods/binding', 'ns', 'p'),
    a('update', '', 'pods/status', 'ns', 'p'),
    a('create', '', 'events', 'ns'),
    a('patch', '', 'events', 'ns', 'e'),
    a('create', 'coordination.k8s.io', 'leases', 'kube-system'),
    a('get', 'coordination.k8s.io', 'leases', 'kube-system', 'kube-scheduler'),
    a('update', 'coordination.k8s.io', 'leases', 'kube-system', 'kube-scheduler'),
    // VolumeBinding: informers, claimRef on volumes, selected-node on claims (system:volume-scheduler).
    ...['persistentvolumeclaims', 'persistentvolumes'].flatMap((r) => [a('list', '', r), a('watch', '', r)]),
    a('list', 'storage.k8s.io', 'storageclasses'),
    a('watch', 'storage.k8s.io', 'storageclasses'),
    a('update', '', 'persistentvolumes', '', 'pv'),
    a('update', '', 'persistentvolumeclaims', 'ns', 'pvc'),
    // InterPodAffinity's namespaceSelector and PodTopologySpread's default selector.
    ...[['', 'namespaces'], ['', 'services'], ['apps', 'replicasets'], ['apps', 'statefulsets']].flatMap(([g, r]) => [a('list', g, r), a('watch', g, r)]),
    // Preemption: the budgets it respects, the victims' DisruptionTarget condition and their deletion.
    a('list', 'policy', 'poddisruptionbudgets'),
    a('watch', 'policy', 'poddisruptionbudgets'),
    a('delete', '', 'pods', 'ns', 'p'),
  ],
  'system:node-proxier': [a('list', '', 'services'), a('watch', '', 'services'), a('list', '', 'endpoints'), a('watch', '', 'endpoints'), a('list', '', 'nodes'), a('watch', '', 'nodes'), a('create', '', 'events', 'ns'), a('list', 'discovery.k8s.io', 'endpointslices'), a('watch', 'discovery.k8s.io', 'endpointslices'), a('list', '', 'pods'), a('watch', '', 'pods'), a('list', '', 'namespaces'), a('watch', '', 'namespaces'), a('list', 'networking.k8s.io', 'networkpolicies'), a('watch', 'networking.k8s.io', 'networkpolicies')],
};

/** What none of them may do: reach into containers or nodes, read logs, grant or impersonate. */
const FORBIDDEN = [
  a('create', '', 'pods/exec', 'ns', 'p'),
  a('get', '', 'pods/exec', 'ns', 'p'),
  a('get', '', 'pods/log', 'ns', 'p'),
  a('create', '', 'pods/attach', 'ns', 'p'),
  a('create', '', 'pods/portforward', 'ns', 'p'),
  a('get', '', 'nodes/proxy', '', 'n'),
  a('create', '', 'nodes/proxy', '', 'n'),
  a('get', '', 'nodes/log', '', 'n'),
  a('impersonate', '', 'users', '', 'kubernetes-admin'),
  a('impersonate', '', 'groups', '', 'system:masters'),
  a('escalate', G, 'clusterroles', '', 'x'),
  a('bind', G, 'clusterroles', '', 'cluster-admin'),
  a('create', G, 'clusterrolebindings'),
  a('create', '', 'namespaces'),
  a('create', '', 'nodes'),
];

describe('bootstrap policy', () => {
  const f = fakeRbacSources();
  f.clusterRoles.set(BOOTSTRAP_CLUSTER_ROLES);
  f.clusterRoleBindings.set(BOOTSTRAP_CLUSTER_ROLE_BINDINGS);
  const rbac = new RbacAuthorizer(f.sources);
  const subjectOf = (roleName: string) => BOOTSTRAP_CLUSTER_ROLE_BINDINGS.find((b) => b.roleRef!.name === roleName)!.subjects[0].name;

  it('gives the control plane no wildcard verb, group or resource (as Kubernetes spells them out)', () => {
    for (const name of COMPONENTS) {
      for (const r of role(name).rules) {
        for (const field of ['verbs', 'apiGroups', 'resources'] as const) assert.ok(!r[field].includes('*'), `${name}: ${JSON.stringify(PolicyRule.toJSON(r))}`);
      }
    }
  });

  it('lets each component make every call its code makes', () => {
    const missing = COMPONENTS.flatMap((name) => USED[name].filter((attrs) => rbac.authorize(user(subjectOf(name)), attrs).decision !== 'allow').map((x) => `${name}: ${x.verb} ${x.resource}/${x.subresource}`));
    assert.deepEqual(missing, []);
  });

  it('keeps every component from exec, logs, the kubelet API, granting and impersonating', () => {
    const allowed = COMPONENTS.flatMap((name) => FORBIDDEN.filter((attrs) => rbac.authorize(user(subjectOf(name)), attrs).decision === 'allow').map((x) => `${name}: ${x.verb} ${x.resource}/${x.subresource}`));
    assert.deepEqual(allowed, []);
  });

  it('lets users\' view role read the metrics API, as Kubernetes\' system:aggregated-metrics-reader does, and write none of it', () => {
    f.clusterRoleBindings.set([...BOOTSTRAP_CLUSTER_ROLE_BINDINGS, ClusterRoleBinding.fromPartial({ metadata: { name: 'alice-view' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'alice' }] })]);
    try {
      const decide = (attrs: RequestAttributes) => rbac.authorize(user('alice'), attrs).decision;
      for (const verb of ['get', 'list', 'watch']) {
        assert.equal(decide(a(verb, 'metrics.k8s.io', 'pods', 'ns')), 'allow', `${verb} pods.metrics.k8s.io`);
        assert.equal(decide(a(verb, 'metrics.k8s.io', 'nodes')), 'allow', `${verb} nodes.metrics.k8s.io`);
      }
      assert.notEqual(decide(a('create', 'metrics.k8s.io', 'pods', 'ns')), 'allow');
      assert.notEqual(decide(a('get', '', 'nodes/stats', '', 'n')), 'allow');
    } finally {
      f.clusterRoleBindings.set(BOOTSTRAP_CLUSTER_ROLE_BINDINGS);
    }
  });

  describe('on an existing cluster', () => {
    /** Just what ensureBootstrapPolicy uses of a registry. */
    class MemoryRegistry<T extends K.KubeObject> {
      readonly objects = new Map<string, T>();
      private rv = 0;
      async waitForCache(): Promise<void> {}
      constructor(readonly kind: K.KindInfo<T>) {}
      async create(_ns: string, obj: T): Promise<T> {
        const name = obj.metadata!.name;
        if (this.objects.has(name)) throw new AlreadyExistsError(`${name} exists`);
        return this.put(obj);
      }
      async get(_ns: string, name: string): Promise<T> {
        return structuredClone(this.objects.get(name)!);
      }
      async update(obj: T): Promise<T> {
        return this.put(obj);
      }
      private put(obj: T): T {
        const stored = { ...obj, metadata: { ...obj.metadata!, resourceVersion: String(++this.rv) } };
        this.objects.set(obj.metadata!.name, stored);
        return stored;
      }
    }

    it('replaces an older, broader controller-manager role marked autoupdate, and leaves one an admin took over', async () => {
      const roles = new MemoryRegistry(K.ClusterRoles);
      const bindings = new MemoryRegistry(K.ClusterRoleBindings);
      const broad = (name: string, autoupdate: string) =>
        ClusterRole.fromPartial({ metadata: { name, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': autoupdate } }, rules: [{ verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], apiGroups: ['*'], resources: ['*'] }] });
      await roles.create('', broad('system:kube-controller-manager', 'true'));
      await roles.create('', broad('system:kube-scheduler', 'false'));
      await bindings.create('', ClusterRoleBinding.fromPartial({ ...BOOTSTRAP_CLUSTER_ROLE_BINDINGS[0], subjects: [] }));
      await ensureBootstrapPolicy(roles as unknown as Registry<ClusterRole>, bindings as unknown as Registry<ClusterRoleBinding>);
      assert.deepEqual(roles.objects.get('system:kube-controller-manager')!.rules, role('system:kube-controller-manager').rules);
      assert.equal(roles.objects.get('system:kube-scheduler')!.rules[0].apiGroups[0], '*', 'autoupdate=false: the admin owns it');
      assert.deepEqual(bindings.objects.get('cluster-admin')!.subjects, BOOTSTRAP_CLUSTER_ROLE_BINDINGS[0].subjects);
      assert.equal(roles.objects.size, BOOTSTRAP_CLUSTER_ROLES.length);
    });
  });
});
