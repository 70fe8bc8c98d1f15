// Impersonation of service accounts, parsed as Kubernetes' serviceaccount.SplitUsername does,
// the groups an impersonated user gets, and its uid and extra attributes (Kubernetes'
// impersonation filter).
import { strict as assert } from 'node:assert';
import { Metadata } from '@grpc/grpc-js';
import { extraEntry, impersonate, splitServiceAccountUsername } from '../../../../../services/apiserver/auth/authn/impersonation';
import type { Authorizer } from '../../../../../services/apiserver/auth/authz/authorizer';
import { fullResource, type RequestAttributes } from '../../../../../services/apiserver/auth/request-attributes';

const admin = { name: 'admin', uid: '', groups: ['system:authenticated'] };
const md = (user: string, ...groups: string[]) => {
  const m = new Metadata();
  m.set('impersonate-user', user);
  for (const g of groups) m.add('impersonate-group', g);
  return m;
};

/** Allows everything and records what was asked, as "resource namespace/name". */
function recorder(): { authz: Authorizer; seen: string[] } {
  const seen: string[] = [];
  const authz: Authorizer = {
    authorize: (_u, a: RequestAttributes) => {
      seen.push(`${a.verb} ${fullResource(a)} ${a.namespace}/${a.name}`);
      return { decision: 'allow', reason: '' };
    },
  };
  return { authz, seen };
}

describe('impersonation', () => {
  it('splits service-account user names strictly: exactly four parts with a valid namespace and name', () => {
    assert.deepEqual(splitServiceAccountUsername('system:serviceaccount:ns1:robot'), { namespace: 'ns1', name: 'robot' });
    assert.deepEqual(splitServiceAccountUsername('system:serviceaccount:kube-system:a.b-c'), { namespace: 'kube-system', name: 'a.b-c' });
    for (const plain of [
      'system:serviceaccount:ns1:robot:extra',
      'system:serviceaccount:ns1',
      'system:serviceaccount:ns1:',
      'system:serviceaccount::robot',
      'system:serviceaccount:NS:robot',
      'system:serviceaccount:ns.1:robot',
      'system:serviceaccount:ns1:Robot',
      `system:serviceaccount:${'n'.repeat(64)}:robot`,
      'system:serviceaccounts:ns1:robot',
      'alice',
    ]) {
      assert.equal(splitServiceAccountUsername(plain), undefined, plain);
    }
  });

  it('impersonates a service account with the serviceaccounts resource and its groups', async () => {
    const { authz, seen } = recorder();
    const u = await impersonate(admin, md('system:serviceaccount:ns1:robot'), authz);
    assert.deepEqual(seen, ['impersonate serviceaccounts ns1/robot']);
    assert.deepEqual(u, { name: 'system:serviceaccount:ns1:robot', uid: '', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'] });
  });

  it('treats system:serviceaccount:ns:name:extra as a plain user: checked on users, no service-account groups', async () => {
    const { authz, seen } = recorder();
    const u = await impersonate(admin, md('system:serviceaccount:ns1:robot:extra'), authz);
    assert.deepEqual(seen, ['impersonate users /system:serviceaccount:ns1:robot:extra']);
    assert.deepEqual(u.groups, ['system:authenticated']);
  });

  it('refuses a caller who may impersonate only the service account the longer name starts with', async () => {
    const onlyRobot: Authorizer = { authorize: (_u, a) => ({ decision: a.resource === 'serviceaccounts' && a.namespace === 'ns1' && a.name === 'robot' ? 'allow' : 'no-opinion', reason: '' }) };
    await impersonate(admin, md('system:serviceaccount:ns1:robot'), onlyRobot);
    await assert.rejects(impersonate(admin, md('system:serviceaccount:ns1:robot:extra'), onlyRobot), /users "system:serviceaccount:ns1:robot:extra" is forbidden: User "admin" cannot impersonate resource "users"/);
  });

  it('uses the groups asked for, with system:authenticated (system:unauthenticated for the anonymous user)', async () => {
    const { authz } = recorder();
    assert.deepEqual((await impersonate(admin, md('system:serviceaccount:ns1:robot', 'ops'), authz)).groups, ['ops', 'system:authenticated']);
    assert.deepEqual((await impersonate(admin, md('bob', 'system:unauthenticated'), authz)).groups, ['system:unauthenticated']);
    assert.deepEqual((await impersonate(admin, md('system:anonymous'), authz)).groups, ['system:unauthenticated']);
    assert.deepEqual((await impersonate(admin, md('bob', 'system:authenticated', 'ops'), authz)).groups, ['system:authenticated', 'ops']);
  });

  it('impersonates a uid and extra attributes, each checked as Kubernetes checks them, in its order', async () => {
    const { authz, seen } = recorder();
    const m = md('alice', 'devs');
    m.set('impersonate-uid', 'u-1');
    m.add('impersonate-extra', extraEntry('scopes', 'view'));
    m.add('impersonate-extra', extraEntry('scopes', 'edit'));
    m.add('impersonate-extra', extraEntry('example.com/team=x', 'a'));
    const u = await impersonate(admin, m, authz);
    assert.deepEqual(seen, [
      'impersonate users /alice',
      'impersonate groups /devs',
      'impersonate userextras/example.com/team=x /a',
      'impersonate userextras/scopes /view',
      'impersonate userextras/scopes /edit',
      'impersonate uids /u-1',
    ]);
    assert.deepEqual(u, { name: 'alice', uid: 'u-1', groups: ['devs', 'system:authenticated'], extra: { 'example.com/team=x': ['a'], scopes: ['view', 'edit'] } });
  });

  it('refuses the extra attribute or uid not allowed, naming it as Kubernetes does', async () => {
    const authz: Authorizer = { authorize: (_u, a) => ({ decision: a.resource === 'users' || a.name === 'view' ? 'allow' : 'no-opinion', reason: '' }) };
    const m = md('alice');
    m.add('impersonate-extra', extraEntry('scopes', 'view'));
    m.set('impersonate-uid', 'u-2');
    await assert.rejects(impersonate(admin, m, authz), {
      message: 'uids.authentication.k8s.io "u-2" is forbidden: User "admin" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope',
    });
    m.add('impersonate-extra', extraEntry('scopes', 'admin'));
    await assert.rejects(impersonate(admin, m, authz), {
      message: 'userextras.authentication.k8s.io "admin" is forbidden: User "admin" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope',
    });
  });

  it('needs a user to impersonate a uid or extra attributes, and well-formed extra metadata', async () => {
    const { authz } = recorder();
    const uidOnly = new Metadata();
    uidOnly.set('impersonate-uid', 'u-1');
    await assert.rejects(impersonate(admin, uidOnly, authz), { message: 'requested impersonate-uid without impersonate-user: impersonating a uid needs a user' });
    const extraOnly = new Metadata();
    extraOnly.add('impersonate-extra', 'scopes=view');
    await assert.rejects(impersonate(admin, extraOnly, authz), /requested impersonate-extra without impersonate-user/);
    const bad = md('alice');
    bad.add('impersonate-extra', 'no-key');
    await assert.rejects(impersonate(admin, bad, authz), /expected <percent-encoded key>=<percent-encoded value>/);
  });

  it('reads values HTTP/2 joined with commas (a repeated metadata key) one by one', async () => {
    const { authz, seen } = recorder();
    const m = md('alice');
    m.set('impersonate-group', 'devs, ops');
    m.set('impersonate-extra', `${extraEntry('scopes', 'a,b')}, ${extraEntry('scopes', 'c')}`);
    const u = await impersonate(admin, m, authz);
    assert.deepEqual(u.groups, ['devs', 'ops', 'system:authenticated']);
    assert.deepEqual(u.extra, { scopes: ['a,b', 'c'] });
    assert.equal(seen.length, 5);
  });
});
