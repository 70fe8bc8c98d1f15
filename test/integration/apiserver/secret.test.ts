// Secret over real gRPC, on both stores: create with data and stringData (stringData merged into
// data, overriding the same keys, and never returned), the type defaulted to Opaque, each
// built-in type's required keys refused with Kubernetes' causes, the type immutable, immutable
// Secrets; the edit role reads and writes secrets and view cannot read them; `kitectl get
// secrets`, `describe secret` (sizes only, never values) and `apply` of a Kubernetes manifest.
import { strict as assert } from 'node:assert';
import { status as Status } from '@grpc/grpc-js';
import * as K from '../../../lib/api/kinds';
import { Namespace, Secret } from '../../../lib/gen/kite/core/v1/types';
import { RoleBinding } from '../../../lib/gen/kite/rbac/v1/types';
import { startSecureApiserver, type SecureApiserver } from '../security/secure-apiserver';
import { kitectl, rows } from '../kitectl/run-kitectl';
import { backends, causesOf, errorOf, Recorders, uniqueName, useApiserver } from './harness';

const IMMUTABLE = 'Forbidden: field is immutable when `immutable` is set';
const utf8 = (m: Record<string, Uint8Array>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Buffer.from(v).toString('utf8')]));
const b = (s: string) => Buffer.from(s, 'utf8');

function secret(name: string, extra: Partial<Secret> & { annotations?: Record<string, string> } = {}): Secret {
  const { annotations, ...rest } = extra;
  return Secret.fromPartial({ metadata: { name, namespace: 'default', annotations: annotations ?? {} }, ...rest });
}

for (const backend of backends()) {
  describe(`apiserver Secret over gRPC (${backend})`, function () {
    this.timeout(20_000);
    const h = useApiserver(backend);
    const recorders = new Recorders();
    afterEach(() => recorders.stopAll());

    it('creates with data and stringData: stringData merged into data (overriding), not returned; type defaults to Opaque', async () => {
      const name = uniqueName('sec');
      const created = await h.client.secrets.create(secret(name, { data: { user: b('admin'), pass: b('old') }, stringData: { pass: 's3cr3t', extra: 'ñ' } }));
      assert.equal(created.kind, 'Secret');
      assert.equal(created.apiVersion, 'v1');
      assert.equal(created.type, 'Opaque');
      assert.deepEqual(created.stringData, {});
      assert.deepEqual(utf8(created.data), { user: 'admin', pass: 's3cr3t', extra: 'ñ' });
      const got = await h.client.secrets.get(name);
      assert.deepEqual(got, created);
      const listed = (await h.client.secrets.list({ namespace: 'default', fieldSelector: `metadata.name=${name}` })).items;
      assert.deepEqual(listed.map((s) => utf8(s.data)), [{ user: 'admin', pass: 's3cr3t', extra: 'ñ' }]);
    });

    it('merges stringData on update too, and a watch sees data only', async () => {
      const name = uniqueName('sec-upd');
      const created = await h.client.secrets.create(secret(name, { data: { a: b('1') } }));
      const w = recorders.watch(h.client.secrets, { namespace: 'default', fieldSelector: `metadata.name=${name}`, resourceVersion: created.metadata!.resourceVersion });
      const updated = await h.client.secrets.update({ ...created, stringData: { a: '2', c: '3' } });
      assert.deepEqual(utf8(updated.data), { a: '2', c: '3' });
      assert.deepEqual(updated.stringData, {});
      await w.until('the MODIFIED event', (evs) => evs.some((e) => e.type === 'MODIFIED'));
      const ev = w.events.find((e) => e.type === 'MODIFIED')!;
      assert.deepEqual(utf8(ev.object!.data), { a: '2', c: '3' });
      assert.deepEqual(ev.object!.stringData, {});
    });

    it("refuses each built-in type without its required keys, with Kubernetes' causes", async () => {
      const cases: [Partial<Secret> & { annotations?: Record<string, string> }, string[]][] = [
        [{ type: 'kubernetes.io/service-account-token' }, ['metadata.annotations[kubernetes.io/service-account.name]: Required value']],
        [{ type: 'kubernetes.io/dockercfg' }, ['data[.dockercfg]: Required value']],
        [{ type: 'kubernetes.io/dockerconfigjson' }, ['data[.dockerconfigjson]: Required value']],
        [{ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': 'x' } }, [`data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character 'x' looking for beginning of value`]],
        [{ type: 'kubernetes.io/basic-auth' }, ['data[username]: Required value', 'data[password]: Required value']],
        [{ type: 'kubernetes.io/ssh-auth' }, ['data[ssh-privatekey]: Required value']],
        [{ type: 'kubernetes.io/tls', data: { 'tls.crt': b('c') } }, ['data[tls.key]: Required value']],
        [{ data: { 'a/b': b('x') } }, [`data[a/b]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`]],
        [{ data: { a: Buffer.alloc(1024 * 1024), b: Buffer.alloc(1) } }, ['data: Too long: must have at most 1048576 bytes']],
      ];
      for (const [shape, want] of cases) {
        const err = await errorOf(() => h.client.secrets.create(secret(uniqueName('sec-bad'), shape)));
        assert.equal(err.code, Status.INVALID_ARGUMENT, err.message);
        assert.deepEqual(causesOf(err), want, JSON.stringify(shape.type));
      }
      // The same types with their keys (stringData counts: it is merged before validation).
      const ok: Partial<Secret>[] = [
        { type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths":{}}' } },
        { type: 'kubernetes.io/basic-auth', stringData: { username: 'u' } },
        { type: 'kubernetes.io/ssh-auth', stringData: { 'ssh-privatekey': 'k' } },
        { type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'c', 'tls.key': 'k' } },
      ];
      for (const shape of ok) await h.client.secrets.create(secret(uniqueName('sec-ok'), shape));
      await h.client.secrets.create(secret(uniqueName('sec-sa'), { type: 'kubernetes.io/service-account-token', annotations: { 'kubernetes.io/service-account.name': 'default' } }));
    });

    it('keeps the type: changing it is refused as immutable', async () => {
      const created = await h.client.secrets.create(secret(uniqueName('sec-type'), { stringData: { a: '1' } }));
      const err = await errorOf(() => h.client.secrets.update({ ...created, type: 'example.com/other' }));
      assert.equal(err.code, Status.INVALID_ARGUMENT);
      assert.deepEqual(causesOf(err), ['type: Invalid value: "example.com/other": field is immutable']);
    });

    it('keeps an immutable secret as it is: immutable and data refused (stringData too); metadata still changes', async () => {
      const name = uniqueName('sec-imm');
      const created = await h.client.secrets.create(secret(name, { data: { a: b('1') }, immutable: true }));
      assert.equal(created.immutable, true);
      const refusals: [Partial<Secret>, string[]][] = [
        [{ immutable: false }, [`immutable: ${IMMUTABLE}`]],
        [{ immutable: undefined }, [`immutable: ${IMMUTABLE}`]],
        [{ data: { a: b('2') } }, [`data: ${IMMUTABLE}`]],
        [{ stringData: { b: 'new' } }, [`data: ${IMMUTABLE}`]],
      ];
      for (const [change, want] of refusals) {
        const err = await errorOf(() => h.client.secrets.update({ ...created, ...change }));
        assert.equal(err.code, Status.INVALID_ARGUMENT, err.message);
        assert.deepEqual(causesOf(err), want, JSON.stringify(change));
      }
      const relabeled = await h.client.secrets.update({ ...created, metadata: { ...created.metadata!, labels: { env: 'prod' } } });
      assert.deepEqual(relabeled.metadata!.labels, { env: 'prod' });
      assert.deepEqual(utf8((await h.client.secrets.get(name)).data), { a: '1' });
      await h.client.secrets.delete(name);
      const err = await errorOf(() => h.client.secrets.get(name));
      assert.equal(err.code, Status.NOT_FOUND);
      assert.match(err.message, new RegExp(`secrets "${name}" not found`));
    });
  });
}

describe('Secret under RBAC: edit reads and writes secrets, view cannot read them', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  const G = 'rbac.authorization.k8s.io';
  before(async () => {
    s = await startSecureApiserver({ tokens: { 'editor-t': { user: 'editor' }, 'viewer-t': { user: 'viewer' } } });
    const admin = await s.admin();
    await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: 'team' } }));
    for (const [user, role] of [['editor', 'edit'], ['viewer', 'view']]) {
      await admin.resource(K.RoleBindings).create(
        RoleBinding.fromPartial({ metadata: { name: `${user}-${role}`, namespace: 'team' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: role }, subjects: [{ kind: 'User', apiGroup: G, name: user }] }),
      );
    }
    await admin.secrets.create(Secret.fromPartial({ metadata: { name: 'db', namespace: 'team' }, stringData: { password: 'p' } }));
  });
  after(async () => s?.stop());

  it('edit gets, lists, creates, updates and deletes secrets', async () => {
    const editor = await s.client({ token: 'editor-t' });
    const got = await editor.secrets.get('db', 'team');
    assert.deepEqual(utf8(got.data), { password: 'p' });
    assert.deepEqual((await editor.secrets.list({ namespace: 'team' })).items.map((i) => i.metadata!.name), ['db']);
    const made = await editor.secrets.create(Secret.fromPartial({ metadata: { name: 'api', namespace: 'team' }, stringData: { token: 't' } }));
    await editor.secrets.update({ ...made, stringData: { token: 'u' } });
    await editor.secrets.delete('api', { namespace: 'team' });
  });

  it('view cannot get, list or create secrets (PERMISSION_DENIED), though it reads config maps', async () => {
    const viewer = await s.client({ token: 'viewer-t' });
    const get = await errorOf(() => viewer.secrets.get('db', 'team'));
    assert.equal(get.code, Status.PERMISSION_DENIED, get.message);
    assert.match(get.message, /secrets "db" is forbidden: User "viewer" cannot get resource "secrets"/);
    assert.equal((await errorOf(() => viewer.secrets.list({ namespace: 'team' }))).code, Status.PERMISSION_DENIED);
    assert.equal((await errorOf(() => viewer.secrets.create(Secret.fromPartial({ metadata: { name: 'x', namespace: 'team' } })))).code, Status.PERMISSION_DENIED);
    await viewer.configMaps.list({ namespace: 'team' });
  });

  it("the view ClusterRole names no secrets at all, edit every verb on them", async () => {
    const admin = await s.admin();
    const verbs = async (role: string) =>
      new Set((await admin.clusterRoles.get(role)).rules.filter((r) => r.apiGroups.includes('') && r.resources.includes('secrets')).flatMap((r) => r.verbs));
    const edit = await verbs('edit');
    for (const v of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']) assert.ok(edit.has(v), `edit may ${v} secrets`);
    assert.deepEqual([...(await verbs('view'))], []);
  });
});

describe('kitectl with Secrets', function () {
  this.timeout(20_000);
  const h = useApiserver('sqlite');
  const k = async (args: string[], stdin?: string) => {
    const r = await kitectl(['--server', h.api.address, ...args], { stdin });
    assert.equal(r.code, 0, `kitectl ${args.join(' ')} failed: ${r.err}`);
    return r.out;
  };

  it('api-resources lists secrets without a short name', async () => {
    const row = rows(await k(['api-resources'])).find((r) => r[0] === 'secrets');
    assert.deepEqual(row, ['secrets', 'v1', 'true', 'Secret']);
  });

  it('applies a Kubernetes Secret manifest with stringData; get shows NAME TYPE DATA AGE; describe shows sizes, never values', async () => {
    const manifest = [
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      '  name: db-creds',
      '  labels:',
      '    app: db',
      'type: kubernetes.io/basic-auth',
      'data:',
      `  username: ${Buffer.from('admin').toString('base64')}`,
      'stringData:',
      '  password: t0p-Secret',
      '',
    ].join('\n');
    assert.equal(await k(['apply', '-f', '-'], manifest), 'secret/db-creds created\n');
    const got = await h.client.secrets.get('db-creds', 'default');
    assert.deepEqual(utf8(got.data), { username: 'admin', password: 't0p-Secret' });
    assert.deepEqual(got.stringData, {});
    assert.equal(got.type, 'kubernetes.io/basic-auth');
    const table = rows(await k(['get', 'secrets']));
    assert.deepEqual(table[0], ['NAME', 'TYPE', 'DATA', 'AGE']);
    assert.deepEqual(table.filter((r) => r[0] === 'db-creds').map((r) => r.slice(0, 3)), [['db-creds', 'kubernetes.io/basic-auth', '2']]);
    assert.match(table.find((r) => r[0] === 'db-creds')![3], /^\d+s$/);
    const yaml = await k(['get', 'secret', 'db-creds', '-o', 'yaml']);
    assert.match(yaml, /^kind: Secret$/m);
    assert.match(yaml, new RegExp(`password: ${Buffer.from('t0p-Secret').toString('base64')}`));
    // No stringData field (last-applied-configuration keeps the manifest as written, as kubectl's does).
    assert.doesNotMatch(yaml, /^stringData:/m);
    const described = await k(['describe', 'secret', 'db-creds']);
    assert.equal(
      described,
      ['Name:         db-creds', 'Namespace:    default', 'Labels:       app=db', 'Annotations:  <none>', '', 'Type:  kubernetes.io/basic-auth', '', 'Data', '====', 'password:  10 bytes', 'username:  5 bytes', ''].join('\n'),
    );
    assert.doesNotMatch(described, /t0p-Secret|admin/);
    assert.equal(await k(['delete', 'secret', 'db-creds']), 'secret "db-creds" deleted\n');
  });
});
