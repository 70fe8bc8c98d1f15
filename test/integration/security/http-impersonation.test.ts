// Impersonate-Uid and Impersonate-Extra-<key> on the HTTP API, as kube-apiserver's impersonation
// filter reads them: each authorized as `impersonate` on uids / userextras/<key> in
// authentication.k8s.io (the extra key lower-cased and unescaped, as client-go escapes it), the
// uid reaching the request's user (kubectl auth whoami --as-uid), and neither without a user; the
// same over gRPC metadata (impersonate-uid, impersonate-extra, repeated impersonate-group).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ClusterRole, ClusterRoleBinding } from '../../../lib/gen/kite/rbac/v1/types';
import { httpsRequest } from '../../support/https-request';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';
import { whoAmI } from './rpc';
import { kubectlWith, startSecureApiserver, writeKubeconfig, type SecureApiserver } from './secure-apiserver';

const run = promisify(execFile);
const RBAC = 'rbac.authorization.k8s.io';
const WHOAMI = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

describe('HTTP API: Impersonate-Uid and Impersonate-Extra-*', function () {
  this.timeout(120_000);
  let s: SecureApiserver;
  let env: NodeJS.ProcessEnv;
  const kubectl = kubectlWith(() => env);

  /** A POST of a SelfSubjectReview as the impersonator with these headers. */
  const whoami = (headers: Record<string, string>) =>
    httpsRequest({ port: s.server.securePort!, ca: s.ca.cert }, 'POST', WHOAMI, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, { authorization: 'Bearer imp-token', ...headers });

  before(async function () {
    try {
      await run('kubectl', ['version', '--client']);
    } catch {
      this.skip();
    }
    s = await startSecureApiserver({ tokens: { 'imp-token': { user: 'impersonator' } }, config: { securePort: 0 } });
    const kubeconfig = writeKubeconfig(s, join(s.dir, 'kubeconfig'), { namespace: 'default', users: { impersonator: { token: 'imp-token' } } });
    env = { ...process.env, KUBECONFIG: kubeconfig, HOME: s.dir };
    const admin = await s.admin();
    const role = uniqueName('impersonate-some');
    await admin.clusterRoles.create(
      ClusterRole.fromPartial({
        metadata: { name: role },
        rules: [
          { verbs: ['impersonate'], apiGroups: [''], resources: ['users'], resourceNames: ['alice'] },
          { verbs: ['impersonate'], apiGroups: [''], resources: ['groups'], resourceNames: ['devs', 'ops'] },
          { verbs: ['impersonate'], apiGroups: ['authentication.k8s.io'], resources: ['uids'], resourceNames: ['u-1'] },
          { verbs: ['impersonate'], apiGroups: ['authentication.k8s.io'], resources: ['userextras/scopes', 'userextras/example.com/team'], resourceNames: ['view', 'blue'] },
        ],
      }),
    );
    await admin.clusterRoleBindings.create(
      ClusterRoleBinding.fromPartial({ metadata: { name: role }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role }, subjects: [{ kind: 'User', apiGroup: RBAC, name: 'impersonator' }] }),
    );
    await waitFor('the binding in the authorizer', async () => (await whoami({ 'impersonate-user': 'alice' })).status === 201, 10_000);
  });
  after(() => s?.stop());

  it('kubectl auth whoami --as-uid: the uid it may impersonate, and Forbidden for another', async () => {
    const me = JSON.parse(await kubectl('auth', 'whoami', '--user', 'impersonator', '--as', 'alice', '--as-uid', 'u-1', '-o', 'json'));
    assert.deepEqual(me.status.userInfo, { username: 'alice', uid: 'u-1', groups: ['system:authenticated'] });
    // kubectl's discovery cannot read a 403 it did not expect, so it says "unknown", as it does
    // against kube-apiserver (the refusal itself is below).
    await assert.rejects(kubectl('get', 'pods', '--user', 'impersonator', '--as', 'alice', '--as-uid', 'u-2'), /Error from server \(Forbidden\): unknown/);
    const refused = await whoami({ 'impersonate-user': 'alice', 'impersonate-uid': 'u-2' });
    assert.equal(refused.status, 403);
    assert.equal(refused.json.message, 'uids.authentication.k8s.io "u-2" is forbidden: User "impersonator" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope');
  });

  it('Impersonate-Extra-<key>: allowed values pass, the key unescaped; another value is Forbidden', async () => {
    const allowed = await whoami({ 'impersonate-user': 'alice', 'impersonate-extra-scopes': 'view', 'Impersonate-Extra-Example.com%2fTeam': 'blue' });
    assert.equal(allowed.status, 201, allowed.json.message);
    const refused = await whoami({ 'impersonate-user': 'alice', 'impersonate-extra-scopes': 'admin' });
    assert.equal(refused.status, 403);
    assert.equal(refused.json.reason, 'Forbidden');
    assert.equal(
      refused.json.message,
      'userextras.authentication.k8s.io "admin" is forbidden: User "impersonator" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope',
    );
  });

  it('refuses a uid or extra attributes without a user to impersonate (400)', async () => {
    for (const headers of [{ 'impersonate-uid': 'u-1' }, { 'impersonate-extra-scopes': 'view' }] as Record<string, string>[]) {
      const r = await whoami(headers);
      assert.equal(r.status, 400, JSON.stringify(headers));
      assert.equal(r.json.reason, 'BadRequest');
    }
  });

  it('over gRPC: impersonate-uid, impersonate-extra and repeated impersonate-group metadata', async () => {
    const c = await s.client({ token: 'imp-token' });
    const me = await whoAmI(c, { user: 'alice', groups: ['devs', 'ops'], uid: 'u-1', extra: { scopes: ['view'], 'example.com/team': ['blue'] } });
    assert.deepEqual(me, { username: 'alice', uid: 'u-1', groups: ['devs', 'ops', 'system:authenticated'] });
    await assert.rejects(whoAmI(c, { user: 'alice', extra: { scopes: ['admin'] } }), {
      message: 'userextras.authentication.k8s.io "admin" is forbidden: User "impersonator" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope',
    });
  });
});
