import { strict as assert } from 'node:assert';
import { ExpiredError, UnavailableError } from '../../../../lib/api/errors';
import { Reflector, type ReflectorStore } from '../../../../lib/informer';
import { logger } from '../../../../lib/log';
import { FakeListerWatcher, obj, until, type TestObject, useRunSignal } from './fake-lister-watcher';

const silent = logger('test');
silent.level = 'silent';
const fastBackoff = { initialMs: 1, maxMs: 2, jitter: 0 };

/** Records what the reflector writes, as "op key@rv" lines. */
class RecordingStore implements ReflectorStore<TestObject> {
  ops: string[] = [];
  add(o: TestObject) {
    this.ops.push(`add ${o.metadata!.name}@${o.metadata!.resourceVersion}`);
  }
  update(o: TestObject) {
    this.ops.push(`update ${o.metadata!.name}@${o.metadata!.resourceVersion}`);
  }
  delete(o: TestObject) {
    this.ops.push(`delete ${o.metadata!.name}@${o.metadata!.resourceVersion}`);
  }
  replace(items: TestObject[], rv: string) {
    this.ops.push(`replace [${items.map((o) => o.metadata!.name).join(',')}]@${rv}`);
  }
}

describe('Reflector', () => {
  const loop = useRunSignal();

  function start(lw: FakeListerWatcher<TestObject>, store: ReflectorStore<TestObject>, opts = {}) {
    const r = new Reflector(lw, store, { logger: silent, backoff: fastBackoff, ...opts });
    loop.track(r.run(loop.signal));
    return r;
  }

  it('lists, replaces the store, then watches from the list resourceVersion', async () => {
    const lw = new FakeListerWatcher<TestObject>().replyList([obj('a', '5'), obj('b', '7')], '10');
    const store = new RecordingStore();
    const r = start(lw, store, { minWatchTimeoutSeconds: 10 });
    const w = await lw.watchAt(0);
    assert.deepEqual(lw.listCalls, [{}]);
    assert.equal(w.opts.resourceVersion, '10');
    assert.equal(w.opts.allowWatchBookmarks, true);
    assert.ok(w.opts.timeoutSeconds! >= 10 && w.opts.timeoutSeconds! < 20, `timeout ${w.opts.timeoutSeconds} randomised in [10, 20)`);
    w.added(obj('c', '11')).modified(obj('a', '12')).deleted(obj('b', '13'));
    await until(() => store.ops.length === 4);
    assert.deepEqual(store.ops, ['replace [a,b]@10', 'add c@11', 'update a@12', 'delete b@13']);
    assert.equal(r.lastSyncResourceVersion(), '13');
  });

  it('resumes from the last seen resourceVersion after a broken or ended stream, without relisting', async () => {
    const lw = new FakeListerWatcher<TestObject>().replyList([], '10');
    const store = new RecordingStore();
    start(lw, store);
    (await lw.watchAt(0)).added(obj('a', '11')).added(obj('b', '12')).fail(new UnavailableError('connection reset'));
    const w1 = await lw.watchAt(1);
    assert.equal(w1.opts.resourceVersion, '12');
    assert.ok(lw.watches[0].signal.aborted, 'the broken stream was cancelled');
    w1.modified(obj('a', '14')).end();
    const w2 = await lw.watchAt(2);
    assert.equal(w2.opts.resourceVersion, '14');
    assert.equal(lw.listCalls.length, 1);
    assert.deepEqual(store.ops, ['replace []@10', 'add a@11', 'add b@12', 'update a@14']);
  });

  it('takes the resourceVersion of bookmarks without touching the store', async () => {
    const lw = new FakeListerWatcher<TestObject>().replyList([], '10');
    const store = new RecordingStore();
    const r = start(lw, store);
    (await lw.watchAt(0)).bookmark('30').end();
    assert.equal((await lw.watchAt(1)).opts.resourceVersion, '30');
    assert.equal(r.lastSyncResourceVersion(), '30');
    assert.deepEqual(store.ops, ['replace []@10']);
  });

  it('relists when the resourceVersion is too old (OUT_OF_RANGE)', async () => {
    const lw = new FakeListerWatcher<TestObject>().replyList([obj('a', '5')], '10');
    const store = new RecordingStore();
    start(lw, store);
    (await lw.watchAt(0)).added(obj('b', '11')).fail(new ExpiredError('resourceVersion too old, relist'));
    lw.replyList([obj('b', '11'), obj('c', '40')], '50');
    const w1 = await lw.watchAt(1);
    assert.equal(lw.listCalls.length, 2);
    assert.equal(w1.opts.resourceVersion, '50');
    assert.deepEqual(store.ops, ['replace [a]@10', 'add b@11', 'replace [b,c]@50']);
  });

  it('relists at once on a first expiry but backs off while relisting does not help', async () => {
    const lw = new FakeListerWatcher<TestObject>();
    for (let i = 0; i < 3; i++) lw.replyList([], String(10 + i)).failNextWatch(new ExpiredError('too old'));
    lw.replyList([], '20');
    const listedAt: number[] = [];
    const list = lw.list.bind(lw);
    lw.list = (o) => {
      listedAt.push(Date.now());
      return list(o);
    };
    // The first expiry spends the 20 ms step without waiting; then 40, 80.
    start(lw, new RecordingStore(), { backoff: { initialMs: 20, maxMs: 1000, jitter: 0 } });
    assert.equal((await lw.watchAt(3)).opts.resourceVersion, '20');
    const gaps = listedAt.slice(1).map((t, i) => t - listedAt[i]);
    assert.ok(gaps[0] < 30, `first relist immediate (${gaps[0]} ms)`);
    assert.ok(gaps[1] >= 35 && gaps[2] >= 75, `then backed off: ${gaps}`);
  });

  it('retries a failed list with backoff', async () => {
    const lw = new FakeListerWatcher<TestObject>().failList(new UnavailableError('down')).failList(new UnavailableError('down'));
    lw.replyList([obj('a', '1')], '3');
    const store = new RecordingStore();
    start(lw, store);
    assert.equal((await lw.watchAt(0)).opts.resourceVersion, '3');
    assert.equal(lw.listCalls.length, 3);
    assert.deepEqual(store.ops, ['replace [a]@3']);
  });

  it('backs off when watches end at once without events', async () => {
    const lw = new FakeListerWatcher<TestObject>().replyList([], '1');
    start(lw, new RecordingStore(), { backoff: { initialMs: 30, maxMs: 1000, jitter: 0 } });
    const t0 = Date.now();
    (await lw.watchAt(0)).end();
    (await lw.watchAt(1)).end();
    await lw.watchAt(2);
    assert.ok(Date.now() - t0 >= 80, 'waited 30 + 60 ms');
  });

  it('lists in pages, keeping the first page resourceVersion, and falls back to a full list if the continue token expires', async () => {
    const lw = new FakeListerWatcher<TestObject>()
      .replyList([obj('a', '1'), obj('b', '2')], '10', 'tok1')
      .replyList([obj('c', '3')], '10', '');
    const store = new RecordingStore();
    start(lw, store, { pageSize: 2 });
    await lw.watchAt(0);
    assert.deepEqual(lw.listCalls, [{ limit: 2 }, { limit: 2, continue: 'tok1' }]);
    assert.deepEqual(store.ops, ['replace [a,b,c]@10']);

    lw.replyList([obj('a', '1'), obj('b', '2')], '20', 'tok2').failList(new ExpiredError('continue expired'));
    lw.replyList([obj('a', '1'), obj('d', '21')], '21');
    lw.watches[0].fail(new ExpiredError('too old'));
    assert.equal((await lw.watchAt(1)).opts.resourceVersion, '21');
    assert.deepEqual(lw.listCalls.slice(2), [{ limit: 2 }, { limit: 2, continue: 'tok2' }, {}]);
    assert.deepEqual(store.ops.slice(1), ['replace [a,d]@21']);
  });

  it('stops cleanly on abort, cancelling the watch, even while a list is pending', async () => {
    const lw = new FakeListerWatcher<TestObject>().replyList([], '1');
    start(lw, new RecordingStore());
    const w = await lw.watchAt(0);
    loop.abort();
    await loop.ended();
    assert.ok(w.signal.aborted);

    const ac2 = new AbortController();
    const lw2 = new FakeListerWatcher<TestObject>();
    const r2 = new Reflector(lw2, new RecordingStore(), { logger: silent }).run(ac2.signal);
    await until(() => lw2.listCalls.length === 1);
    ac2.abort();
    await r2;
    assert.equal(lw2.watches.length, 0);
  });

  it('does not open a watch when aborted while storing the list', async () => {
    const lw = new FakeListerWatcher<TestObject>().replyList([], '1');
    const store = new RecordingStore();
    store.replace = () => loop.abort();
    start(lw, store);
    await loop.ended();
    assert.equal(lw.watches.length, 0);
  });
});
