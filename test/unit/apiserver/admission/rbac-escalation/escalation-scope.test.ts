// Which writes RBAC escalation prevention checks, and at what scope (Kubernetes'
// pkg/registry/rbac/*/policybased): only creates, updates and patches of RBAC objects; a
// ClusterRole against cluster-wide permissions; bind on a Role in the binding's namespace; the
// garbage collector's exemption only for updates pinned to the stored version; rule resolution
// errors reported as Kubernetes words them.
import { strict as assert } from 'node:assert';
import { status } from '@grpc/grpc-js';
import type { ApiError } from '../../../../../lib/api/errors';
import * as K from '../../../../../lib/api/kinds';
import { Pod } from '../../../../../lib/gen/kite/core/v1/types';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../../../../lib/gen/kite/rbac/v1/types';
import { BOOTSTRAP_CLUSTER_ROLES, BOOTSTRAP_CLUSTER_ROLE_BINDINGS } from '../../../../../services/apiserver/auth/rbac/bootstrap-policy';
import { EscalationCheck } from '../../../../../services/apiserver/admission/rbac-escalation/escalation';
import { RbacAuthorizer } from '../../../../../services/apiserver/auth/rbac/rbac-authorizer';
import { attributesForCall } from '../../../../../services/apiserver/auth/request-attributes';
import type { UserInfo } from '../../../../../services/apiserver/auth/user-info';
import { fakeRbacSources } from '../../auth/rbac/fake-rbac-sources';

const G = 'rbac.authorization.k8s.io';
const dana = { name: 'dana', uid: '', groups: ['system:authenticated'] } as UserInfo;
const kcm = { name: 'system:kube-controller-manager', uid: '', groups: ['system:authenticated'] } as UserInfo;
const rule = (verbs: string[], resources: string[], apiGroups = [G], resourceNames: string[] = []) => ({ verbs, apiGroups, resources, resourceNames });
const roleBinding = (name: string, kind: 'Role' | 'ClusterRole', role: string, user: string) =>
  RoleBinding.fromPartial({ metadata: { name, namespace: 'team' }, roleRef: { apiGroup: G, kind, name: role }, subjects: [{ kind: 'User', apiGroup: G, name: user, namespace: '' }] });
const podReaderRules = [rule(['get', 'list'], ['pods'], [''])];

describe('RBAC escalation check: what is checked, and where', () => {
  let f: ReturnType<typeof fakeRbacSources>;
  let check: EscalationCheck;

  beforeEach(() => {
    f = fakeRbacSources();
    const rbac = new RbacAuthorizer(f.sources);
    check = new EscalationCheck(rbac, rbac);
    f.clusterRoles.set([
      ...BOOTSTRAP_CLUSTER_ROLES,
      ClusterRole.fromPartial({ metadata: { name: 'rbac-editor' }, rules: [rule(['get', 'update', 'patch', 'create', 'delete'], ['rolebindings', 'roles', 'clusterroles', 'clusterrolebindings'])] }),
      ClusterRole.fromPartial({ metadata: { name: 'pod-reader' }, rules: podReaderRules }),
    ]);
    f.clusterRoleBindings.set([...BOOTSTRAP_CLUSTER_ROLE_BINDINGS]);
    f.roles.set([Role.fromPartial({ metadata: { name: 'pod-reader', namespace: 'team' }, rules: podReaderRules })]);
    f.roleBindings.set([roleBinding('dana-edits', 'ClusterRole', 'rbac-editor', 'dana'), roleBinding('dana-reads', 'Role', 'pod-reader', 'dana')]);
  });

  const admit = async (u: UserInfo, kind: K.KindInfo<any>, rpc: string, obj: object | undefined, req: Record<string, unknown> = {}): Promise<ApiError | undefined> => {
    const attrs = attributesForCall(kind, rpc, { ...req, [kind.requestField]: obj });
    return check.check(u, kind, attrs.verb, attrs, obj as never).then(
      () => undefined,
      (e: ApiError) => e,
    );
  };
  const grant = (...bindings: RoleBinding[]) => f.roleBindings.set([...f.roleBindings.objects, ...bindings]);

  it('checks only creates, updates and patches of RBAC objects', async () => {
    const admin = roleBinding('grab', 'ClusterRole', 'cluster-admin', 'dana');
    f.roleBindings.set([...f.roleBindings.objects, admin]);
    assert.equal(await admit(dana, K.RoleBindings, 'DeleteRoleBinding', undefined, { namespace: 'team', name: 'grab' }), undefined);
    assert.equal(await admit(dana, K.RoleBindings, 'GetRoleBinding', undefined, { namespace: 'team', name: 'grab' }), undefined);
    assert.equal(await admit(dana, K.Pods, 'CreatePod', Pod.fromPartial({ metadata: { name: 'p', namespace: 'team' } }), { namespace: 'team' }), undefined);
    assert.equal(await admit(dana, K.Pods, 'PatchPod', undefined, { namespace: 'team', name: 'p', patch: {} }), undefined);
    assert.equal(await admit(dana, K.ClusterRoleBindings, 'DeleteClusterRoleBinding', undefined, { name: 'cluster-admin' }), undefined);
  });

  it('a ClusterRole needs its rules held cluster-wide, or escalate on clusterroles', async () => {
    const reader = ClusterRole.fromPartial({ metadata: { name: 'reader' }, rules: podReaderRules });
    const err = await admit(dana, K.ClusterRoles, 'CreateClusterRole', reader);
    assert.equal(err?.code, status.PERMISSION_DENIED, 'held in namespace team only');
    assert.match(err!.message, /^clusterroles\.rbac\.authorization\.k8s\.io "reader" is forbidden: user "dana" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["pods"\], Verbs:\["get" "list"\]\}$/);
    f.clusterRoles.set([...f.clusterRoles.objects, ClusterRole.fromPartial({ metadata: { name: 'escalator' }, rules: [rule(['escalate'], ['clusterroles'])] })]);
    f.clusterRoleBindings.set([...f.clusterRoleBindings.objects, ClusterRoleBinding.fromPartial({ metadata: { name: 'dana-escalates' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'escalator' }, subjects: [{ kind: 'User', apiGroup: G, name: 'dana', namespace: '' }] })]);
    assert.equal(await admit(dana, K.ClusterRoles, 'CreateClusterRole', reader), undefined);
  });

  it('a create is checked even when it matches a stored object (the exemption is for updates)', async () => {
    grant(roleBinding('admins', 'ClusterRole', 'cluster-admin', 'boss'));
    const same = structuredClone(f.roleBindings.objects.find((b) => b.metadata!.name === 'admins')!);
    assert.equal((await admit(dana, K.RoleBindings, 'CreateRoleBinding', same))?.code, status.PERMISSION_DENIED);
  });

  it('bind on a Role lets a user bind that Role in its namespace', async () => {
    const carl = roleBinding('carl-reads', 'Role', 'pod-reader', 'carl');
    const binder = { name: 'binder', uid: '', groups: ['system:authenticated'] } as UserInfo;
    assert.equal((await admit(binder, K.RoleBindings, 'CreateRoleBinding', carl))?.code, status.PERMISSION_DENIED);
    f.roles.set([...f.roles.objects, Role.fromPartial({ metadata: { name: 'bind-reader', namespace: 'team' }, rules: [rule(['bind'], ['roles'], [G], ['pod-reader'])] })]);
    grant(roleBinding('binder-binds', 'Role', 'bind-reader', 'binder'));
    assert.equal(await admit(binder, K.RoleBindings, 'CreateRoleBinding', carl), undefined);
  });

  it('a binding without a roleRef is left to validation', async () => {
    const bare = RoleBinding.fromPartial({ metadata: { name: 'bare', namespace: 'team' } });
    assert.equal(await admit(dana, K.RoleBindings, 'CreateRoleBinding', bare), undefined);
  });

  it('patching a binding needs bind on its stored role, even when the user holds the role', async () => {
    const err = await admit(dana, K.RoleBindings, 'PatchRoleBinding', undefined, { namespace: 'team', name: 'dana-reads', patch: { subjects: [] } });
    assert.equal(err?.code, status.PERMISSION_DENIED);
    assert.match(err!.message, /patching a binding needs the bind verb on its role; use update$/);
    const missing = await admit(dana, K.RoleBindings, 'PatchRoleBinding', undefined, { namespace: 'team', name: 'nope', patch: { subjects: [] } });
    assert.equal(missing?.code, status.PERMISSION_DENIED);
  });

  it('patching a role needs escalate, said so', async () => {
    const err = await admit(dana, K.Roles, 'PatchRole', undefined, { namespace: 'team', name: 'pod-reader', patch: { rules: [] } });
    assert.match(err!.message, /patching a role needs the escalate verb on it; use update$/);
  });

  it('the garbage collector is exempt only for an update pinned to the stored version of an existing object', async () => {
    const stored = structuredClone(f.clusterRoleBindings.objects.find((b) => b.metadata!.name === 'cluster-admin')!);
    const gcWrite = (rv: string | undefined, name = 'cluster-admin') => {
      const b = structuredClone(stored);
      b.metadata!.name = name;
      b.metadata!.resourceVersion = rv ?? '';
      b.metadata!.finalizers = ['kite.io/x'];
      b.subjects = [...b.subjects, { kind: 'User', apiGroup: G, name: 'system:kube-controller-manager', namespace: '' }];
      return b;
    };
    const pinned = gcWrite(stored.metadata!.resourceVersion);
    pinned.subjects = stored.subjects;
    assert.equal(await admit(kcm, K.ClusterRoleBindings, 'UpdateClusterRoleBinding', pinned), undefined);
    const stale = structuredClone(pinned);
    stale.metadata!.resourceVersion = '999999';
    assert.equal((await admit(kcm, K.ClusterRoleBindings, 'UpdateClusterRoleBinding', stale))?.code, status.PERMISSION_DENIED);
    const unknown = structuredClone(pinned);
    unknown.metadata!.name = 'not-stored';
    assert.equal((await admit(kcm, K.ClusterRoleBindings, 'UpdateClusterRoleBinding', unknown))?.code, status.PERMISSION_DENIED);
  });

  it('reports rule resolution errors after the missing permissions, as Kubernetes aggregates them', async () => {
    const secret = Role.fromPartial({ metadata: { name: 'secret-reader', namespace: 'team' }, rules: [rule(['get'], ['secrets'], [''])] });
    grant(roleBinding('ghost-1', 'ClusterRole', 'ghost', 'dana'));
    const one = await admit(dana, K.Roles, 'CreateRole', secret);
    assert.match(one!.message, /; resolution errors: \[clusterrole\.rbac\.authorization\.k8s\.io "ghost" not found\]$/);
    grant(roleBinding('ghost-2', 'Role', 'phantom', 'dana'));
    const two = await admit(dana, K.Roles, 'CreateRole', secret);
    assert.match(two!.message, /; resolution errors: \[\[(clusterrole|role)\.rbac\.authorization\.k8s\.io "(ghost|phantom)" not found, (clusterrole|role)\.rbac\.authorization\.k8s\.io "(ghost|phantom)" not found\]\]$/);
  });
});
