// Secrets encrypted at rest (--encryption-provider-config) with a real apiserver on SQLite and on
// etcd: a Secret's value is in neither the SQLite files (database and WAL) nor etcd's keyspace,
// in plaintext or base64, while get, list and watch return it; ConfigMaps, not configured, stay
// plaintext; a restart with a new key first still reads old Secrets and rewrites one on an
// unchanged update; once all are rewritten the old key can go; identity first writes plaintext
// and still reads encrypted Secrets.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { ConfigMap, Secret } from '../../../lib/gen/kite/core/v1/types';
import type { Clientset } from '../../../lib/client/clientset';
import { SQLITE_FILE } from '../../../services/apiserver/storage';
import { SqliteStorage } from '../../../services/apiserver/storage/sqlite';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { etcdSkipped, startEtcd, type TestEtcd } from '../../support/etcd';
import { backends, Recorders, uniqueName } from './harness';

const key = (name: string) => ({ name, secret: randomBytes(32).toString('base64') });
type Key = ReturnType<typeof key>;

function config(...providers: string[]): string {
  return ['apiVersion: apiserver.config.k8s.io/v1', 'kind: EncryptionConfiguration', 'resources:', '  - resources: [secrets]', '    providers:', ...providers].join('\n');
}
const aescbc = (...keys: Key[]) => `      - aescbc:\n          keys:\n${keys.map((k) => `            - name: ${k.name}\n              secret: ${k.secret}\n`).join('')}`;
const IDENTITY = '      - identity: {}';

const text = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('utf8');

for (const backend of backends()) {
  describe(`Secrets encrypted at rest (${backend})`, function () {
    this.timeout(60_000);
    let dir: string;
    let etcd: TestEtcd | undefined;
    let etcdClient: Etcd3 | undefined;
    let api: TestApiserver | undefined;
    let client: Clientset;
    let n = 0;
    const recorders = new Recorders();
    const key1 = key('key1');
    const key2 = key('key2');
    const marker = `marker-${randomBytes(8).toString('hex')}`;
    const cmMarker = `cm-marker-${randomBytes(8).toString('hex')}`;
    const s1 = uniqueName('enc-s1');
    const cm = uniqueName('enc-cm');

    before(async function () {
      if (backend === 'etcd' && etcdSkipped()) this.skip();
      dir = mkdtempSync(join(tmpdir(), 'kite-encryption-'));
      if (backend === 'etcd') {
        etcd = await startEtcd();
        etcdClient = new Etcd3({ hosts: etcd.endpoint });
      }
    });
    afterEach(() => recorders.stopAll());
    after(async () => {
      await api?.stop();
      etcdClient?.close();
      await etcd?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    async function start(text: string): Promise<void> {
      const path = join(dir, `encryption-${n++}.yaml`);
      writeFileSync(path, text, { mode: 0o600 });
      api = await startTestApiserver({ dataDir: join(dir, 'data'), encryptionProviderConfig: path, ...(etcd ? { store: 'etcd' as const, etcdEndpoints: [etcd.endpoint] } : {}) });
      client = api.client();
    }

    async function stop(): Promise<void> {
      await api!.stop();
      api = undefined;
    }

    /** Every byte the store holds: the SQLite database, WAL and shared memory, or etcd's whole keyspace. */
    async function storeBytes(): Promise<Buffer> {
      if (etcdClient) {
        const all = await etcdClient.getAll().buffers();
        return Buffer.concat(Object.entries(all).flatMap(([k, v]) => [Buffer.from(k), v]));
      }
      const data = join(dir, 'data');
      return Buffer.concat(readdirSync(data).filter((f) => f.startsWith(SQLITE_FILE)).map((f) => readFileSync(join(data, f))));
    }

    /** The stored bytes of one key, read past the apiserver (which must be stopped for SQLite). */
    async function raw(resource: string, name: string): Promise<string> {
      const k = `/registry/${resource}/default/${name}`;
      if (etcdClient) return text((await etcdClient.get(k).buffer()) ?? undefined);
      const s = new SqliteStorage({ path: join(dir, 'data', SQLITE_FILE) });
      try {
        return text((await s.get(k))?.value);
      } finally {
        await s.close();
      }
    }

    function assertNotInStore(bytes: Buffer, value: string): void {
      assert.equal(bytes.indexOf(value), -1, `${value} found in the store`);
      assert.equal(bytes.indexOf(Buffer.from(value).toString('base64')), -1, `base64 of ${value} found in the store`);
    }

    const secret = (name: string, value: string) => Secret.fromPartial({ metadata: { name, namespace: 'default' }, data: { password: Buffer.from(value) } });
    const valueOf = async (name: string) => text((await client.secrets.get(name)).data.password);

    it('keeps a Secret encrypted in the store while get, list and watch return it; a ConfigMap stays plaintext', async () => {
      await start(config(aescbc(key1)));
      const w = recorders.watch(client.secrets, { namespace: 'default', fieldSelector: `metadata.name=${s1}` });
      await client.secrets.create(secret(s1, marker));
      await client.configMaps.create(ConfigMap.fromPartial({ metadata: { name: cm, namespace: 'default' }, data: { value: cmMarker } }));

      assert.equal(await valueOf(s1), marker);
      const listed = (await client.secrets.list({ namespace: 'default', fieldSelector: `metadata.name=${s1}` })).items;
      assert.deepEqual(listed.map((s) => text(s.data.password)), [marker]);
      await w.until('the ADDED event', (evs) => evs.some((e) => e.type === 'ADDED'));
      assert.equal(text(w.events.find((e) => e.type === 'ADDED')!.object!.data.password), marker);

      const bytes = await storeBytes();
      assert.notEqual(bytes.indexOf(cmMarker), -1, 'the ConfigMap, not configured, is stored as it is');
      assert.notEqual(bytes.indexOf(`k8s:enc:aescbc:v1:key1:`), -1);
      assertNotInStore(bytes, marker);
    });

    it('restarted with a new key first, reads old Secrets, writes with the new key and rewrites an old Secret on an unchanged update', async () => {
      await stop();
      assert.ok((await raw('secrets', s1)).startsWith('k8s:enc:aescbc:v1:key1:'));
      await start(config(aescbc(key2, key1)));
      const old = await client.secrets.get(s1);
      assert.equal(text(old.data.password), marker);
      const s2 = uniqueName('enc-s2');
      await client.secrets.create(secret(s2, `${marker}-2`));
      // `kitectl replace` of an unchanged Secret: stored again, now under key2.
      const replaced = await client.secrets.update(old);
      assert.notEqual(replaced.metadata!.resourceVersion, old.metadata!.resourceVersion);
      assertNotInStore(await storeBytes(), marker);
      await stop();
      assert.ok((await raw('secrets', s1)).startsWith('k8s:enc:aescbc:v1:key2:'));
      assert.ok((await raw('secrets', s2)).startsWith('k8s:enc:aescbc:v1:key2:'));
      assert.ok((await raw('configmaps', cm)).includes(cmMarker));
    });

    it('once every Secret is rewritten, the old key can go: the apiserver starts, reads and watches Secrets', async () => {
      await start(config(aescbc(key2)));
      assert.equal(await valueOf(s1), marker);
      const w = recorders.watch(client.secrets, { namespace: 'default' });
      for (const name of [uniqueName('enc-s3'), uniqueName('enc-s4')]) {
        await client.secrets.create(secret(name, marker));
        await w.until(`ADDED ${name}`, (evs) => evs.some((e) => e.type === 'ADDED' && e.object?.metadata?.name === name));
      }
      assert.equal(w.error, undefined);
    });

    it('with identity first, writes new Secrets in plaintext and still reads encrypted ones', async () => {
      await stop();
      await start(config(IDENTITY, aescbc(key2)));
      assert.equal(await valueOf(s1), marker);
      const plain = `plain-${randomBytes(8).toString('hex')}`;
      await client.secrets.create(secret(uniqueName('enc-s5'), plain));
      assert.notEqual((await storeBytes()).indexOf(plain), -1);
    });
  });
}

describe('--encryption-provider-config: a bad file', () => {
  it('stops the apiserver at startup with the field Kubernetes names, before the store is opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kite-encryption-bad-'));
    try {
      const path = join(dir, 'encryption.yaml');
      writeFileSync(path, config(aescbc({ name: 'short', secret: randomBytes(8).toString('base64') })));
      await assert.rejects(
        startTestApiserver({ dataDir: join(dir, 'data'), encryptionProviderConfig: path }),
        /^Error: error while parsing file: resources\[0\]\.providers\[0\]\.aescbc\.keys\[0\]\.secret: Invalid value: "REDACTED": secret is not of the expected length, got 8, expected one of \[16 24 32\]$/,
      );
      assert.deepEqual(readdirSync(dir), ['encryption.yaml']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
