import { strict as assert } from 'node:assert';
import { EtcdStorage } from '../../../../services/apiserver/storage/etcd';
import { CompactedError, StorageError } from '../../../../services/apiserver/storage/interface';
import { etcdSkipped, startEtcd, type TestEtcd } from '../../../support/etcd';
import { describeStorageConformance } from './conformance';
import { WatchCollector } from './watch-collector';

describe('EtcdStorage', function () {
  let etcd: TestEtcd | undefined;
  const open: EtcdStorage[] = [];
  const connect = (endpoint = etcd!.endpoint, listPageSize?: number): EtcdStorage => {
    const s = new EtcdStorage({ endpoints: [endpoint], listPageSize });
    open.push(s);
    return s;
  };

  before(async function () {
    if (etcdSkipped()) this.skip();
    etcd = await startEtcd();
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  after(async () => {
    await etcd?.stop();
  });

  // A tiny list page makes every list in the suite go through the multi-request path.
  describeStorageConformance('etcd', async () => connect(etcd!.endpoint, 2));

  // Runs after the conformance suite: mocha runs a suite's own tests before its child suites.
  describe('specific behaviour', () => {
    it('notices a compaction made by another client', async () => {
      const mine = connect();
      const other = connect();
      const a = await mine.create(`/other-${Date.now()}/a`, Buffer.from('1'));
      const b = await mine.update(a.key, Buffer.from('2'), a.modRevision);
      await other.compact(b.modRevision);
      assert.equal(await mine.compactedRevision(), b.modRevision);
      await assert.rejects(mine.get(a.key, a.modRevision), CompactedError);
    });

    it('lists more than the default 4 MiB gRPC message limit', async function () {
      this.timeout(10_000);
      const s = connect();
      const prefix = `/big-${Date.now()}/`;
      const value = Buffer.alloc(200_000, 'v');
      await Promise.all(Array.from({ length: 30 }, (_, i) => s.create(`${prefix}${String(i).padStart(2, '0')}`, value)));
      const listed = await s.list(prefix);
      assert.equal(listed.items.length, 30);
      assert.equal(listed.more, false);
      assert.equal(listed.items[29].value.length, value.length);
      await Promise.all(listed.items.map((kv) => s.delete(kv.key)));
    });

    it('reports a lost connection to watchers (once their retries time out) and callers', async () => {
      const own = await startEtcd();
      try {
        const s = new EtcdStorage({ endpoints: [own.endpoint], watchRetryTimeoutMs: 1000 });
        open.push(s);
        await s.create('/a', Buffer.from('1'));
        const w = new WatchCollector(s, '/', 0);
        await w.waitForCount(1);
        await own.stop();
        assert.ok((await w.waitForError(10_000)) instanceof StorageError);
        await assert.rejects(s.get('/a'));
      } finally {
        await own.stop();
      }
    });
  });
});
