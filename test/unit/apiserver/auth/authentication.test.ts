import { strict as assert } from 'node:assert';
import { Metadata, status } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { Authenticator } from '../../../../services/apiserver/auth/authn/authenticator';
import { impersonate } from '../../../../services/apiserver/auth/authn/impersonation';
import { TokenFileAuthenticator, parseCSVLine, parseTokenFile } from '../../../../services/apiserver/auth/authn/token-file';
import { userFromCertificate } from '../../../../lib/pki/client-identity';
import type { Authorizer } from '../../../../services/apiserver/auth/authz/authorizer';

const cert = (subject: Record<string, string | string[]>, eku?: string[]) =>
  ({ raw: Buffer.from('x'), subject, ...(eku ? { ext_key_usage: eku } : {}) }) as unknown as PeerCertificate;
const call = (o: { cert?: PeerCertificate; auth?: string; md?: Record<string, string | string[]> } = {}) => {
  const metadata = new Metadata();
  if (o.auth) metadata.set('authorization', o.auth);
  for (const [k, v] of Object.entries(o.md ?? {})) for (const x of [v].flat()) metadata.add(k, x);
  return { metadata, getAuthContext: () => (o.cert ? { transportSecurityType: 'ssl', sslPeerCertificate: o.cert } : {}) };
};

describe('authentication', () => {
  describe('token file', () => {
    it('parses kube-apiserver CSV with quoted groups, comments and blank lines', () => {
      const tokens = parseTokenFile('# comment\n\nt1,alice,u1,"devs,ops"\nt2,bob,u2\n"t,3",carol,u3,"a ""quoted"" group"\n');
      assert.deepEqual(tokens.get('t1'), { name: 'alice', uid: 'u1', groups: ['devs', 'ops'] });
      assert.deepEqual(tokens.get('t2'), { name: 'bob', uid: 'u2', groups: [] });
      assert.deepEqual(tokens.get('t,3')?.groups, ['a "quoted" group']);
      assert.deepEqual(parseCSVLine('a,"b,c",d'), ['a', 'b,c', 'd']);
    });
    it('names the line of a malformed entry', () => {
      assert.throws(() => parseTokenFile('t1,alice,u1\nonly-a-token\n', 'tokens.csv'), /tokens\.csv:2: expected token,user,uid/);
      assert.throws(() => parseTokenFile('"t1,alice,u1\n', 'tokens.csv'), /tokens\.csv:1: unterminated/);
    });
  });

  describe('x509', () => {
    it('reads CN as the user and every O as a group', () => {
      assert.deepEqual(userFromCertificate(cert({ CN: 'system:node:n1', O: ['system:nodes', 'extra'] })), { user: { name: 'system:node:n1', uid: '', groups: ['system:nodes', 'extra'] } });
      assert.deepEqual(userFromCertificate(cert({ CN: 'bob', O: 'devs' })), { user: { name: 'bob', uid: '', groups: ['devs'] } });
    });
    it('refuses a certificate without CN or without the clientAuth usage', () => {
      assert.match((userFromCertificate(cert({ O: 'x' })) as { error: string }).error, /no common name/);
      assert.match((userFromCertificate(cert({ CN: 'srv' }, ['1.3.6.1.5.5.7.3.1'])) as { error: string }).error, /clientAuth/);
      assert.equal(userFromCertificate(undefined), undefined);
    });
  });

  describe('Authenticator', () => {
    const authn = new Authenticator({ clientCertificates: true, tokens: new TokenFileAuthenticator(parseTokenFile('good,alice,u1,devs\n')) });

    it('prefers a verified certificate, then a token; adds system:authenticated', async () => {
      assert.deepEqual(await authn.authenticate(call({ cert: cert({ CN: 'bob', O: 'ops' }), auth: 'Bearer good' })), { name: 'bob', uid: '', groups: ['ops', 'system:authenticated'] });
      assert.deepEqual(await authn.authenticate(call({ auth: 'bearer good' })), { name: 'alice', uid: 'u1', groups: ['devs', 'system:authenticated'] });
    });

    for (const [name, c, msg] of [
      ['no credentials', call(), /no valid credentials/],
      ['a bad token', call({ auth: 'Bearer nope' }), /invalid bearer token/],
      ['another scheme', call({ auth: 'Basic YTpi' }), /must be "Bearer <token>"/],
    ] as const) {
      it(`refuses ${name} with UNAUTHENTICATED`, async () => {
        await assert.rejects(authn.authenticate(c), (err: { code: number; message: string }) => err.code === status.UNAUTHENTICATED && msg.test(err.message));
      });
    }

    it('treats everyone as an anonymous admin only when no authentication is configured', async () => {
      const dev = new Authenticator({ clientCertificates: false });
      assert.equal(dev.insecureDevMode, true);
      assert.deepEqual((await dev.authenticate(call({ auth: 'Bearer whatever' }))).groups, ['system:masters', 'system:authenticated']);
      assert.equal(authn.insecureDevMode, false);
    });
  });

  describe('impersonation', () => {
    const alice = { name: 'alice', uid: '', groups: ['system:authenticated'] };
    const only = (allowed: string[]): Authorizer => ({
      authorize: (_u, a) => ({ decision: allowed.includes(`${a.resource}/${a.name}`) ? 'allow' : 'no-opinion', reason: '' }),
    });

    it('acts as the requested user and groups when each is allowed', async () => {
      const u = await impersonate(alice, call({ md: { 'impersonate-user': 'system:node:n1', 'impersonate-group': 'system:nodes' } }).metadata, only(['users/system:node:n1', 'groups/system:nodes']));
      assert.deepEqual(u, { name: 'system:node:n1', uid: '', groups: ['system:nodes', 'system:authenticated'] });
    });

    it('needs the impersonate verb for the user and for every group', async () => {
      await assert.rejects(impersonate(alice, call({ md: { 'impersonate-user': 'bob' } }).metadata, only([])), /users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope/);
      await assert.rejects(impersonate(alice, call({ md: { 'impersonate-user': 'bob', 'impersonate-group': 'system:masters' } }).metadata, only(['users/bob'])), /groups "system:masters" is forbidden/);
      await assert.rejects(impersonate(alice, call({ md: { 'impersonate-group': 'x' } }).metadata, only([])), /without impersonate-user/);
    });

    it('checks service accounts as serviceaccounts in their namespace', async () => {
      const seen: string[] = [];
      const rec: Authorizer = { authorize: (_u, a) => (seen.push(`${a.resource}/${a.namespace}/${a.name}`), { decision: 'allow', reason: '' }) };
      await impersonate(alice, call({ md: { 'impersonate-user': 'system:serviceaccount:ns1:robot' } }).metadata, rec);
      assert.deepEqual(seen, ['serviceaccounts/ns1/robot']);
    });

    it('leaves the caller alone without impersonation metadata', async () => {
      assert.equal(await impersonate(alice, new Metadata(), only([])), alice);
    });
  });
});
