// RBAC escalation prevention against in-memory roles and bindings: every create, update and
// patch of a Role, ClusterRole, RoleBinding or ClusterRoleBinding, with Kubernetes' decisions
// and wording (pkg/registry/rbac/*/policybased).
import { strict as assert } from 'node:assert';
import { status } from '@grpc/grpc-js';
import type { ApiError } from '../../../../../lib/api/errors';
import * as K from '../../../../../lib/api/kinds';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding, type Subject } from '../../../../../lib/gen/kite/rbac/v1/types';
import { BOOTSTRAP_CLUSTER_ROLES, BOOTSTRAP_CLUSTER_ROLE_BINDINGS } from '../../../../../services/apiserver/auth/rbac/bootstrap-policy';
import { EscalationCheck } from '../../../../../services/apiserver/admission/rbac-escalation/escalation';
import { RbacAuthorizer } from '../../../../../services/apiserver/auth/rbac/rbac-authorizer';
import { attributesForCall } from '../../../../../services/apiserver/auth/request-attributes';
import type { UserInfo } from '../../../../../services/apiserver/auth/user-info';
import { fakeRbacSources } from '../../auth/rbac/fake-rbac-sources';

const G = 'rbac.authorization.k8s.io';
const user = (name: string, ...groups: string[]): UserInfo => ({ name, uid: '', groups: [...groups, 'system:authenticated'] });
const userSubject = (name: string): Subject => ({ kind: 'User', apiGroup: G, name, namespace: '' });
const clusterRole = (name: string, rules: object[]) => ClusterRole.fromPartial({ metadata: { name }, rules });
const roleBinding = (name: string, kind: 'Role' | 'ClusterRole', role: string, ...subjects: string[]) =>
  RoleBinding.fromPartial({ metadata: { name, namespace: 'team' }, roleRef: { apiGroup: G, kind, name: role }, subjects: subjects.map(userSubject) });
const clusterBinding = (name: string, role: string, ...subjects: string[]) =>
  ClusterRoleBinding.fromPartial({ metadata: { name }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: role }, subjects: subjects.map(userSubject) });

const dana = user('dana');
const kcm = user('system:kube-controller-manager');
const CLUSTER_ADMIN_MISSING = '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}';

describe('RBAC escalation check', () => {
  let f: ReturnType<typeof fakeRbacSources>;
  let check: EscalationCheck;

  beforeEach(() => {
    f = fakeRbacSources();
    const rbac = new RbacAuthorizer(f.sources);
    check = new EscalationCheck(rbac, rbac);
    f.clusterRoles.set([
      ...BOOTSTRAP_CLUSTER_ROLES,
      clusterRole('binding-editor', [{ verbs: ['get', 'update', 'patch', 'create'], apiGroups: [G], resources: ['rolebindings', 'roles'] }]),
      clusterRole('bind-cluster-admin', [{ verbs: ['bind'], apiGroups: [G], resources: ['clusterroles'], resourceNames: ['cluster-admin'] }]),
      clusterRole('escalate-roles', [{ verbs: ['escalate'], apiGroups: [G], resources: ['roles'] }]),
    ]);
    f.clusterRoleBindings.set([...BOOTSTRAP_CLUSTER_ROLE_BINDINGS]);
    f.roles.set([Role.fromPartial({ metadata: { name: 'pod-reader', namespace: 'team' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] })]);
    f.roleBindings.set([roleBinding('team-admins', 'ClusterRole', 'cluster-admin', 'boss'), roleBinding('dana-edits', 'ClusterRole', 'binding-editor', 'dana'), roleBinding('readers', 'Role', 'pod-reader', 'carl')]);
  });

  /** Runs the check as the request gate does for `rpc` with `obj` in the request; resolves to the error, if any. */
  const admit = async (u: UserInfo, kind: K.KindInfo<any>, rpc: string, obj: object | undefined, req: Record<string, unknown> = {}): Promise<ApiError | undefined> => {
    const request = { ...req, [kind.requestField]: obj };
    const attrs = attributesForCall(kind, rpc, request);
    return check.check(u, kind, attrs.verb, attrs, obj as never).then(
      () => undefined,
      (e: ApiError) => e,
    );
  };
  const stored = <T>(list: { objects: T[] }, name: string): T => structuredClone(list.objects.find((o) => (o as { metadata: { name: string } }).metadata.name === name)!);

  describe('binding updates (the escalation this fixes)', () => {
    it('refuses a user who may update RoleBindings adding themselves to a binding of cluster-admin', async () => {
      const b = stored(f.roleBindings, 'team-admins');
      b.subjects.push(userSubject('dana'));
      const err = await admit(dana, K.RoleBindings, 'UpdateRoleBinding', b);
      assert.equal(err?.code, status.PERMISSION_DENIED);
      assert.equal(
        err!.message,
        `rolebindings.rbac.authorization.k8s.io "team-admins" is forbidden: user "dana" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n${CLUSTER_ADMIN_MISSING}`,
      );
    });

    it('refuses the controller-manager adding itself to the cluster-admin ClusterRoleBinding', async () => {
      const b = stored(f.clusterRoleBindings, 'cluster-admin');
      b.subjects.push(userSubject('system:kube-controller-manager'));
      const err = await admit(kcm, K.ClusterRoleBindings, 'UpdateClusterRoleBinding', b);
      assert.equal(err?.code, status.PERMISSION_DENIED);
      assert.equal(
        err!.message,
        `clusterrolebindings.rbac.authorization.k8s.io "cluster-admin" is forbidden: user "system:kube-controller-manager" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n${CLUSTER_ADMIN_MISSING}`,
      );
    });

    it('allows an update by a user holding the bind verb on the role, in the binding\'s scope only', async () => {
      f.roleBindings.set([...f.roleBindings.objects, roleBinding('dana-binds', 'ClusterRole', 'bind-cluster-admin', 'dana')]);
      const b = stored(f.roleBindings, 'team-admins');
      b.subjects.push(userSubject('dana'));
      assert.equal(await admit(dana, K.RoleBindings, 'UpdateRoleBinding', b), undefined);
      const crb = stored(f.clusterRoleBindings, 'cluster-admin');
      crb.subjects.push(userSubject('dana'));
      assert.equal((await admit(dana, K.ClusterRoleBindings, 'UpdateClusterRoleBinding', crb))?.code, status.PERMISSION_DENIED, 'a RoleBinding grants bind in its namespace only');
    });

    it('allows an update by a user holding every permission of the role', async () => {
      f.roleBindings.set([...f.roleBindings.objects, roleBinding('dana-views', 'ClusterRole', 'view', 'dana')]);
      const b = stored(f.roleBindings, 'readers');
      b.subjects.push(userSubject('erin'));
      assert.equal(await admit(dana, K.RoleBindings, 'UpdateRoleBinding', b), undefined);
    });

    it('lets the garbage collector change only ownerReferences and finalizers of the stored version', async () => {
      const b = stored(f.clusterRoleBindings, 'cluster-admin');
      b.metadata!.finalizers = ['orphan'];
      b.metadata!.ownerReferences = [{ apiVersion: 'v1', kind: 'Namespace', name: 'x', uid: 'u1', controller: false, blockOwnerDeletion: false }];
      assert.equal(await admit(kcm, K.ClusterRoleBindings, 'UpdateClusterRoleBinding', b), undefined);
      const unpinned = { ...b, metadata: { ...b.metadata!, resourceVersion: '' } };
      assert.equal((await admit(kcm, K.ClusterRoleBindings, 'UpdateClusterRoleBinding', unpinned))?.code, status.PERMISSION_DENIED, 'unpinned: compared with nothing known');
      b.subjects.push(userSubject('system:kube-controller-manager'));
      assert.equal((await admit(kcm, K.ClusterRoleBindings, 'UpdateClusterRoleBinding', b))?.code, status.PERMISSION_DENIED);
    });

    it('checks patches against the stored binding\'s role', async () => {
      const patch = { namespace: 'team', name: 'team-admins', patch: { subjects: [userSubject('dana')] } };
      assert.equal((await admit(dana, K.RoleBindings, 'PatchRoleBinding', undefined, patch))?.code, status.PERMISSION_DENIED);
      f.roleBindings.set([...f.roleBindings.objects, roleBinding('dana-binds', 'ClusterRole', 'bind-cluster-admin', 'dana')]);
      assert.equal(await admit(dana, K.RoleBindings, 'PatchRoleBinding', undefined, patch), undefined);
    });
  });

  describe('binding creates', () => {
    it('refuses binding a role the user does not hold', async () => {
      const err = await admit(dana, K.RoleBindings, 'CreateRoleBinding', roleBinding('grab', 'ClusterRole', 'cluster-admin', 'dana'));
      assert.equal(err?.code, status.PERMISSION_DENIED);
      assert.match(err!.message, /^rolebindings\.rbac\.authorization\.k8s\.io "grab" is forbidden: user "dana" .* not currently held:\n/);
    });

    it('answers NOT_FOUND for a role that does not exist, as Kubernetes does', async () => {
      const err = await admit(dana, K.RoleBindings, 'CreateRoleBinding', roleBinding('ghost', 'ClusterRole', 'nope', 'dana'));
      assert.equal(err?.code, status.NOT_FOUND);
      assert.equal(err!.message, 'clusterrole.rbac.authorization.k8s.io "nope" not found');
    });

    it('lets system:masters bind anything', async () => {
      assert.equal(await admit(user('root', 'system:masters'), K.ClusterRoleBindings, 'CreateClusterRoleBinding', clusterBinding('grab', 'cluster-admin', 'x')), undefined);
    });
  });

  describe('roles', () => {
    it('refuses an update that keeps rules the user does not hold, unless they may escalate', async () => {
      const r = stored(f.roles, 'pod-reader');
      r.metadata!.labels = { touched: 'yes' };
      const err = await admit(dana, K.Roles, 'UpdateRole', r);
      assert.equal(err?.code, status.PERMISSION_DENIED);
      assert.equal(
        err!.message,
        'roles.rbac.authorization.k8s.io "pod-reader" is forbidden: user "dana" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}',
      );
      f.roleBindings.set([...f.roleBindings.objects, roleBinding('dana-escalates', 'ClusterRole', 'escalate-roles', 'dana')]);
      assert.equal(await admit(dana, K.Roles, 'UpdateRole', r), undefined);
    });

    it('lists the missing permissions compacted and sorted', async () => {
      const role = Role.fromPartial({
        metadata: { name: 'r', namespace: 'team' },
        rules: [
          { verbs: ['delete', 'create'], apiGroups: [''], resources: ['services', 'pods'] },
          { verbs: ['get'], apiGroups: [G], resources: ['rolebindings'] },
          { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a', 'b'] },
        ],
      });
      const err = await admit(dana, K.Roles, 'CreateRole', role);
      assert.equal(
        err?.message.split('\n').slice(1).join('\n'),
        [
          '{APIGroups:[""], Resources:["pods"], Verbs:["delete" "create"]}',
          '{APIGroups:[""], Resources:["secrets"], ResourceNames:["a"], Verbs:["get"]}',
          '{APIGroups:[""], Resources:["secrets"], ResourceNames:["b"], Verbs:["get"]}',
          '{APIGroups:[""], Resources:["services"], Verbs:["delete" "create"]}',
        ].join('\n'),
      );
    });

    it('refuses patching a role without the escalate verb', async () => {
      const err = await admit(dana, K.Roles, 'PatchRole', undefined, { namespace: 'team', name: 'pod-reader', patch: { rules: [] } });
      assert.equal(err?.code, status.PERMISSION_DENIED);
    });
  });
});
