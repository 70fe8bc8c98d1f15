// fieldValidation on JSON patches (RFC 6902), as kube-apiserver's patcher applies it: the patched
// object is decoded strictly, so an unknown field a JSON patch writes is refused with Strict (400
// "strict decoding error"), reported in a Warning header with Warn (the default) and dropped with
// Ignore; fields the patch does not add (the live object's) are never reported.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { ClientHttp2Session } from 'node:http2';
import { http2Request, http2Session } from '../../support/https-request';
import { uniqueName } from '../../support/names';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

const JSON_PATCH = 'application/json-patch+json';

describe('HTTP API: fieldValidation on JSON patches', function () {
  this.timeout(120_000);
  let s: SecureApiserver;
  let admin: ClientHttp2Session;
  const ns = uniqueName('jsonpatch');

  const request = (method: string, path: string, body: object | undefined, contentType = 'application/json') => http2Request(admin, method, path, body, { 'content-type': contentType });

  before(async function () {
    s = await startSecureApiserver({ config: { securePort: 0 } });
    admin = http2Session({ port: s.server.securePort!, ca: s.ca.cert, cert: readFileSync(s.pki.admin.cert, 'utf8'), key: readFileSync(s.pki.admin.key, 'utf8') });
    assert.equal((await request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })).status, 201);
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
    assert.equal((await request('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment)).status, 201);
  });
  after(async () => {
    admin?.close();
    await s?.stop();
  });

  const path = () => `/apis/apps/v1/namespaces/${ns}/deployments/web`;

  it('Strict refuses an unknown field a JSON patch adds, and writes nothing', async () => {
    const strict = await request('PATCH', `${path()}?fieldValidation=Strict`, [{ op: 'add', path: '/spec/foo', value: 1 }, { op: 'replace', path: '/spec/replicas', value: 4 }], JSON_PATCH);
    assert.equal(strict.status, 400);
    assert.equal(strict.json.reason, 'BadRequest');
    assert.equal(strict.json.message, 'strict decoding error: unknown field "spec.foo"');
    assert.equal((await request('GET', path(), undefined)).json.spec.replicas, 1);
    const nested = await request('PATCH', `${path()}?fieldValidation=Strict`, [{ op: 'add', path: '/spec/template/spec/containers/0/imagePullPolcy', value: 'Always' }], JSON_PATCH);
    assert.equal(nested.status, 400);
    assert.equal(nested.json.message, 'strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolcy"');
    const known = await request('PATCH', `${path()}?fieldValidation=Strict`, [{ op: 'replace', path: '/spec/replicas', value: 2 }], JSON_PATCH);
    assert.equal(known.status, 200, known.json.message);
    assert.equal(known.headers.warning, undefined);
    assert.equal(known.json.spec.replicas, 2);
  });

  it('Warn (and no fieldValidation) answers with a Warning header; Ignore drops the field silently', async () => {
    for (const query of ['?fieldValidation=Warn', '']) {
      const warned = await request('PATCH', `${path()}${query}`, [{ op: 'add', path: '/metadata/labels/tier', value: 'front' }, { op: 'add', path: '/spec/foo', value: 1 }], JSON_PATCH);
      assert.equal(warned.status, 200, warned.json.message);
      assert.equal(warned.headers.warning, '299 - "unknown field \\"spec.foo\\""');
      assert.equal(warned.json.metadata.labels.tier, 'front');
      assert.equal(warned.json.spec.foo, undefined);
    }
    const ignored = await request('PATCH', `${path()}?fieldValidation=Ignore`, [{ op: 'add', path: '/spec/foo', value: 1 }], JSON_PATCH);
    assert.equal(ignored.status, 200);
    assert.equal(ignored.headers.warning, undefined);
  });
});
