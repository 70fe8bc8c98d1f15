import { strict as assert } from 'node:assert';
import { EtcdStorage } from '../../../../services/apiserver/storage/etcd';
import { CompactedError, StorageError } from '../../../../services/apiserver/storage/interface';
import { etcdSkipped, startEtcd, type TestEtcd } from '../../../support/etcd';
import { describeStorageConformance } from './conformance';
import { WatchCollector } from './watch-collector';

describe('EtcdStorage', function () {
  let etcd: TestEtcd | undefined;
  const open: EtcdStorage[] = [];
  const connect = (endpoint = etcd!.endpoint): EtcdStorage => {
    const s = new EtcdStorage({ endpoints: [endpoint] });
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

  describeStorageConformance('etcd', async () => connect());

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

    it('reports a lost connection to watchers and callers', async () => {
      const own = await startEtcd();
      try {
        const s = connect(own.endpoint);
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
