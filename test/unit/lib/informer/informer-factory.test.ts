import { strict as assert } from 'node:assert';
import { Nodes, Pods, type KindInfo, type KubeObject } from '../../../../lib/api/kinds';
import { InformerFactory, type ListWatchScope } from '../../../../lib/informer';
import { logger } from '../../../../lib/log';
import { FakeListerWatcher, obj } from './fake-lister-watcher';

const silent = logger('test');
silent.level = 'silent';

describe('InformerFactory', () => {
  let ac: AbortController;
  let factory: InformerFactory;
  let made: { kind: string; scope: ListWatchScope; lw: FakeListerWatcher<KubeObject> }[];

  beforeEach(() => {
    ac = new AbortController();
    made = [];
    factory = new InformerFactory(
      <T extends KubeObject>(kind: KindInfo<T>, scope: ListWatchScope) => {
        const lw = new FakeListerWatcher<KubeObject>();
        made.push({ kind: kind.kind, scope, lw });
        return lw as unknown as FakeListerWatcher<T>;
      },
      { logger: silent },
    );
  });
  afterEach(async () => {
    ac.abort();
    await factory.stopped();
  });

  it('shares one informer per kind and scope', () => {
    const a = factory.forKind(Pods);
    assert.equal(factory.forKind(Pods), a);
    assert.equal(factory.forKind(Pods, {}), a);
    const onNode = factory.forKind(Pods, { fieldSelector: 'spec.nodeName=n1' });
    assert.notEqual(onNode, a);
    assert.equal(factory.forKind(Pods, { fieldSelector: 'spec.nodeName=n1' }), onNode);
    assert.notEqual(factory.forKind(Pods, { namespace: 'kube-system' }), a);
    assert.notEqual(factory.forKind(Nodes), a);
    assert.deepEqual(
      made.map((m) => [m.kind, m.scope]),
      [['Pod', {}], ['Pod', { fieldSelector: 'spec.nodeName=n1' }], ['Pod', { namespace: 'kube-system' }], ['Node', {}]],
    );
  });

  it('starts informers, including those requested after start, and waits for all to sync', async () => {
    const pods = factory.forKind(Pods);
    factory.start(ac.signal);
    const nodes = factory.forKind(Nodes);
    assert.equal(made.length, 2);
    let synced: boolean | undefined;
    const waiting = factory.waitForCacheSync(ac.signal).then((s) => (synced = s));
    made[0].lw.replyList([obj('default/p', '1')], '1');
    await pods.waitForSync();
    await new Promise((r) => setImmediate(r));
    assert.equal(synced, undefined, 'nodes not synced yet');
    made[1].lw.replyList([obj('n1', '2')], '2');
    await waiting;
    assert.equal(synced, true);
    assert.ok(nodes.hasSynced());
    assert.equal(nodes.lister().get('n1')?.metadata?.resourceVersion, '2');
    factory.start(ac.signal);
    assert.equal(made[0].lw.listCalls.length, 1, 'a second start does not start informers again');
  });

  it('waits for six informers started on the same signal without passing its listener limit (no MaxListenersExceededWarning)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 6; i++) factory.forKind(Pods, { namespace: `ns${i}` });
      factory.start(ac.signal);
      const waiting = factory.waitForCacheSync(ac.signal);
      await new Promise((r) => setImmediate(r));
      made.forEach((m, i) => m.lw.replyList([], String(i + 1)));
      assert.equal(await waiting, true);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')), []);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('waitForCacheSync resolves false when its signal aborts first', async () => {
    factory.forKind(Pods);
    factory.start(ac.signal);
    const wait = new AbortController();
    const p = factory.waitForCacheSync(wait.signal);
    wait.abort();
    assert.equal(await p, false);
  });
});
