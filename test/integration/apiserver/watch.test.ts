// Watch over real gRPC on both stores: initial state then live changes, exact resume from a
// resourceVersion, selector transitions as ADDED/DELETED, bookmarks, OUT_OF_RANGE outside the
// watch cache window, and a watch on one connection seeing another client's writes.
import { strict as assert } from 'node:assert';
import { status as Status } from '@grpc/grpc-js';
import { Clientset } from '../../../lib/client/clientset';
import { NO_RETRY } from '../../../lib/client/retry';
import { Namespace } from '../../../lib/gen/kite/core/v1/types';
import { pod } from '../../support/builders';
import { backends, errorOf, Recorders, settle, uniqueName, useApiserver, type ApiserverHandle } from './harness';

const rvOf = (o: { metadata?: { resourceVersion: string } }) => Number(o.metadata!.resourceVersion);

/** Creates, updates and deletes pods; returns each write as "TYPE name" with its resourceVersion. */
async function churn(h: ApiserverHandle, prefix: string, labels: Record<string, string>): Promise<{ what: string; rv: number }[]> {
  const out: { what: string; rv: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const p = await h.client.pods.create(pod(`${prefix}-${i}`, { labels }));
    out.push({ what: `ADDED ${prefix}-${i}`, rv: rvOf(p) });
  }
  const u = await h.client.pods.patch(`${prefix}-1`, { metadata: { annotations: { touched: 'once' } } });
  out.push({ what: `MODIFIED ${prefix}-1`, rv: rvOf(u) });
  const d = await h.client.pods.delete(`${prefix}-0`);
  out.push({ what: `DELETED ${prefix}-0`, rv: rvOf(d) });
  const u2 = await h.client.pods.patch(`${prefix}-2`, { metadata: { annotations: { touched: 'twice' } } });
  out.push({ what: `MODIFIED ${prefix}-2`, rv: rvOf(u2) });
  return out;
}

for (const backend of backends()) {
  describe(`apiserver watch over gRPC (${backend})`, function () {
    this.timeout(30_000);
    const h = useApiserver(backend, { bookmarkIntervalMs: 100 });
    const recorders = new Recorders();
    afterEach(() => recorders.stopAll());

    it('from "" sends an ADDED per existing object, then live changes', async () => {
      const set = uniqueName('set');
      await h.client.pods.create(pod(`${set}-a`, { labels: { set } }));
      await h.client.pods.create(pod(`${set}-b`, { labels: { set } }));
      const w = recorders.watch(h.client.pods, { labelSelector: `set=${set}`, resourceVersion: '' });
      await w.untilCount(2);
      assert.deepEqual(w.summary().sort(), [`ADDED ${set}-a`, `ADDED ${set}-b`]);
      await h.client.pods.patch(`${set}-a`, { metadata: { annotations: { x: 'y' } } });
      await h.client.pods.delete(`${set}-b`);
      await h.client.pods.create(pod(`${set}-c`, { labels: { set } }));
      await w.untilCount(5);
      assert.deepEqual(w.summary().slice(2), [`MODIFIED ${set}-a`, `DELETED ${set}-b`, `ADDED ${set}-c`]);
      const modified = w.events.find((e) => e.type === 'MODIFIED')!;
      assert.equal(modified.object!.metadata!.annotations.x, 'y');
      assert.equal(modified.object!.kind, 'Pod');
      assert.equal(modified.object!.apiVersion, 'v1');
    });

    it('resumes from a resourceVersion with exactly the events after it, in order, each resourceVersion once', async () => {
      const prefix = uniqueName('resume');
      const writes = await churn(h, prefix, { set: prefix });
      for (let from = 0; from < writes.length; from++) {
        const w = recorders.watch(h.client.pods, { labelSelector: `set=${prefix}`, resourceVersion: String(writes[from].rv) });
        const want = writes.slice(from + 1);
        await w.untilCount(want.length);
        await settle(100);
        assert.deepEqual(w.summary(), want.map((x) => x.what), `from write #${from}`);
        assert.deepEqual(w.events.map((e) => rvOf(e.object!)), want.map((x) => x.rv), `resourceVersions from write #${from}`);
        await w.stop();
      }
    });

    it('keeps a resumed watch live after replaying the window', async () => {
      const prefix = uniqueName('live');
      const first = await h.client.pods.create(pod(`${prefix}-0`, { labels: { set: prefix } }));
      await h.client.pods.create(pod(`${prefix}-1`, { labels: { set: prefix } }));
      const w = recorders.watch(h.client.pods, { labelSelector: `set=${prefix}`, resourceVersion: first.metadata!.resourceVersion });
      await w.untilCount(1);
      await h.client.pods.create(pod(`${prefix}-2`, { labels: { set: prefix } }));
      await w.untilCount(2);
      await settle(100);
      assert.deepEqual(w.summary(), [`ADDED ${prefix}-1`, `ADDED ${prefix}-2`]);
    });

    it('reports objects moving into and out of a label selector as ADDED and DELETED', async () => {
      const name = uniqueName('move');
      const team = uniqueName('team');
      const w = recorders.watch(h.client.pods, { labelSelector: `team=${team}` });
      await settle(100);
      await h.client.pods.create(pod(name, { labels: { team: 'other' } }));
      const inside = await h.client.pods.patch(name, { metadata: { labels: { team } } });
      await h.client.pods.patch(name, { metadata: { annotations: { a: 'b' } } });
      const outside = await h.client.pods.patch(name, { metadata: { labels: { team: 'elsewhere' } } });
      await h.client.pods.patch(name, { metadata: { annotations: { a: 'c' } } });
      await h.client.pods.delete(name);
      await w.untilCount(3);
      await settle(200);
      assert.deepEqual(w.summary(), [`ADDED ${name}`, `MODIFIED ${name}`, `DELETED ${name}`]);
      assert.equal(rvOf(w.events[0].object!), rvOf(inside));
      assert.equal(rvOf(w.events[2].object!), rvOf(outside), 'the DELETED carries the revision of the change that moved it out');
      assert.equal(w.events[2].object!.metadata!.labels.team, team, 'the DELETED carries the last state the watcher selected');
    });

    it('filters by field selectors: spec.nodeName and status.phase', async () => {
      const node = uniqueName('node');
      const name = uniqueName('fs');
      const onNode = recorders.watch(h.client.pods, { fieldSelector: `spec.nodeName=${node}` });
      const running = recorders.watch(h.client.pods, { fieldSelector: `status.phase=Running,metadata.name=${name}` });
      await settle(100);
      await h.client.pods.create(pod(name));
      await h.client.pods.bind(name, node);
      const p = await h.client.pods.get(name);
      await h.client.pods.updateStatus({ ...p, status: { ...p.status!, phase: 'Running' } });
      const p2 = await h.client.pods.get(name);
      await h.client.pods.updateStatus({ ...p2, status: { ...p2.status!, phase: 'Succeeded' } });
      await onNode.untilCount(3);
      await running.untilCount(2);
      await settle(100);
      assert.deepEqual(onNode.summary(), [`ADDED ${name}`, `MODIFIED ${name}`, `MODIFIED ${name}`]);
      assert.deepEqual(running.summary(), [`ADDED ${name}`, `DELETED ${name}`]);
    });

    it('scopes a watch to its namespace', async () => {
      const ns = uniqueName('wns');
      await h.client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
      const w = recorders.watch(h.client.pods, { namespace: ns });
      await settle(100);
      const name = uniqueName('scoped');
      await h.client.pods.create(pod(name));
      await h.client.pods.create(pod(name, { namespace: ns }));
      await w.untilCount(1);
      await settle(150);
      assert.deepEqual(w.events.map((e) => `${e.type} ${e.object!.metadata!.namespace}/${e.object!.metadata!.name}`), [`ADDED ${ns}/${name}`]);
    });

    it('sends BOOKMARK events only when asked, at a resourceVersion not behind what was delivered', async () => {
      const set = uniqueName('bm');
      const created = await h.client.pods.create(pod(set, { labels: { set } }));
      const withBookmarks = recorders.watch(h.client.pods, { labelSelector: `set=${set}`, allowWatchBookmarks: true });
      const without = recorders.watch(h.client.pods, { labelSelector: `set=${set}` });
      await withBookmarks.until('two bookmarks', (evs) => evs.filter((e) => e.type === 'BOOKMARK').length >= 2, 5000);
      await settle(300);
      assert.ok(without.events.every((e) => e.type !== 'BOOKMARK'), 'no bookmarks unless allowWatchBookmarks');
      const bookmarks = withBookmarks.events.filter((e) => e.type === 'BOOKMARK');
      for (const b of bookmarks) {
        assert.ok(rvOf(b.object!) >= rvOf(created), `bookmark at ${b.object!.metadata!.resourceVersion} is behind ${created.metadata!.resourceVersion}`);
        assert.equal(b.object!.metadata!.name, '');
      }
      // Resuming from a bookmark's resourceVersion loses nothing written after it.
      const from = bookmarks[bookmarks.length - 1].object!.metadata!.resourceVersion;
      await h.client.pods.patch(set, { metadata: { annotations: { after: 'bookmark' } } });
      const resumed = recorders.watch(h.client.pods, { labelSelector: `set=${set}`, resourceVersion: from });
      await resumed.untilCount(1);
      assert.deepEqual(resumed.summary(), [`MODIFIED ${set}`]);
    });

    it('ends the stream cleanly after timeoutSeconds', async () => {
      const w = recorders.watch(h.client.pods, { labelSelector: `set=${uniqueName('t')}`, timeoutSeconds: 1 });
      await w.untilEnded(5000);
      assert.equal(w.error, undefined);
    });

    it('shows a watch on one connection the changes another client makes', async () => {
      const other = new Clientset({ address: h.api.address, tls: false, namespace: 'default', source: 'test-other' }, { retry: NO_RETRY, timeoutMs: 10_000 });
      try {
        const set = uniqueName('cross');
        const w = recorders.watch(h.client.pods, { labelSelector: `set=${set}` });
        await settle(100);
        await other.pods.create(pod(set, { labels: { set } }));
        await other.pods.patch(set, { metadata: { annotations: { by: 'other' } } });
        await other.pods.delete(set);
        await w.untilCount(3);
        assert.deepEqual(w.summary(), [`ADDED ${set}`, `MODIFIED ${set}`, `DELETED ${set}`]);
        assert.equal(w.events[1].object!.metadata!.annotations.by, 'other');
      } finally {
        other.close();
      }
    });

    it('rejects a malformed resourceVersion with INVALID_ARGUMENT', async () => {
      const w = recorders.watch(h.client.pods, { resourceVersion: 'abc' });
      await w.untilEnded();
      assert.equal((w.error as { code?: number }).code, Status.INVALID_ARGUMENT);
    });
  });

  describe(`apiserver watch cache window (${backend})`, function () {
    this.timeout(30_000);
    const h = useApiserver(backend, { watchCacheSize: 5 });
    const recorders = new Recorders();
    afterEach(() => recorders.stopAll());

    it('answers OUT_OF_RANGE for a resourceVersion older than the window, resumes inside it', async () => {
      const prefix = uniqueName('win');
      const rvs: number[] = [];
      for (let i = 0; i < 12; i++) rvs.push(rvOf(await h.client.pods.create(pod(`${prefix}-${i}`))));
      // Wait until the cache has seen the last write, so the window is where we expect.
      const probe = recorders.watch(h.client.pods, { resourceVersion: String(rvs[10]) });
      await probe.untilCount(1);

      const old = recorders.watch(h.client.pods, { resourceVersion: String(rvs[0]) });
      await old.untilEnded();
      const err = old.error as { code?: number; message: string };
      assert.equal(err.code, Status.OUT_OF_RANGE);
      assert.match(err.message, /too old resource version/);
      assert.match(err.message, /relist/);

      const recent = recorders.watch(h.client.pods, { resourceVersion: String(rvs[8]) });
      await recent.untilCount(3);
      assert.deepEqual(recent.events.map((e) => rvOf(e.object!)), rvs.slice(9));
      assert.equal((await errorOf(() => h.client.pods.get(uniqueName('x')))).code, Status.NOT_FOUND);
    });
  });

  describe(`apiserver watch replay larger than a watcher's buffer (${backend})`, function () {
    this.timeout(30_000);
    // A replay (initial ADDEDs, or the window after a resourceVersion) is sent in one go and is
    // far larger than the lag a live watcher is allowed; it must not count as lagging.
    const h = useApiserver(backend, { watchMaxPending: 5 });
    const recorders = new Recorders();
    afterEach(() => recorders.stopAll());

    it('delivers every initial ADDED and a long resumed window, then live events', async () => {
      const set = uniqueName('replay');
      const rvs: number[] = [];
      for (let i = 0; i < 60; i++) rvs.push(rvOf(await h.client.pods.create(pod(`${set}-${i}`, { labels: { set } }))));
      const initial = recorders.watch(h.client.pods, { labelSelector: `set=${set}`, resourceVersion: '' });
      const resumed = recorders.watch(h.client.pods, { labelSelector: `set=${set}`, resourceVersion: String(rvs[0]) });
      await initial.untilCount(60);
      await resumed.untilCount(59);
      assert.deepEqual(resumed.events.map((e) => rvOf(e.object!)), rvs.slice(1));
      const last = await h.client.pods.patch(`${set}-0`, { metadata: { annotations: { live: 'yes' } } });
      await initial.untilCount(61);
      await resumed.untilCount(60);
      assert.equal(rvOf(initial.events[60].object!), rvOf(last));
      assert.equal(rvOf(resumed.events[59].object!), rvOf(last));
      assert.equal(initial.error, undefined);
      assert.equal(resumed.error, undefined);
    });
  });
}
