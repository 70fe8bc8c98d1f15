// Impersonation of service accounts, parsed as Kubernetes' serviceaccount.SplitUsername does,
// and the groups an impersonated user gets (Kubernetes' impersonation filter).
import { strict as assert } from 'node:assert';
import { Metadata } from '@grpc/grpc-js';
import { impersonate, splitServiceAccountUsername } from '../../../../../services/apiserver/auth/authn/impersonation';
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
});
