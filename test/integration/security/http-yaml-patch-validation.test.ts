// Request bodies in YAML (Content-Type: application/yaml) for create and update, as kube-apiserver
// reads them, and fieldValidation applied to merge and strategic merge patches: Strict refuses an
// unknown field with a 400 "strict decoding error", Warn answers with a Warning header, Ignore
// drops it; the real kubectl's patch (sent without fieldValidation, so Warn) prints the warning as
// it does against kube-apiserver.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ClientHttp2Session } from 'node:http2';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { http2Request, http2Session } from '../../support/https-request';
import { uniqueName } from '../../support/names';
import { kubectlWith, startSecureApiserver, writeKubeconfig, type SecureApiserver } from './secure-apiserver';

const run = promisify(execFile);

describe('HTTP API: YAML bodies and fieldValidation on patches', function () {
  this.timeout(120_000);
  let s: SecureApiserver;
  let admin: ClientHttp2Session;
  let env: NodeJS.ProcessEnv;
  const ns = uniqueName('yaml');
  const kubectl = kubectlWith(() => env);

  const request = (method: string, path: string, body: string, contentType: string) => http2Request(admin, method, path, body, { 'content-type': contentType });

  before(async function () {
    s = await startSecureApiserver({ config: { securePort: 0 } });
    admin = http2Session({ port: s.server.securePort!, ca: s.ca.cert, cert: readFileSync(s.pki.admin.cert, 'utf8'), key: readFileSync(s.pki.admin.key, 'utf8') });
    const kubeconfig = writeKubeconfig(s, join(s.dir, 'kubeconfig'), { namespace: ns });
    env = { ...process.env, KUBECONFIG: kubeconfig, HOME: s.dir };
    assert.equal((await request('POST', '/api/v1/namespaces', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ' + ns + '\n', 'application/yaml')).status, 201);
  });
  after(async () => {
    admin?.close();
    await s?.stop();
  });

  it('creates and updates from YAML bodies (quantities as numbers too) and refuses bad YAML with a 400', async () => {
    const yaml = ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: web', '  labels: {app: web}', 'spec:', '  containers:', '  - name: c', '    image: nginx', '    resources:', '      limits: {cpu: 0.5}', ''].join('\n');
    const created = await request('POST', `/api/v1/namespaces/${ns}/pods`, yaml, 'application/yaml');
    assert.equal(created.status, 201);
    assert.equal(created.json.kind, 'Pod');
    assert.equal(created.json.spec.containers[0].resources.limits.cpu, '500m');

    const updated = await request('PUT', `/api/v1/namespaces/${ns}/pods/web`, yaml.replace('app: web', 'app: web, tier: front'), 'application/yaml');
    assert.equal(updated.status, 200);
    assert.deepEqual(updated.json.metadata.labels, { app: 'web', tier: 'front' });

    const bad = await request('POST', `/api/v1/namespaces/${ns}/configmaps`, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n', 'application/yaml');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.reason, 'BadRequest');
    assert.match(bad.json.message, /^error converting YAML to JSON: yaml: line \d+: /);

    const other = await request('POST', `/api/v1/namespaces/${ns}/configmaps`, 'x', 'text/plain');
    assert.equal(other.status, 415);
    assert.equal(other.json.message, 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf');
  });

  it('refuses an unknown field in a merge or strategic merge patch with Strict, warns with Warn, drops it with Ignore', async () => {
    await request('POST', `/api/v1/namespaces/${ns}/configmaps`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: '1' } }), 'application/json');
    const path = `/api/v1/namespaces/${ns}/configmaps/cm`;
    for (const type of ['application/merge-patch+json', 'application/strategic-merge-patch+json']) {
      const strict = await request('PATCH', `${path}?fieldValidation=Strict`, JSON.stringify({ data: { b: '2' }, spec: { foo: 1 } }), type);
      assert.equal(strict.status, 400, type);
      assert.equal(strict.json.reason, 'BadRequest');
      assert.equal(strict.json.message, 'strict decoding error: unknown field "spec"');
    }
    const warned = await request('PATCH', path, JSON.stringify({ metadata: { labels: { x: 'y' }, bogus: true }, data: { b: '2' } }), 'application/merge-patch+json');
    assert.equal(warned.status, 200);
    assert.equal(warned.headers.warning, '299 - "unknown field \\"metadata.bogus\\""');
    assert.equal(warned.json.data.b, '2');
    const ignored = await request('PATCH', `${path}?fieldValidation=Ignore`, JSON.stringify({ data: { c: '3' }, bogus: 1 }), 'application/merge-patch+json');
    assert.equal(ignored.status, 200);
    assert.equal(ignored.headers.warning, undefined);
    // Directives and deletions are not fields.
    const directives = await request('PATCH', `${path}?fieldValidation=Strict`, JSON.stringify({ $retainKeys: ['data'], data: { a: null } }), 'application/strategic-merge-patch+json');
    assert.equal(directives.status, 200, directives.json.message);
  });

  it('kubectl patch (no fieldValidation: the server defaults to Warn) prints the warning kube-apiserver sends', async function () {
    try {
      await run('kubectl', ['version', '--client']);
    } catch {
      this.skip();
    }
    const r = await run('kubectl', ['patch', 'pod', 'web', '--type', 'strategic', '-p', '{"metadata":{"labels":{"patched":"yes"}},"spec":{"containers":[{"name":"c","imagePullPolcy":"Always"}]}}'], { env });
    assert.equal(r.stdout.trim(), 'pod/web patched');
    assert.equal(r.stderr, 'Warning: unknown field "spec.containers[0].imagePullPolcy"\n');
    assert.equal(JSON.parse(await kubectl('get', 'pod', 'web', '-o', 'json')).metadata.labels.patched, 'yes');
  });
});
