// A new apiserver process on an existing store serves watches that resume from resourceVersions
// handed out by the previous one: its watch cache window is rebuilt from the store's history, so
// clients do not have to relist after an apiserver restart. Both stores.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiserverConfig } from '../../../services/apiserver/server';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { etcdSkipped, startEtcd, type TestEtcd } from '../../support/etcd';
import { pod, service } from '../../support/builders';
import { backends, Recorders, settle, uniqueName } from './harness';

for (const backend of backends()) {
  describe(`apiserver restart: watches resume across it (${backend})`, function () {
    this.timeout(60_000);
    let etcd: TestEtcd | undefined;
    let dataDir: string | undefined;
    const running: TestApiserver[] = [];
    const recorders = new Recorders();

    before(async function () {
      if (backend === 'etcd' && etcdSkipped()) this.skip();
      if (backend === 'etcd') etcd = await startEtcd();
      dataDir = mkdtempSync(join(tmpdir(), 'kite-restart-'));
    });
    afterEach(async () => {
      await recorders.stopAll();
      for (const a of running.splice(0)) await a.stop();
    });
    after(async () => {
      await etcd?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    const start = async (opts: Partial<ApiserverConfig> = {}) => {
      const a = await startTestApiserver({ dataDir, ...(etcd ? { store: 'etcd', etcdEndpoints: [etcd.endpoint] } : {}), ...opts });
      running.push(a);
      return a;
    };
    const stop = async (a: TestApiserver) => {
      running.splice(running.indexOf(a), 1);
      await a.stop();
    };

    it('replays exactly the events after a resourceVersion from before the restart, then live events', async () => {
      const first = await start();
      const c1 = first.client();
      const set = uniqueName('rr');
      const writes: { what: string; rv: string }[] = [];
      const rec = (what: string, o: { metadata?: { resourceVersion: string } }) => writes.push({ what, rv: o.metadata!.resourceVersion });
      rec(`ADDED ${set}-a`, await c1.pods.create(pod(`${set}-a`, { labels: { set } })));
      rec(`ADDED ${set}-b`, await c1.pods.create(pod(`${set}-b`, { labels: { set } })));
      await c1.services.create(service(uniqueName('other-kind')));
      rec(`MODIFIED ${set}-a`, await c1.pods.patch(`${set}-a`, { metadata: { annotations: { n: '1' } } }));
      rec(`DELETED ${set}-b`, await c1.pods.delete(`${set}-b`));
      // Out of the selector: the watcher sees it leave.
      rec(`DELETED ${set}-a`, await c1.pods.patch(`${set}-a`, { metadata: { labels: { set: 'gone' } } }));
      // Created and deleted again before the restart: absent from both the old and the new state.
      rec(`ADDED ${set}-c`, await c1.pods.create(pod(`${set}-c`, { labels: { set } })));
      rec(`DELETED ${set}-c`, await c1.pods.delete(`${set}-c`));
      await stop(first);

      const second = await start();
      const c2 = second.client();
      for (let from = 0; from < writes.length; from++) {
        const w = recorders.watch(c2.pods, { labelSelector: `set=${set}`, resourceVersion: writes[from].rv });
        const want = writes.slice(from + 1);
        await w.untilCount(want.length);
        await settle(50);
        assert.deepEqual(w.summary(), want.map((x) => x.what), `resumed from write #${from}`);
        assert.deepEqual(w.events.map((e) => e.object!.metadata!.resourceVersion), want.map((x) => x.rv));
        await w.stop();
      }
      const live = recorders.watch(c2.pods, { labelSelector: `set=${set}`, resourceVersion: writes[3].rv });
      await live.untilCount(3);
      const d = await c2.pods.create(pod(`${set}-d`, { labels: { set } }));
      await live.untilCount(4);
      assert.deepEqual(live.summary(), [`DELETED ${set}-a`, `ADDED ${set}-c`, `DELETED ${set}-c`, `ADDED ${set}-d`]);
      assert.equal(live.events[3].object!.metadata!.resourceVersion, d.metadata!.resourceVersion);
      // The current state is served as before.
      const list = await c2.pods.list({ labelSelector: `set=${set}`, resourceVersion: '0' });
      assert.deepEqual(list.items.map((p) => p.metadata!.name), [`${set}-d`]);
      await stop(second);
    });

    it('still answers OUT_OF_RANGE for a resourceVersion older than the rebuilt window', async () => {
      const first = await start({ watchCacheSize: 3 });
      const c1 = first.client();
      const set = uniqueName('old');
      const rvs: string[] = [];
      for (let i = 0; i < 8; i++) rvs.push((await c1.pods.create(pod(`${set}-${i}`, { labels: { set } }))).metadata!.resourceVersion);
      await stop(first);
      const second = await start({ watchCacheSize: 3 });
      const old = recorders.watch(second.client().pods, { labelSelector: `set=${set}`, resourceVersion: rvs[0] });
      await old.untilEnded();
      assert.match(old.error?.message ?? '', /too old resource version/);
      const recent = recorders.watch(second.client().pods, { labelSelector: `set=${set}`, resourceVersion: rvs[6] });
      await recent.untilCount(1);
      assert.deepEqual(recent.summary(), [`ADDED ${set}-7`]);
      await stop(second);
    });
  });
}
