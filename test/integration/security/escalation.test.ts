// RBAC escalation prevention on a real apiserver: a user who may manage roles and bindings in a
// namespace can grant only what they hold, unless given the escalate or bind verb.
import { strict as assert } from 'node:assert';
import { status } from '@grpc/grpc-js';
import type { ApiError } from '../../../lib/api/errors';
import * as K from '../../../lib/api/kinds';
import type { Clientset } from '../../../lib/client/clientset';
import { Namespace } from '../../../lib/gen/kite/core/v1/types';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../../lib/gen/kite/rbac/v1/types';
import { waitFor } from '../../support/wait';
import { accessReview } from './rpc';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

const G = 'rbac.authorization.k8s.io';
const settle = (p: Promise<unknown>) => p.then(() => undefined, (e: ApiError) => e);
const role = (name: string, verbs: string[], resources: string[]) => Role.fromPartial({ metadata: { name, namespace: 'team' }, rules: [{ verbs, apiGroups: [''], resources }] });
const binding = (name: string, kind: 'Role' | 'ClusterRole', roleName: string, user: string) =>
  RoleBinding.fromPartial({ metadata: { name, namespace: 'team' }, roleRef: { apiGroup: G, kind, name: roleName }, subjects: [{ kind: 'User', apiGroup: G, name: user }] });

describe('security: RBAC escalation prevention', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  let admin: Clientset;
  let delegate: Clientset;

  before(async () => {
    s = await startSecureApiserver({ tokens: { 'd-t': { user: 'delegate' } } });
    admin = await s.admin();
    delegate = await s.client({ token: 'd-t' });
    await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: 'team' } }));
    await admin.resource(K.ClusterRoles).create(
      ClusterRole.fromPartial({
        metadata: { name: 'rbac-manager' },
        rules: [
          { verbs: ['create', 'update', 'patch', 'get', 'list'], apiGroups: [G], resources: ['roles', 'rolebindings'] },
          { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] },
        ],
      }),
    );
    await admin.resource(K.RoleBindings).create(binding('delegate', 'ClusterRole', 'rbac-manager', 'delegate'));
    await waitFor('the binding in the authorizer', async () => (await accessReview(delegate, { verb: 'create', resource: 'roles', group: G, namespace: 'team' })).status?.allowed, 5000);
  });
  after(() => s?.stop());

  it('lets a user grant what they hold and refuses more', async () => {
    assert.equal(await settle(delegate.resource(K.Roles).create(role('pod-reader', ['get', 'list'], ['pods']))), undefined);
    const err = await settle(delegate.resource(K.Roles).create(role('pod-killer', ['delete'], ['pods'])));
    assert.equal(err?.code, status.PERMISSION_DENIED);
    assert.match(err!.message, /is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["pods"\], Verbs:\["delete"\]\}/);
    await waitFor('pod-reader in the cache', async () => (await admin.resource(K.Roles).list({ namespace: 'team', resourceVersion: '0' })).items.length === 1, 5000);
    assert.equal(await settle(delegate.resource(K.RoleBindings).create(binding('friend-reads', 'Role', 'pod-reader', 'friend'))), undefined);
    const bindAdmin = await settle(delegate.resource(K.RoleBindings).create(binding('grab', 'ClusterRole', 'cluster-admin', 'delegate')));
    assert.equal(bindAdmin?.code, status.PERMISSION_DENIED);
    assert.match(bindAdmin!.message, /not currently held/);
    const stored = await admin.resource(K.Roles).get('pod-killer', 'team').catch(() => undefined);
    assert.equal(stored, undefined, 'nothing stored');
    const mine = await admin.resource(K.Roles).get('pod-reader', 'team');
    await delegate.resource(K.Roles).update({ ...mine, metadata: { ...mine.metadata!, labels: { touched: 'yes' } } }); // same rules: nothing granted
    const widen = await settle(delegate.resource(K.Roles).patch('pod-reader', { rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] }, { namespace: 'team' }));
    assert.equal(widen?.code, status.PERMISSION_DENIED);
    assert.match(widen!.message, /needs the escalate verb/);
  });

  it('the bind verb on a role lets a user bind it without holding it', async () => {
    await admin.resource(K.ClusterRoles).create(ClusterRole.fromPartial({ metadata: { name: 'bind-view' }, rules: [{ verbs: ['bind'], apiGroups: [G], resources: ['clusterroles'], resourceNames: ['view'] }] }));
    await admin.resource(K.ClusterRoleBindings).create(
      ClusterRoleBinding.fromPartial({ metadata: { name: 'delegate-bind-view' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'bind-view' }, subjects: [{ kind: 'User', apiGroup: G, name: 'delegate' }] }),
    );
    await waitFor('bind in the authorizer', async () => (await accessReview(delegate, { verb: 'bind', resource: 'clusterroles', group: G, name: 'view' })).status?.allowed, 5000);
    assert.equal(await settle(delegate.resource(K.RoleBindings).create(binding('friend-views', 'ClusterRole', 'view', 'friend'))), undefined);
    assert.match(String((await settle(delegate.resource(K.RoleBindings).create(binding('friend-edits', 'ClusterRole', 'edit', 'friend'))))?.message), /not currently held/);
  });
});
