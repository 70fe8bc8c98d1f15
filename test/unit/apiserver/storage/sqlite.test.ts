import { strict as assert } from 'node:assert';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CompactedError, StorageError } from '../../../../services/apiserver/storage/interface';
import { SqliteStorage } from '../../../../services/apiserver/storage/sqlite';
import { describeStorageConformance } from './conformance';
import { settle, WatchCollector } from './watch-collector';

describe('SqliteStorage', () => {
  let dir: string;
  let n = 0;
  const open: SqliteStorage[] = [];
  const openAt = (path: string, extra: Partial<ConstructorParameters<typeof SqliteStorage>[0]> = {}): SqliteStorage => {
    const s = new SqliteStorage({ path, ...extra });
    open.push(s);
    return s;
  };
  const fresh = (): string => join(dir, `db-${n++}`, 'kite.db');

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-sqlite-'));
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describeStorageConformance('sqlite', async () => openAt(fresh()));

  // Runs after the conformance suite: mocha runs a suite's own tests before its child suites.
  describe('specific behaviour', () => {
    it('keeps data, revision and compaction point across reopen', async () => {
      const path = fresh();
      const first = openAt(path);
      const a = await first.create('/a', Buffer.from('1'));
      const b = await first.update('/a', Buffer.from('2'), a.modRevision);
      await first.delete('/a');
      await first.create('/b', Buffer.from('b'));
      await first.compact(b.modRevision);
      const rev = await first.currentRevision();
      await first.close();

      const second = openAt(path);
      assert.equal(await second.currentRevision(), rev);
      assert.equal(await second.compactedRevision(), b.modRevision);
      assert.equal(await second.get('/a'), undefined);
      assert.equal(Buffer.from((await second.get('/b'))!.value).toString(), 'b');
      await assert.rejects(second.get('/a', a.modRevision), CompactedError);
      assert.ok((await second.create('/c', Buffer.from('c'))).modRevision > rev);
    });

    it('refuses a second store on the same file', async () => {
      const path = fresh();
      await openAt(path).close();
      const first = openAt(path); // holds the file before writing anything
      assert.throws(() => openAt(path, { busyTimeoutMs: 50 }), StorageError);
      await first.create('/a', Buffer.from('1'));
      assert.equal(Buffer.from((await first.get('/a'))!.value).toString(), '1');
    });

    it('keeps its data owner-only: directory 0700, database and WAL 0600', async () => {
      const path = fresh();
      const s = openAt(path);
      await s.create('/a', Buffer.from('1'));
      const dir = dirname(path);
      assert.equal(modeOf(dir), 0o700, 'data directory');
      const files = readdirSync(dir);
      assert.ok(files.includes('kite.db-wal'), `WAL file present: ${files.join(', ')}`);
      for (const f of files) assert.equal(modeOf(join(dir, f)), 0o600, f);
    });

    it('tightens a database an older version left readable by others, and keeps an existing directory', async () => {
      const path = fresh();
      mkdirSync(dirname(path), { mode: 0o755 });
      chmodSync(dirname(path), 0o755);
      writeFileSync(path, '', { mode: 0o644 });
      chmodSync(path, 0o644);
      openAt(path);
      assert.equal(modeOf(path), 0o600);
      assert.equal(modeOf(dirname(path)), 0o755, "an existing directory is the operator's: warned about, not changed");
    });

    it('fails watches and calls once closed', async () => {
      const s = openAt(fresh());
      const w = new WatchCollector(s, '/', 0);
      await s.close();
      assert.ok((await w.waitForError()) instanceof StorageError);
      await assert.rejects(s.get('/a'), StorageError);
      await assert.rejects(s.create('/a', Buffer.from('1')), StorageError);
    });

    it('rejects reads and compaction past the current revision', async () => {
      const s = openAt(fresh());
      const a = await s.create('/a', Buffer.from('1'));
      await assert.rejects(s.get('/a', a.modRevision + 1), StorageError);
      await assert.rejects(s.list('/', { revision: a.modRevision + 1 }), StorageError);
      await assert.rejects(s.compact(a.modRevision + 1), StorageError);
    });

    it('fails a watch whose replay is overtaken by compaction', async () => {
      const s = openAt(fresh());
      let kv = await s.create('/a', Buffer.from('0'));
      for (let i = 1; i <= 1200; i++) kv = await s.update('/a', Buffer.from(String(i)), kv.modRevision);
      const w = new WatchCollector(s, '/', 0);
      await s.compact(kv.modRevision);
      const err = await w.waitForError();
      assert.ok(err instanceof CompactedError, String(err));
      assert.equal(w.events.length, 0);
    });

    it('compacts automatically so the file stops growing', async function () {
      this.timeout(15_000);
      const path = fresh();
      const s = openAt(path, { autoCompaction: { intervalMs: 100, retainRevisions: 50 } });
      const value = Buffer.alloc(4096, 7);
      let kv = await s.create('/big', value);
      const sizes: number[] = [];
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < 500; i++) kv = await s.update('/big', value, kv.modRevision);
        await settle(250); // at least one compaction pass
        sizes.push(statSync(path).size + walSize(path));
      }
      assert.ok((await s.compactedRevision()) >= kv.modRevision - 50 - 500, `compacted to ${await s.compactedRevision()}`);
      assert.equal(Buffer.from((await s.get('/big'))!.value).length, 4096);
      // 2000 versions of 4 KiB would be over 8 MB; with retention 50 the store stays near 50 versions.
      for (const size of sizes) assert.ok(size < 2_500_000, `store size ${size} after compaction: ${sizes.join(', ')}`);
      assert.ok(sizes[3] <= sizes[0] * 1.5, `store keeps growing: ${sizes.join(', ')}`);
    });
  });
});

function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

function walSize(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}
