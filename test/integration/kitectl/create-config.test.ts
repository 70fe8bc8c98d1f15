// kitectl's configuration and identity generators against a real apiserver: create configmap,
// secret generic|tls|docker-registry, serviceaccount (each read back through the API), the
// three --dry-run strategies, kubectl's error wording, get columns, describe serviceaccount,
// and create token through CreateServiceAccountToken.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNotFound } from '../../../lib/api/errors';
import type { Clientset } from '../../../lib/client/clientset';
import { writeConfigFile } from '../../../lib/client/kubeconfig';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { startSecureApiserver, type SecureApiserver } from '../security/secure-apiserver';
import { kitectl, rows, type KitectlResult } from './run-kitectl';

describe('kitectl create configmap|secret|serviceaccount|token against a real apiserver', function () {
  this.timeout(30_000);
  let api: TestApiserver;
  let cs: Clientset;
  let tmp: string;
  const ns = `cfg-${process.pid}`;
  const k = (args: string[]) => kitectl(['--server', api.address, '-n', ns, ...args]);
  const ok = async (args: string[]): Promise<KitectlResult> => {
    const r = await k(args);
    assert.equal(r.code, 0, `kitectl ${args.join(' ')} failed: ${r.err}`);
    return r;
  };

  before(async () => {
    api = await startTestApiserver();
    cs = api.client();
    tmp = mkdtempSync(join(tmpdir(), 'kitectl-create-config-'));
    writeFileSync(join(tmp, 'app.properties'), 'color=blue\n');
    writeFileSync(join(tmp, 'logo.bin'), Buffer.from([0xff, 0x00, 0x80]));
    writeFileSync(join(tmp, 'app.env'), '# comment\nMODE=prod\n');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(tmp, 'tls.key'), '-out', join(tmp, 'tls.crt'), '-days', '1', '-subj', '/CN=kite'], { stdio: 'ignore' });
    const created = await kitectl(['--server', api.address, 'create', 'namespace', ns]);
    assert.equal(created.code, 0, created.err);
  });
  after(async () => {
    await api?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('creates a ConfigMap from literals and files (binary to binaryData) and reads it back', async () => {
    const r = await ok(['create', 'configmap', 'web', '--from-literal=mode=prod', `--from-file=${join(tmp, 'app.properties')}`, `--from-file=${join(tmp, 'logo.bin')}`]);
    assert.equal(r.out, 'configmap/web created\n');
    const cm = await cs.configMaps.get('web', ns);
    assert.deepEqual(cm.data, { mode: 'prod', 'app.properties': 'color=blue\n' });
    assert.deepEqual(Buffer.from(cm.binaryData['logo.bin']), Buffer.from([0xff, 0x00, 0x80]));
    assert.deepEqual(rows((await ok(['get', 'cm', 'web'])).out)[0], ['NAME', 'DATA', 'AGE']);
    assert.equal(rows((await ok(['get', 'cm', 'web'])).out)[1][1], '3');
  });

  it('refuses an existing name with kubectl\'s wording', async () => {
    const r = await k(['create', 'configmap', 'web', '--from-literal=a=1']);
    assert.equal(r.code, 1);
    assert.equal(r.err, 'error: failed to create configmap: configmaps "web" already exists\n');
    const s = await k(['create', 'serviceaccount', 'default-robot-dup']);
    assert.equal(s.code, 0);
    assert.equal((await k(['create', 'serviceaccount', 'default-robot-dup'])).err, 'error: failed to create serviceaccount: serviceaccounts "default-robot-dup" already exists\n');
  });

  it('--dry-run=server returns the defaulted object without storing it; --dry-run=client never calls the server', async () => {
    const r = await ok(['create', 'secret', 'generic', 'dry', '--from-literal=a=1', '--dry-run=server', '-o', 'yaml']);
    assert.match(r.out, /type: Opaque/, 'the server defaulted the type');
    assert.match(r.out, new RegExp(`namespace: ${ns}`));
    await assert.rejects(cs.secrets.get('dry', ns), (e) => isNotFound(e));
    assert.equal((await ok(['create', 'secret', 'generic', 'dry', '--from-literal=a=1', '--dry-run=server'])).out, 'secret/dry created (server dry run)\n');
    const unreachable = await kitectl(['--server', '127.0.0.1:1', 'create', 'sa', 'x', '--dry-run=client', '-o', 'name']);
    assert.deepEqual(unreachable, { code: 0, out: 'serviceaccount/x\n', err: '' });
  });

  it('creates generic, tls and docker-registry Secrets and reads them back', async () => {
    assert.equal((await ok(['create', 'secret', 'generic', 'creds', '--from-literal=user=admin', `--from-file=env=${join(tmp, 'app.env')}`])).out, 'secret/creds created\n');
    const creds = await cs.secrets.get('creds', ns);
    assert.equal(creds.type, 'Opaque');
    assert.equal(Buffer.from(creds.data.user).toString(), 'admin');

    assert.equal((await ok(['create', 'secret', 'generic', 'fromenv', `--from-env-file=${join(tmp, 'app.env')}`, '--type=example.com/env'])).out, 'secret/fromenv created\n');
    const fromenv = await cs.secrets.get('fromenv', ns);
    assert.equal(fromenv.type, 'example.com/env');
    assert.deepEqual(Object.keys(fromenv.data), ['MODE']);

    await ok(['create', 'secret', 'tls', 'cert', `--cert=${join(tmp, 'tls.crt')}`, `--key=${join(tmp, 'tls.key')}`]);
    const tls = await cs.secrets.get('cert', ns);
    assert.equal(tls.type, 'kubernetes.io/tls');
    assert.match(Buffer.from(tls.data['tls.crt']).toString(), /BEGIN CERTIFICATE/);

    await ok(['create', 'secret', 'docker-registry', 'regcred', '--docker-server=registry.example:5000', '--docker-username=robot', '--docker-password=pw', '--docker-email=r@example.com']);
    const reg = await cs.secrets.get('regcred', ns);
    assert.equal(reg.type, 'kubernetes.io/dockerconfigjson');
    assert.deepEqual(JSON.parse(Buffer.from(reg.data['.dockerconfigjson']).toString()), {
      auths: { 'registry.example:5000': { username: 'robot', password: 'pw', email: 'r@example.com', auth: Buffer.from('robot:pw').toString('base64') } },
    });

    const table = rows((await ok(['get', 'secrets', 'creds', 'cert', 'regcred'])).out);
    assert.deepEqual(table[0], ['NAME', 'TYPE', 'DATA', 'AGE']);
    assert.deepEqual(table.slice(1).map((r) => r.slice(0, 3)), [
      ['creds', 'Opaque', '2'],
      ['cert', 'kubernetes.io/tls', '2'],
      ['regcred', 'kubernetes.io/dockerconfigjson', '1'],
    ]);
    const described = (await ok(['describe', 'secret', 'regcred'])).out;
    assert.doesNotMatch(described, /robot|cm9ib3Q/, 'describe never prints secret values');
  });

  it('creates a ServiceAccount (alias sa), prints -o yaml from the server, lists and describes it', async () => {
    const r = await ok(['create', 'sa', 'robot', '-o', 'yaml']);
    assert.match(r.out, /^apiVersion: v1\nkind: ServiceAccount\n/);
    assert.match(r.out, /uid: /, 'printed as the server returned it');
    const sa = await cs.serviceAccounts.get('robot', ns);
    await cs.serviceAccounts.update({ ...sa, imagePullSecrets: [{ name: 'regcred' }, { name: 'absent' }] });
    const table = rows((await ok(['get', 'sa', 'robot'])).out);
    assert.deepEqual(table[0], ['NAME', 'SECRETS', 'AGE']);
    assert.deepEqual(table[1].slice(0, 2), ['robot', '0']);
    const described = (await ok(['describe', 'sa', 'robot'])).out;
    assert.match(described, /^Name:\s+robot\n/);
    assert.match(described, /\nImage pull secrets:\s+regcred\n\s+absent \(not found\)\n/);
    assert.match(described, /\nMountable secrets:\s+<none>\nTokens:\s+<none>\n/);
  });

  it('--save-config records the object, so a later apply removes keys dropped from it', async () => {
    await ok(['create', 'configmap', 'saved', '--from-literal=a=1', '--from-literal=b=2', '--save-config']);
    const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: saved\n  namespace: ${ns}\ndata:\n  a: "1"\n`;
    assert.equal((await kitectl(['--server', api.address, 'apply', '-f', '-'], { stdin: manifest })).out, 'configmap/saved configured\n');
    assert.deepEqual((await cs.configMaps.get('saved', ns)).data, { a: '1' });
  });
});

describe('kitectl create token against an apiserver that issues bound tokens', function () {
  this.timeout(30_000);
  let s: SecureApiserver;
  let kubeconfig: string;
  const ns = `token-${process.pid}`;
  const k = (args: string[]) => kitectl(['--kubeconfig', kubeconfig, '-n', ns, ...args]);

  before(async () => {
    // A kite cluster's apiserver: TLS, client certificates, --service-account-issuer and sa.key.
    s = await startSecureApiserver();
    const b64 = (path: string) => readFileSync(path).toString('base64');
    kubeconfig = join(s.dir, 'kitectl.conf');
    writeConfigFile(kubeconfig, {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'kite', cluster: { server: `https://${s.address}`, 'certificate-authority-data': b64(s.pki.ca.cert) } }],
      users: [{ name: 'admin', user: { 'client-certificate-data': b64(s.pki.admin.cert), 'client-key-data': b64(s.pki.admin.key) } }],
      contexts: [{ name: 'kite', context: { cluster: 'kite', user: 'admin' } }],
      'current-context': 'kite',
    });
    assert.equal((await kitectl(['--kubeconfig', kubeconfig, 'create', 'namespace', ns])).code, 0);
    assert.equal((await k(['create', 'serviceaccount', 'robot'])).code, 0);
  });
  after(() => s?.stop());

  it('create token asks CreateServiceAccountToken and prints only the token', async () => {
    const r = await k(['create', 'token', 'robot', '--audience=https://kite.test', '--duration=10m']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWT without a trailing newline (stdout is not a terminal)');
    const payload = JSON.parse(Buffer.from(r.out.split('.')[1], 'base64url').toString());
    assert.deepEqual(payload.aud, ['https://kite.test']);
    assert.equal(payload.exp - payload.iat, 600);
    const missing = await k(['create', 'token', 'nobody']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /^error: failed to create token: serviceaccounts "nobody" not found\n$/);
  });

  it('binds the token to a Secret, lets the server choose the lifetime, and prints the TokenRequest with -o yaml', async () => {
    assert.equal((await k(['create', 'secret', 'generic', 'anchor', '--from-literal=a=1'])).code, 0);
    const r = await k(['create', 'token', 'robot', '--bound-object-kind=Secret', '--bound-object-name=anchor', '-o', 'yaml']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^apiVersion: authentication\.k8s\.io\/v1\nkind: TokenRequest\n/);
    assert.match(r.out, /expirationSeconds: 3600\n/, 'the server default');
    assert.match(r.out, /boundObjectRef:\n {4}apiVersion: v1\n {4}kind: Secret\n {4}name: anchor\n/);
    const token = r.out.match(/\n {2}token: (\S+)\n/)![1];
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    assert.equal(claims['kubernetes.io'].secret.name, 'anchor');
    const gone = await k(['create', 'token', 'robot', '--bound-object-kind=Secret', '--bound-object-name=missing']);
    assert.equal(gone.code, 1);
    assert.match(gone.err, /^error: failed to create token: /);
  });
});
