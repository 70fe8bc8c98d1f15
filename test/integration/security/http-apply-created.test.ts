// An apply patch (server-side apply) that creates its object answers 201 Created, one that updates
// an existing object 200 OK, as kube-apiserver's patcher answers (wasCreated in handlers/patch.go);
// seen in a raw HTTPS request and in the real kubectl's `apply --server-side -v=6` request log.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ClientHttp2Session } from 'node:http2';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { http2Request, http2Session } from '../../support/https-request';
import { uniqueName } from '../../support/names';
import { startSecureApiserver, writeKubeconfig, type SecureApiserver } from './secure-apiserver';

const run = promisify(execFile);
const APPLY = 'application/apply-patch+yaml';

describe('HTTP API: an apply patch that creates its object answers 201', function () {
  this.timeout(120_000);
  let s: SecureApiserver;
  let admin: ClientHttp2Session;
  let env: NodeJS.ProcessEnv;
  const ns = uniqueName('applied');

  const request = (method: string, path: string, body: string, contentType: string) => http2Request(admin, method, path, body, { 'content-type': contentType });

  before(async function () {
    s = await startSecureApiserver({ config: { securePort: 0 } });
    admin = http2Session({ port: s.server.securePort!, ca: s.ca.cert, cert: readFileSync(s.pki.admin.cert, 'utf8'), key: readFileSync(s.pki.admin.key, 'utf8') });
    env = { ...process.env, KUBECONFIG: writeKubeconfig(s, join(s.dir, 'kubeconfig'), { namespace: ns }), HOME: s.dir };
    assert.equal((await request('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }), 'application/json')).status, 201);
  });
  after(async () => {
    admin?.close();
    await s?.stop();
  });

  it('answers 201 for the apply that creates (a dry run too), 200 for the one that updates', async () => {
    const path = `/api/v1/namespaces/${ns}/configmaps/cm?fieldManager=test`;
    const config = (v: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: v } });
    const dry = await request('PATCH', `${path}&dryRun=All`, config('0'), APPLY);
    assert.equal(dry.status, 201, dry.json.message);
    const created = await request('PATCH', path, config('1'), APPLY);
    assert.equal(created.status, 201, created.json.message);
    assert.equal(created.json.data.a, '1');
    const updated = await request('PATCH', path, config('2'), APPLY);
    assert.equal(updated.status, 200, updated.json.message);
    assert.equal(updated.json.data.a, '2');
    assert.equal(updated.json.metadata.uid, created.json.metadata.uid);
    const merged = await request('PATCH', `/api/v1/namespaces/${ns}/configmaps/cm`, JSON.stringify({ data: { b: '3' } }), 'application/merge-patch+json');
    assert.equal(merged.status, 200);
  });

  it('kubectl apply --server-side logs 201 Created for the create, 200 OK for the next apply', async function () {
    try {
      await run('kubectl', ['version', '--client']);
    } catch {
      this.skip();
    }
    const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: by-kubectl\ndata:\n  a: "1"\n`;
    const apply = async () => {
      const child = run('kubectl', ['apply', '--server-side', '-v=6', '-f', '-'], { env });
      child.child.stdin!.end(manifest);
      return child;
    };
    const first = await apply();
    assert.equal(first.stdout, 'configmap/by-kubectl serverside-applied\n');
    assert.match(first.stderr, new RegExp(`PATCH https://\\S+/api/v1/namespaces/${ns}/configmaps/by-kubectl\\?\\S+ 201 Created in `));
    const second = await apply();
    assert.match(second.stderr, new RegExp(`PATCH https://\\S+/api/v1/namespaces/${ns}/configmaps/by-kubectl\\?\\S+ 200 OK in `));
  });
});
