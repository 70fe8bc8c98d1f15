import { strict as assert } from 'node:assert';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../../../lib/gen/kite/rbac/v1/types';
import { BOOTSTRAP_CLUSTER_ROLES, BOOTSTRAP_CLUSTER_ROLE_BINDINGS } from '../../../../services/apiserver/auth/rbac/bootstrap-policy';
import { RbacAuthorizer } from '../../../../services/apiserver/auth/rbac/rbac-authorizer';
import { resourceAttributes, type RequestAttributes } from '../../../../services/apiserver/auth/request-attributes';
import { fakeRbacSources, type FakeRbacSources } from './rbac/fake-rbac-sources';

const G = 'rbac.authorization.k8s.io';
const user = (name: string, ...groups: string[]) => ({ name, uid: '', groups: [...groups, 'system:authenticated'] });
const a = (verb: string, resource: string, o: Partial<RequestAttributes> = {}) => resourceAttributes({ verb, resource, ...o });

describe('RBAC authorizer', () => {
  let roles: FakeRbacSources['roles'], clusterRoles: FakeRbacSources['clusterRoles'], bindings: FakeRbacSources['roleBindings'], clusterBindings: FakeRbacSources['clusterRoleBindings'];
  let rbac: RbacAuthorizer;
  beforeEach(() => {
    const f = fakeRbacSources();
    ({ roles, clusterRoles, roleBindings: bindings, clusterRoleBindings: clusterBindings } = f);
    clusterRoles.set(BOOTSTRAP_CLUSTER_ROLES);
    clusterBindings.set(BOOTSTRAP_CLUSTER_ROLE_BINDINGS);
    rbac = new RbacAuthorizer(f.sources);
  });
  const allowed = (u: ReturnType<typeof user>, attrs: RequestAttributes) => rbac.authorize(u, attrs).decision === 'allow';

  it('bootstrap policy: admins may do anything, components what they need, others nothing', () => {
    const admin = user('kubernetes-admin', 'system:masters');
    assert.ok(allowed(admin, a('impersonate', 'users', { name: 'x' })));
    assert.ok(allowed(admin, a('delete', 'clusterrolebindings', { apiGroup: G, name: 'x' })));
    const sched = user('system:kube-scheduler');
    assert.ok(allowed(sched, a('create', 'pods', { subresource: 'binding', namespace: 'ns', name: 'p' })));
    assert.ok(allowed(sched, a('watch', 'nodes')));
    assert.ok(!allowed(sched, a('create', 'pods', { namespace: 'ns' })));
    assert.ok(!allowed(sched, a('update', 'nodes', { name: 'n1' })));
    const kcm = user('system:kube-controller-manager');
    assert.ok(allowed(kcm, a('create', 'pods', { namespace: 'ns' })));
    assert.ok(allowed(kcm, a('update', 'deployments', { apiGroup: 'apps', subresource: 'status', namespace: 'ns', name: 'd' })));
    assert.ok(!allowed(kcm, a('impersonate', 'users', { name: 'kubernetes-admin' })));
    const proxy = user('system:kube-proxy');
    assert.ok(allowed(proxy, a('list', 'endpoints')));
    assert.ok(!allowed(proxy, a('update', 'services', { namespace: 'ns', name: 's' })));
    const anyone = user('alice');
    assert.ok(allowed(anyone, a('create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io' })));
    assert.ok(!allowed(anyone, a('get', 'pods', { namespace: 'default', name: 'p' })));
  });

  it('bootstrap policy: the kubelet API (nodes/proxy, nodes/log ...) for the apiserver\'s kubelet client only', () => {
    const kubeletClient = user('kube-apiserver-kubelet-client');
    assert.ok(allowed(kubeletClient, a('create', 'nodes', { subresource: 'proxy', name: 'n1' })));
    assert.ok(allowed(kubeletClient, a('get', 'nodes', { subresource: 'proxy', name: 'n2' })));
    assert.ok(allowed(kubeletClient, a('get', 'nodes', { subresource: 'log', name: 'n2' })));
    assert.ok(allowed(kubeletClient, a('get', 'nodes', { subresource: 'metrics', name: 'n2' })));
    assert.ok(!allowed(kubeletClient, a('get', 'pods', { namespace: 'default', name: 'p' })));
    assert.ok(!allowed(kubeletClient, a('update', 'nodes', { name: 'n1' })));
    const node = user('system:node:n1', 'system:nodes');
    assert.ok(!allowed(node, a('create', 'nodes', { subresource: 'proxy', name: 'n1' })));
    assert.ok(!allowed(node, a('get', 'nodes', { subresource: 'proxy', name: 'n2' })));
    assert.ok(!allowed(user('alice'), a('get', 'nodes', { subresource: 'proxy', name: 'n1' })));
  });

  it('RoleBindings grant only in their namespace; ClusterRoles can be bound per namespace', () => {
    roles.set([Role.fromPartial({ metadata: { name: 'pod-reader', namespace: 'team' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] })]);
    bindings.set([
      RoleBinding.fromPartial({ metadata: { name: 'r', namespace: 'team' }, roleRef: { apiGroup: G, kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'User', apiGroup: G, name: 'alice' }] }),
      RoleBinding.fromPartial({ metadata: { name: 'e', namespace: 'team' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'Group', apiGroup: G, name: 'devs' }] }),
    ]);
    const alice = user('alice');
    assert.ok(allowed(alice, a('get', 'pods', { namespace: 'team', name: 'p' })));
    assert.ok(!allowed(alice, a('get', 'pods', { namespace: 'other', name: 'p' })));
    assert.ok(!allowed(alice, a('list', 'pods', { namespace: '' })), 'all namespaces needs a cluster-wide grant');
    assert.ok(!allowed(alice, a('delete', 'pods', { namespace: 'team', name: 'p' })));
    const dev = user('bob', 'devs');
    assert.ok(allowed(dev, a('create', 'deployments', { apiGroup: 'apps', namespace: 'team' })));
    assert.ok(!allowed(dev, a('create', 'deployments', { apiGroup: 'apps', namespace: 'prod' })));
    assert.ok(!allowed(dev, a('create', 'rolebindings', { apiGroup: G, namespace: 'team' })), 'edit does not manage RBAC');
    assert.ok(allowed(dev, a('create', 'pods', { subresource: 'portforward', namespace: 'team', name: 'p' })), 'edit port-forwards, as in Kubernetes');
    const r = rbac.authorize(dev, a('create', 'deployments', { apiGroup: 'apps', namespace: 'team' }));
    assert.match(r.reason, /RoleBinding "e\/team" of ClusterRole "edit"/);
  });

  it('sees changes as soon as the caches do, and reports bindings to missing roles', () => {
    const carol = user('carol');
    assert.ok(!allowed(carol, a('list', 'nodes')));
    clusterBindings.set([
      ...BOOTSTRAP_CLUSTER_ROLE_BINDINGS,
      ClusterRoleBinding.fromPartial({ metadata: { name: 'c' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'node-viewer' }, subjects: [{ kind: 'User', apiGroup: G, name: 'carol' }] }),
    ]);
    const r = rbac.authorize(carol, a('list', 'nodes'));
    assert.equal(r.decision, 'no-opinion');
    assert.match(r.reason, /clusterrole\.rbac\.authorization\.k8s\.io "node-viewer" not found/);
    clusterRoles.set([...BOOTSTRAP_CLUSTER_ROLES, ClusterRole.fromPartial({ metadata: { name: 'node-viewer' }, rules: [{ verbs: ['list'], apiGroups: [''], resources: ['nodes'] }] })]);
    assert.ok(allowed(carol, a('list', 'nodes')));
  });
});
