// Bound service-account tokens end to end against a real TLS apiserver (Node,RBAC) configured as
// a kite cluster is (--service-account-issuer, sa.key/sa.pub): a token from the token
// subresource authenticates as system:serviceaccount:<ns>:<name> and RBAC (a RoleBinding to the
// ServiceAccount) decides what it may do; it stops working once its pod is deleted, once it
// has expired, and once its ServiceAccount is deleted and recreated; and the TokenRequest
// errors are Kubernetes'.
import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { ApiError } from '../../../lib/api/errors';
import * as K from '../../../lib/api/kinds';
import type { Clientset } from '../../../lib/client/clientset';
import type { TokenRequest } from '../../../lib/gen/kite/authentication/v1/types';
import { Namespace, Pod, ServiceAccount } from '../../../lib/gen/kite/core/v1/types';
import { RoleBinding } from '../../../lib/gen/kite/rbac/v1/types';
import { TokenManager } from '../../../services/kubelet/token/token-manager';
import { tokenClaims } from '../../../services/apiserver/auth/serviceaccount/claims';
import { readSigningKey, signingKeyFromPEM } from '../../../services/apiserver/auth/serviceaccount/keys';
import { TokenIssuer } from '../../../services/apiserver/auth/serviceaccount/token-signer';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';
import { whoAmI } from './rpc';
import { SERVICE_ACCOUNT_ISSUER, startSecureApiserver, type SecureApiserver } from './secure-apiserver';

const G = 'rbac.authorization.k8s.io';

describe('security: bound service-account tokens', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  let admin: Clientset;
  let ns: string;

  const createToken = (c: Clientset, name: string, spec: Record<string, unknown> = {}): Promise<TokenRequest> =>
    c.serviceAccounts.call('createToken', { namespace: ns, name, dryRun: [], tokenRequest: { spec: { audiences: [], ...spec } } });
  const boundTo = (pod: Pod) => ({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata!.name, uid: pod.metadata!.uid } });
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => 'accepted',
      (e: ApiError) => `${status[e.code]}: ${e.message}`,
    );
  const makePod = (name: string, serviceAccountName: string) =>
    admin.pods.create(Pod.fromPartial({ metadata: { name, namespace: ns }, spec: { serviceAccountName, containers: [{ name: 'c', image: 'nginx' }] } }));
  const asToken = (token: string) => s.client({ token });

  before(async () => {
    s = await startSecureApiserver();
    admin = await s.admin();
    ns = uniqueName('sa-tokens');
    await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
    await admin.serviceAccounts.create(ServiceAccount.fromPartial({ metadata: { name: 'app', namespace: ns } }));
  });
  after(() => s?.stop());

  it('authenticates as the ServiceAccount; RBAC bound to the ServiceAccount decides; deleting the pod ends it', async () => {
    const pod = await makePod('web', 'app');
    const tr = await createToken(admin, 'app', boundTo(pod));
    assert.equal(tr.spec!.expirationSeconds, 3600);
    assert.deepEqual(tr.spec!.audiences, [SERVICE_ACCOUNT_ISSUER]);
    const c = await asToken(tr.status!.token);
    const me = await whoAmI(c);
    assert.equal(me.username, `system:serviceaccount:${ns}:app`);
    assert.deepEqual(me.groups, ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated']);

    assert.equal(
      await failure(c.pods.list({ namespace: ns })),
      `PERMISSION_DENIED: pods is forbidden: User "system:serviceaccount:${ns}:app" cannot list resource "pods" in API group "" in the namespace "${ns}"`,
    );
    await admin.resource(K.RoleBindings).create(
      RoleBinding.fromPartial({ metadata: { name: 'app-view', namespace: ns }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'app', namespace: ns }] }),
    );
    const pods = await waitFor('the RoleBinding to reach the authorizer', () => c.pods.list({ namespace: ns }).catch(() => undefined), 5000);
    assert.deepEqual(pods.items.map((p) => p.metadata!.name), ['web']);
    assert.match(await failure(c.pods.create(Pod.fromPartial({ metadata: { name: 'x', namespace: ns } }))), /^PERMISSION_DENIED: pods "x" is forbidden: User "system:serviceaccount:.*:app" cannot create resource "pods"/);

    await admin.pods.delete('web', { namespace: ns, gracePeriodSeconds: 0 });
    const refused = await waitFor('the token to be refused', async () => {
      const f = await failure(c.pods.list({ namespace: ns }));
      return f.startsWith('UNAUTHENTICATED') ? f : undefined;
    });
    assert.equal(refused, 'UNAUTHENTICATED: Unauthorized: invalid bearer token: service account token has been invalidated');
  });

  it('refuses an expired token and one of a ServiceAccount deleted and recreated', async () => {
    // A token the apiserver's own key signed two hours ago for an hour: expired an hour ago.
    const sa = await admin.serviceAccounts.get('app', ns);
    const pod = await makePod('old', 'app');
    const twoHoursAgo = Math.floor(Date.now() / 1000) - 7200;
    const issuer = new TokenIssuer(SERVICE_ACCOUNT_ISSUER, readSigningKey(s.pki.serviceAccount.key));
    const expired = await issuer.sign(
      tokenClaims(SERVICE_ACCOUNT_ISSUER, { namespace: ns, name: 'app', uid: sa.metadata!.uid }, { pod: { name: 'old', uid: pod.metadata!.uid } }, 3600, [SERVICE_ACCOUNT_ISSUER], twoHoursAgo),
    );
    assert.equal(await failure(whoAmI(await asToken(expired))), 'UNAUTHENTICATED: Unauthorized: invalid bearer token: service account token has expired');

    const valid = (await createToken(admin, 'app', boundTo(pod))).status!.token;
    const c = await asToken(valid);
    assert.equal((await whoAmI(c)).username, `system:serviceaccount:${ns}:app`);
    await admin.serviceAccounts.delete('app', { namespace: ns });
    await admin.serviceAccounts.create(ServiceAccount.fromPartial({ metadata: { name: 'app', namespace: ns } }));
    const refused = await waitFor('the token of the old ServiceAccount to be refused', async () => {
      const f = await failure(whoAmI(c));
      return /does not match claim/.test(f) ? f : undefined;
    });
    assert.match(refused, /^UNAUTHENTICATED: Unauthorized: invalid bearer token: service account UID \(.+\) does not match claim \(.+\)$/);
  });

  it('a token signed by another key or for another audience is refused', async () => {
    const sa = await admin.serviceAccounts.get('app', ns);
    const foreign = signingKeyFromPEM(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const claims = tokenClaims(SERVICE_ACCOUNT_ISSUER, { namespace: ns, name: 'app', uid: sa.metadata!.uid }, {}, 3600, [SERVICE_ACCOUNT_ISSUER], Math.floor(Date.now() / 1000));
    assert.match(await failure(whoAmI(await asToken(await new TokenIssuer(SERVICE_ACCOUNT_ISSUER, foreign).sign(claims)))), /^UNAUTHENTICATED: Unauthorized: invalid bearer token: invalid signature/);
    const vault = (await createToken(admin, 'app', { audiences: ['vault'] })).status!.token;
    assert.equal(
      await failure(whoAmI(await asToken(vault))),
      `UNAUTHENTICATED: Unauthorized: invalid bearer token: token audiences ["vault"] is invalid for the target audiences ["${SERVICE_ACCOUNT_ISSUER}"]`,
    );
  });

  it("a kubelet's token manager gets tokens for its own pods' ServiceAccounts only, bound to the pod", async () => {
    await admin.serviceAccounts.create(ServiceAccount.fromPartial({ metadata: { name: 'runner', namespace: ns } }));
    const onNode = (name: string, nodeName: string) =>
      admin.pods.create(Pod.fromPartial({ metadata: { name, namespace: ns }, spec: { nodeName, serviceAccountName: 'runner', containers: [{ name: 'c', image: 'nginx' }] } }));
    const mine = await onNode('mine', 'n1');
    const theirs = await onNode('theirs', 'n2');
    const kubelet = new TokenManager(await s.client({ user: 'system:node:n1', groups: ['system:nodes'] }));
    const projection = { audience: '', expirationSeconds: 3600, path: 'token' };
    const token = await waitFor('the pod in the Node authorizer\'s cache', () => kubelet.getToken(mine, projection).catch(() => undefined), 5000);
    const me = await whoAmI(await asToken(token.token));
    assert.equal(me.username, `system:serviceaccount:${ns}:runner`);
    assert.equal(
      await kubelet.getToken(theirs, projection).then(
        () => 'accepted',
        (e: Error) => e.message,
      ),
      `failed to fetch token: serviceaccounts "runner" is forbidden: node requested token bound to a pod scheduled on a different node`,
    );
  });

  it("answers TokenRequest errors as Kubernetes does", async () => {
    const pod = await makePod('bound', 'app');
    assert.equal(await failure(createToken(admin, 'ghost')), 'NOT_FOUND: serviceaccounts "ghost" not found');
    assert.equal(
      await failure(createToken(admin, 'app', { expirationSeconds: 599 })),
      'INVALID_ARGUMENT: TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes',
    );
    assert.equal(await failure(createToken(admin, 'app', { boundObjectRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: '' } })), 'INVALID_ARGUMENT: cannot bind token to object of type apps/v1, Kind=Deployment');
    assert.equal(await failure(createToken(admin, 'app', { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'nope', uid: '' } })), 'NOT_FOUND: pods "nope" not found');
    assert.equal(
      await failure(createToken(admin, 'app', { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'bound', uid: 'stale' } })),
      'ABORTED: Operation cannot be fulfilled on Pod "bound": the UID in the bound object reference (stale) does not match the UID in record. The object might have been deleted and then recreated',
    );
    const ok = await createToken(admin, 'app', { ...boundTo(pod), expirationSeconds: 600 });
    assert.equal(ok.spec!.expirationSeconds, 600);
    assert.equal(Date.parse(ok.status!.expirationTimestamp) - Date.parse(ok.metadata!.creationTimestamp), 600_000);
  });
});
