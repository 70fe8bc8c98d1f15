// The real kubectl's commands that send Kubernetes' protobuf (typed clients: create namespace,
// deployment, configmap, secret, serviceaccount, token; auth can-i; auth whoami) against a secure
// apiserver's HTTP API, each object read back over gRPC; and a delete with a protobuf DeleteOptions
// as client-go's typed clients send it.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeProtobuf, encodeProtobuf } from '../../../lib/api/k8s-protobuf';
import { ConfigMaps, Deployments, Namespaces, Secrets, ServiceAccounts } from '../../../lib/api/kinds';
import type { Clientset } from '../../../lib/client';
import { httpsRequest } from '../../support/https-request';
import { uniqueName } from '../../support/names';
import { kubectlWith, startSecureApiserver, writeKubeconfig, type SecureApiserver } from './secure-apiserver';

const run = promisify(execFile);

describe('HTTP API: kubectl commands that send protobuf', function () {
  this.timeout(120_000);
  let s: SecureApiserver;
  let admin: Clientset;
  let env: NodeJS.ProcessEnv;
  const ns = uniqueName('protobuf');
  const janeToken = `${uniqueName('jane')}-token`;

  const kubectl = kubectlWith(() => env);

  before(async function () {
    try {
      await run('kubectl', ['version', '--client']);
    } catch {
      this.skip();
    }
    s = await startSecureApiserver({ config: { securePort: 0 }, tokens: { [janeToken]: { user: 'jane', groups: ['developers'] } } });
    admin = await s.admin();
    const kubeconfig = writeKubeconfig(s, join(s.dir, 'kubeconfig'), { namespace: ns, users: { jane: { token: janeToken } } });
    env = { ...process.env, KUBECONFIG: kubeconfig, HOME: s.dir };
  });
  after(() => s?.stop());

  /** A request as the admin, with a protobuf body. */
  const protobufRequest = async (method: string, path: string, body: Buffer = Buffer.alloc(0), accept = 'application/vnd.kubernetes.protobuf, application/json') => {
    const to = { port: s.server.securePort!, ca: readFileSync(s.pki.ca.cert), cert: readFileSync(s.pki.admin.cert), key: readFileSync(s.pki.admin.key) };
    const r = await httpsRequest(to, method, path, body, { 'content-type': 'application/vnd.kubernetes.protobuf', accept });
    return { ...r, contentType: String(r.headers['content-type']) };
  };

  it('creates a namespace', async () => {
    assert.equal((await kubectl('create', 'namespace', ns)).trim(), `namespace/${ns} created`);
    assert.equal((await admin.resource(Namespaces).get(ns)).metadata!.name, ns);
  });

  it('creates a deployment with an image', async () => {
    assert.equal((await kubectl('create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2')).trim(), 'deployment.apps/web created');
    const d = await admin.resource(Deployments).get('web', ns);
    assert.equal(d.spec!.replicas, 2);
    assert.deepEqual(d.spec!.selector!.matchLabels, { app: 'web' });
    assert.deepEqual(d.spec!.template!.spec!.containers.map((c) => [c.name, c.image]), [['nginx', 'nginx:1.27']]);
  });

  it('creates a configmap from literals and a file (binaryData)', async () => {
    const bin = join(s.dir, 'blob.bin');
    writeFileSync(bin, Buffer.from([0, 1, 2, 0xfe, 0xff]));
    assert.equal((await kubectl('create', 'configmap', 'settings', '--from-literal=mode=fast', `--from-file=blob=${bin}`)).trim(), 'configmap/settings created');
    const cm = await admin.resource(ConfigMaps).get('settings', ns);
    assert.deepEqual(cm.data, { mode: 'fast' });
    assert.deepEqual(Buffer.from(cm.binaryData.blob), Buffer.from([0, 1, 2, 0xfe, 0xff]));
  });

  it('creates a generic secret', async () => {
    assert.equal((await kubectl('create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret')).trim(), 'secret/creds created');
    const secret = await admin.resource(Secrets).get('creds', ns);
    assert.equal(secret.type, 'Opaque');
    assert.equal(Buffer.from(secret.data.password).toString(), 's3cret');
  });

  it('creates a service account and a token for it that authenticates as it', async () => {
    assert.equal((await kubectl('create', 'serviceaccount', 'robot')).trim(), 'serviceaccount/robot created');
    assert.equal((await admin.resource(ServiceAccounts).get('robot', ns)).metadata!.name, 'robot');
    const token = (await kubectl('create', 'token', 'robot', '--duration=10m')).trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    // As jane's kubeconfig entry, which has no client certificate to take precedence over the token.
    const whoami = await kubectl('--user=jane', `--token=${token}`, 'auth', 'whoami', '-o', 'json');
    assert.equal(JSON.parse(whoami).status.userInfo.username, `system:serviceaccount:${ns}:robot`);
  });

  it("deletes with a protobuf DeleteOptions, as client-go's typed clients send it (dry run, then for real)", async () => {
    const del = (options: Record<string, unknown>) =>
      protobufRequest('DELETE', `/api/v1/namespaces/${ns}/secrets/creds`, encodeProtobuf({ kind: 'DeleteOptions', apiVersion: 'v1', ...options }));
    const dry = await del({ dryRun: ['All'], propagationPolicy: 'Background' });
    assert.equal(dry.status, 200, `${dry.status} ${dry.body}`);
    assert.equal((await admin.resource(Secrets).get('creds', ns)).metadata!.name, 'creds');
    const wrongUid = await del({ preconditions: { uid: 'not-its-uid' } });
    assert.equal(wrongUid.status, 409, wrongUid.body);
    const done = await del({ gracePeriodSeconds: 0 });
    assert.equal(done.status, 200, done.body);
    await assert.rejects(admin.resource(Secrets).get('creds', ns), /not found/);
  });

  it('answers in protobuf a client that accepts only protobuf: an object, a list and a Status', async () => {
    const only = 'application/vnd.kubernetes.protobuf';
    const got = await protobufRequest('GET', `/api/v1/namespaces/${ns}/configmaps/settings`, undefined, only);
    assert.equal(got.status, 200, got.body);
    assert.equal(got.contentType, only);
    const cm = decodeProtobuf(got.raw).object as { kind: string; metadata: { name: string }; data: unknown };
    assert.deepEqual([cm.kind, cm.metadata.name, cm.data], ['ConfigMap', 'settings', { mode: 'fast' }]);
    const list = decodeProtobuf((await protobufRequest('GET', `/api/v1/namespaces/${ns}/configmaps`, undefined, only)).raw).object as { kind: string; items: { metadata: { name: string } }[] };
    assert.equal(list.kind, 'ConfigMapList');
    assert.ok(list.items.some((i) => i.metadata.name === 'settings'));
    const missing = await protobufRequest('GET', `/api/v1/namespaces/${ns}/configmaps/missing`, undefined, only);
    assert.equal(missing.status, 404);
    assert.deepEqual(decodeProtobuf(missing.raw).object, {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'configmaps "missing" not found', reason: 'NotFound', details: { name: 'missing', kind: 'configmaps' }, code: 404,
    });
    const json = await protobufRequest('GET', `/api/v1/namespaces/${ns}/configmaps/settings`);
    assert.equal(json.contentType, 'application/json');
  });

  it('asks auth can-i: yes for the admin, no for a user without a role', async () => {
    assert.equal((await kubectl('auth', 'can-i', 'create', 'pods')).trim(), 'yes');
    const no = await run('kubectl', ['--user=jane', 'auth', 'can-i', 'create', 'pods'], { env }).then(
      () => assert.fail('kubectl auth can-i said yes'),
      (err: { code?: number; stdout?: string }) => err,
    );
    assert.equal(no.code, 1);
    assert.equal(no.stdout?.trim(), 'no');
  });

  it('asks auth whoami', async () => {
    const out = await kubectl('--user=jane', 'auth', 'whoami');
    assert.match(out, /^ATTRIBUTE\s+VALUE\nUsername\s+jane\nUID\s+uid-0\nGroups\s+\[developers system:authenticated\]\n$/);
  });
});
