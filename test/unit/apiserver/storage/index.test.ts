import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdStorage, openStorage, SQLITE_FILE, SqliteStorage, StorageError, type StorageBackend } from '../../../../services/apiserver/storage';

describe('openStorage', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-open-storage-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens SQLite in the data directory', async () => {
    const s = openStorage({ backend: 'sqlite', dataDir: join(dir, 'data'), compactionIntervalMs: 0 });
    try {
      assert.ok(s instanceof SqliteStorage);
      assert.equal(s.name, 'sqlite');
      assert.ok(existsSync(join(dir, 'data', SQLITE_FILE)));
    } finally {
      await s.close();
    }
  });

  it('creates an etcd client for the endpoints without connecting yet', async () => {
    const s = openStorage({ backend: 'etcd', etcdEndpoints: ['127.0.0.1:1'] });
    assert.ok(s instanceof EtcdStorage);
    await s.close();
  });

  it('says what is missing', () => {
    assert.throws(() => openStorage({ backend: 'sqlite' }), /--data-dir/);
    assert.throws(() => openStorage({ backend: 'etcd', etcdEndpoints: [] }), /--etcd-endpoints/);
    assert.throws(() => openStorage({ backend: 'mysql' as StorageBackend, dataDir: dir }), StorageError);
  });
});
