// The HTTP API's paths that are not resources (health, /version, discovery, OpenAPI) authorized as
// kube-apiserver authorizes them: as non-resource URLs by RBAC's bootstrap roles, with anonymous
// callers (system:anonymous in system:unauthenticated) allowed what system:public-info-viewer
// allows, authenticated ones what system:discovery allows, and nothing more once a binding is gone.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { ClientHttp2Session } from 'node:http2';
import { issueClientCertificate } from '../../../lib/pki/certificates';
import { http2Request, http2Session } from '../../support/https-request';
import { waitFor } from '../../support/wait';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

describe('HTTP API: discovery and public paths under RBAC', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  let admin: ClientHttp2Session;
  let alice: ClientHttp2Session;
  let anonymous: ClientHttp2Session;

  const session = (pair?: { cert: string; key: string }) => http2Session({ port: s.server.securePort!, ca: s.ca.cert, ...pair });

  const request = (c: ClientHttp2Session, method: string, path: string, headers: Record<string, string> = {}) => http2Request(c, method, path, undefined, headers);

  before(async () => {
    s = await startSecureApiserver({ tokens: { 'carol-token': { user: 'carol' } }, config: { securePort: 0 } });
    admin = session({ cert: readFileSync(s.pki.admin.cert, 'utf8'), key: readFileSync(s.pki.admin.key, 'utf8') });
    alice = session(await issueClientCertificate(s.ca, 'alice', []));
    anonymous = session();
  });
  after(async () => {
    for (const c of [admin, alice, anonymous]) c?.close();
    await s?.stop();
  });

  it('bootstraps system:discovery and system:public-info-viewer as Kubernetes does', async () => {
    const discovery = await request(admin, 'GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:discovery');
    assert.deepEqual(discovery.json.rules, [{ verbs: ['get'], nonResourceURLs: ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'] }]);
    const viewer = await request(admin, 'GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/system:public-info-viewer');
    assert.deepEqual(viewer.json.subjects.map((x: { name: string }) => x.name), ['system:authenticated', 'system:unauthenticated']);
  });

  it('lets anyone read health and the version, and nothing else without credentials', async () => {
    for (const path of ['/healthz', '/livez', '/readyz', '/version']) assert.equal((await request(anonymous, 'GET', path)).status, 200, path);
    for (const path of ['/api', '/apis', '/openapi/v2', '/readyz/etcd']) {
      const r = await request(anonymous, 'GET', path);
      assert.equal(r.status, 403, path);
      assert.equal(r.json.reason, 'Forbidden');
      assert.equal(r.json.message, `forbidden: User "system:anonymous" cannot get path "${path}"`);
    }
    // Credentials that do not authenticate are refused, even for a public path.
    assert.equal((await request(anonymous, 'GET', '/healthz', { authorization: 'Bearer wrong' })).status, 401);
    // Resources stay closed to anonymous callers.
    assert.equal((await request(anonymous, 'GET', '/api/v1/namespaces')).status, 401);
  });

  it('lets authenticated users discover, and refuses them once system:discovery is unbound', async () => {
    assert.equal((await request(alice, 'GET', '/api')).status, 200);
    assert.equal((await request(anonymous, 'GET', '/apis', { authorization: 'Bearer carol-token' })).status, 200);
    assert.equal((await request(alice, 'GET', '/healthz/etcd')).status, 403);
    assert.equal((await request(admin, 'DELETE', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/system:discovery')).status, 200);
    await waitFor('discovery refused', async () => (await request(alice, 'GET', '/apis')).status === 403, 10_000);
    assert.equal((await request(alice, 'GET', '/openapi/v2')).json.message, 'forbidden: User "alice" cannot get path "/openapi/v2"');
    // Health and the version stay readable: system:public-info-viewer grants them too.
    assert.equal((await request(alice, 'GET', '/version')).status, 200);
    assert.equal((await request(admin, 'DELETE', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/system:public-info-viewer')).status, 200);
    await waitFor('health refused', async () => (await request(anonymous, 'GET', '/healthz')).status === 403, 10_000);
    assert.equal((await request(admin, 'GET', '/healthz')).status, 200);
  });
});
