// The storage decorator that encrypts values at rest: the conformance suite holds through it,
// the backend underneath holds only ciphertext, reads and watches see plaintext, a value read
// with an older key is marked stale, and what cannot be decrypted is an error naming the key.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptionTransformers } from '../../../../services/apiserver/storage/encryption-config';
import type { ProviderConfiguration } from '../../../../services/apiserver/storage/encryption-config-types';
import { TransformError, type Storage } from '../../../../services/apiserver/storage/interface';
import { SqliteStorage } from '../../../../services/apiserver/storage/sqlite';
import { TransformedStorage } from '../../../../services/apiserver/storage/transformed-storage';
import { describeStorageConformance } from './conformance';
import { WatchCollector } from './watch-collector';

const key = (name: string) => ({ name, secret: randomBytes(32).toString('base64') });
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString());

/** Every key is a Secret's (conformance uses random key roots), encrypted with these providers. */
function encrypted(inner: Storage, ...providers: ProviderConfiguration[]): TransformedStorage {
  const t = encryptionTransformers({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources: [{ resources: ['secrets'], providers }] });
  return new TransformedStorage(inner, () => t.forResource('', 'secrets')!);
}

describe('TransformedStorage', () => {
  let dir: string;
  let n = 0;
  const opened: Storage[] = [];
  const sqlite = (path = join(dir, `db-${n++}`, 'kite.db')) => {
    const s = new SqliteStorage({ path });
    opened.push(s);
    return s;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-transformed-'));
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describeStorageConformance('sqlite through aesgcm', async () => encrypted(sqlite(), { aesgcm: { keys: [key('k1')] } }));

  describe('specific behaviour', () => {
    it('stores ciphertext with the provider prefix and returns plaintext from every read', async () => {
      const inner = sqlite();
      const s = encrypted(inner, { aescbc: { keys: [key('k1')] } });
      const created = await s.create('/registry/secrets/default/a', Buffer.from('marker-1'));
      assert.equal(text(created.value), 'marker-1');
      const raw = await inner.get('/registry/secrets/default/a');
      assert.ok(text(raw!.value)!.startsWith('k8s:enc:aescbc:v1:k1:'));
      assert.ok(!text(raw!.value)!.includes('marker-1'));
      assert.equal(text((await s.get('/registry/secrets/default/a'))!.value), 'marker-1');
      const updated = await s.update('/registry/secrets/default/a', Buffer.from('marker-2'), created.modRevision);
      assert.equal(text(updated.value), 'marker-2');
      assert.deepEqual((await s.list('/registry/secrets/')).items.map((kv) => text(kv.value)), ['marker-2']);
      assert.equal(text((await s.get('/registry/secrets/default/a', created.modRevision))!.value), 'marker-1');
      assert.equal(text((await s.delete('/registry/secrets/default/a')).value), 'marker-2');
    });

    it('watches deliver plaintext values and previous values', async () => {
      const s = encrypted(sqlite(), { secretbox: { keys: [key('k1')] } });
      const w = new WatchCollector(s, '/registry/secrets/', await s.currentRevision());
      try {
        const a = await s.create('/registry/secrets/default/a', Buffer.from('v1'));
        await s.update('/registry/secrets/default/a', Buffer.from('v2'), a.modRevision);
        const events = await w.waitForCount(2);
        assert.deepEqual(
          events.map((e) => [e.type, text(e.kv.value), text(e.prevKv?.value)]),
          [
            ['create', 'v1', undefined],
            ['update', 'v2', 'v1'],
          ],
        );
      } finally {
        w.close();
      }
    });

    it('marks a value read with an older key stale, and not once rewritten', async () => {
      const path = join(dir, `db-${n++}`, 'kite.db');
      const k1 = key('k1');
      const before = encrypted(sqlite(path), { aesgcm: { keys: [k1] } });
      await before.create('/registry/secrets/default/a', Buffer.from('v'));
      await before.close();
      opened.splice(0);
      const after = encrypted(sqlite(path), { aesgcm: { keys: [key('k2'), k1] } });
      const old = (await after.get('/registry/secrets/default/a'))!;
      assert.equal(old.stale, true);
      assert.equal(text(old.value), 'v');
      await after.update('/registry/secrets/default/a', old.value, old.modRevision);
      assert.equal((await after.get('/registry/secrets/default/a'))!.stale, undefined);
    });

    it('a value no listed key reads is an error naming the storage key, on get, list and watch', async () => {
      const inner = sqlite();
      const writer = encrypted(inner, { aesgcm: { keys: [key('k1')] } });
      const reader = encrypted(inner, { aesgcm: { keys: [key('k2')] } });
      const w = new WatchCollector(reader, '/registry/secrets/', await inner.currentRevision());
      await writer.create('/registry/secrets/default/a', Buffer.from('v'));
      const expected = /unable to transform key "\/registry\/secrets\/default\/a": no matching key was found for the provided AES transformer$/;
      await assert.rejects(reader.get('/registry/secrets/default/a'), (err: Error) => err instanceof TransformError && expected.test(err.message));
      await assert.rejects(reader.list('/registry/secrets/'), expected);
      assert.match((await w.waitForError()).message, expected);
      w.close();
    });
  });
});
