import { strict as assert } from 'node:assert';
import { ExpiredError, UnavailableError } from '../../../../lib/api/errors';
import { parseLabelSelector } from '../../../../lib/api/selectors';
import { SharedInformer, type EventHandler } from '../../../../lib/informer';
import { logger } from '../../../../lib/log';
import { FakeClock } from '../../../support/fake-clock';
import { FakeListerWatcher, obj, until, type TestObject, useRunSignal } from './fake-lister-watcher';

const silent = logger('test');
silent.level = 'silent';
const fastBackoff = { initialMs: 1, maxMs: 2, jitter: 0 };

function recorder(): { events: string[]; handler: EventHandler<TestObject> } {
  const events: string[] = [];
  const name = (o: TestObject) => `${o.metadata!.name}@${o.metadata!.resourceVersion}`;
  return {
    events,
    handler: {
      onAdd: (o) => events.push(`add ${name(o)}`),
      onUpdate: (a, b) => events.push(`update ${name(a)}->${name(b)}`),
      onDelete: (o) => events.push(`delete ${name(o)}`),
    },
  };
}

const byNode = (o: TestObject) => (o.spec.nodeName ? [o.spec.nodeName] : []);

describe('SharedInformer', () => {
  const loop = useRunSignal();

  function start(lw: FakeListerWatcher<TestObject>, opts = {}) {
    const inf = new SharedInformer<TestObject>(lw, { logger: silent, backoff: fastBackoff, ...opts });
    return inf;
  }
  function run(inf: SharedInformer<TestObject>) {
    loop.track(inf.run(loop.signal));
  }

  it('tells handlers of adds, updates and deletes from the list and the watch', async () => {
    const lw = new FakeListerWatcher<TestObject>().replyList([obj('ns/a', '1'), obj('ns/b', '2')], '5');
    const inf = start(lw);
    const { events, handler } = recorder();
    inf.addEventHandler(handler);
    assert.equal(inf.hasSynced(), false);
    run(inf);
    assert.equal(await inf.waitForSync(loop.signal), true);
    assert.ok(inf.hasSynced());
    const w = await lw.watchAt(0);
    w.added(obj('ns/c', '6')).modified(obj('ns/a', '7')).deleted(obj('ns/b', '8')).modified(obj('ns/d', '9'));
    await until(() => events.length === 6);
    assert.deepEqual(events, ['add a@1', 'add b@2', 'add c@6', 'update a@1->a@7', 'delete b@8', 'add d@9']);
    assert.deepEqual(inf.indexer.keys().sort(), ['ns/a', 'ns/c', 'ns/d']);
    assert.equal(inf.lastSyncResourceVersion(), '9');
  });

  it('on relist, reports only the differences, including objects deleted while disconnected', async () => {
    const lw = new FakeListerWatcher<TestObject>().replyList([obj('a', '1'), obj('b', '2'), obj('c', '3')], '5');
    const inf = start(lw);
    const { events, handler } = recorder();
    inf.addEventHandler(handler);
    run(inf);
    (await lw.watchAt(0)).fail(new ExpiredError('resourceVersion too old, relist'));
    lw.replyList([obj('a', '1'), obj('b', '20'), obj('d', '21')], '30');
    await lw.watchAt(1);
    assert.deepEqual(events.slice(3), ['update b@2->b@20', 'add d@21', 'delete c@3']);
    assert.deepEqual(inf.indexer.keys().sort(), ['a', 'b', 'd']);
  });

  it('on relist, reports an object re-created under the same name as a delete and an add', async () => {
    const lw = new FakeListerWatcher<TestObject>().replyList([obj('a', '1')], '5');
    const inf = start(lw);
    const { events, handler } = recorder();
    inf.addEventHandler(handler);
    run(inf);
    (await lw.watchAt(0)).fail(new ExpiredError('resourceVersion too old, relist'));
    const recreated = obj('a', '9');
    recreated.metadata!.uid = 'uid-new';
    lw.replyList([recreated], '10');
    await lw.watchAt(1);
    assert.deepEqual(events, ['add a@1', 'delete a@1', 'add a@9']);
  });

  it('gives handlers added later synthetic adds for cached objects, and removed handlers nothing', async () => {
    const lw = new FakeListerWatcher<TestObject>().replyList([obj('a', '1'), obj('b', '2')], '5');
    const inf = start(lw);
    run(inf);
    await inf.waitForSync();
    const late = recorder();
    const reg = inf.addEventHandler(late.handler);
    assert.deepEqual(late.events.sort(), ['add a@1', 'add b@2']);
    reg.remove();
    (await lw.watchAt(0)).added(obj('c', '6'));
    await until(() => inf.indexer.size() === 3);
    assert.equal(late.events.length, 2);
  });

  it('keeps running when a handler throws, and other handlers still hear the event', async () => {
    const lw = new FakeListerWatcher<TestObject>().replyList([], '5');
    const inf = start(lw);
    inf.addEventHandler({
      onAdd: () => {
        throw new Error('handler bug');
      },
    });
    const ok = recorder();
    inf.addEventHandler(ok.handler);
    run(inf);
    const w = await lw.watchAt(0);
    w.added(obj('a', '6')).added(obj('b', '7'));
    await until(() => ok.events.length === 2);
    assert.equal(lw.watches.length, 1, 'the watch was not restarted');
  });

  it('resyncs each handler at its own period with onUpdate(obj, obj)', async () => {
    const clock = new FakeClock();
    const lw = new FakeListerWatcher<TestObject>().replyList([obj('a', '1')], '5');
    const inf = start(lw, { clock, resyncPeriodMs: 1000 });
    const every1s = recorder();
    const never = recorder();
    inf.addEventHandler(every1s.handler);
    inf.addEventHandler(never.handler, { resyncPeriodMs: 0 });
    run(inf);
    await inf.waitForSync();
    clock.step(999);
    assert.deepEqual(every1s.events, ['add a@1']);
    clock.step(1);
    clock.step(1000);
    assert.deepEqual(every1s.events, ['add a@1', 'update a@1->a@1', 'update a@1->a@1']);
    assert.deepEqual(never.events, ['add a@1']);
    loop.abort();
    await loop.ended();
    assert.equal(clock.timerCount(), 0, 'resync timers stop with the informer');
  });

  it('keeps custom indexes in step with updates and deletes', async () => {
    const lw = new FakeListerWatcher<TestObject>().replyList(
      [obj('ns1/p1', '1', { nodeName: 'n1' }), obj('ns1/p2', '2', { nodeName: 'n1' }), obj('ns2/p3', '3')],
      '5',
    );
    const inf = start(lw, { indexers: { byNode } });
    run(inf);
    await inf.waitForSync();
    const names = (items: TestObject[]) => items.map((o) => o.metadata!.name).sort();
    const lister = inf.lister();
    assert.deepEqual(names(lister.byIndex('byNode', 'n1')), ['p1', 'p2']);
    const w = await lw.watchAt(0);
    w.modified(obj('ns1/p1', '6', { nodeName: 'n2' })).deleted(obj('ns1/p2', '7', { nodeName: 'n1' })).modified(obj('ns2/p3', '8', { nodeName: 'n2' }));
    await until(() => inf.lastSyncResourceVersion() === '8');
    assert.deepEqual(names(lister.byIndex('byNode', 'n1')), []);
    assert.deepEqual(names(lister.byIndex('byNode', 'n2')), ['p1', 'p3']);
    assert.deepEqual(inf.indexer.indexValues('byNode'), ['n2']);
    assert.deepEqual(names(lister.namespace('ns2').list()), ['p3']);
  });

  it('serves reads through its lister', async () => {
    const lw = new FakeListerWatcher<TestObject>().replyList(
      [obj('ns1/web', '1', {}, { app: 'web' }), obj('ns1/db', '2', {}, { app: 'db' }), obj('ns2/web', '3', {}, { app: 'web' })],
      '5',
    );
    const inf = start(lw);
    run(inf);
    await inf.waitForSync();
    const lister = inf.lister();
    assert.equal(lister.get('ns1/db')?.metadata?.resourceVersion, '2');
    assert.equal(lister.namespace('ns2').get('web')?.metadata?.resourceVersion, '3');
    assert.equal(lister.namespace('ns2').get('db'), undefined);
    assert.equal(lister.list().length, 3);
    assert.equal(lister.list(parseLabelSelector('app=web')).length, 2);
    assert.deepEqual(lister.namespace('ns1').list(parseLabelSelector('app=web')).map((o) => o.metadata!.resourceVersion), ['1']);
  });

  it('freezes cached objects when asked', async () => {
    const lw = new FakeListerWatcher<TestObject>().replyList([obj('a', '1', { nodeName: 'n1' })], '5');
    const inf = start(lw, { freeze: true });
    run(inf);
    await inf.waitForSync();
    const cached = inf.lister().get('a')!;
    assert.ok(Object.isFrozen(cached) && Object.isFrozen(cached.spec) && Object.isFrozen(cached.metadata!.labels));
    assert.throws(() => {
      'use strict';
      (cached.spec as { nodeName: string }).nodeName = 'n2';
    }, TypeError);
  });

  it('waitForSync resolves false when its signal aborts first, and run refuses a second start', async () => {
    const lw = new FakeListerWatcher<TestObject>().failList(new UnavailableError('down'));
    const inf = start(lw, { backoff: { initialMs: 1000, jitter: 0 } });
    run(inf);
    const wait = new AbortController();
    const p = inf.waitForSync(wait.signal);
    wait.abort();
    assert.equal(await p, false);
    await assert.rejects(inf.run(loop.signal), /already started/);
  });
});
