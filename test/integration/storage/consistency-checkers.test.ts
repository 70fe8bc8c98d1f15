// The lost-update and watch-integrity checkers (test/support/consistency-checkers.ts) against each
// store an apiserver runs on: SQLite, a single etcd, and a 3-member etcd cluster whose leader is
// SIGKILLed and started again while the writes go on (the failure Kubernetes' HA control plane
// must survive without losing an acknowledged update or a watch event). A watch from a compacted
// resourceVersion must fail with Expired on an apiserver started after the compaction. Each
// backend prints its figures on one line. A watch that ends with Expired is resumed and checked;
// a last case shows the checkers fail on a store that
// loses an update, a watch that skips an event and a compacted watch that is served.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExpiredError } from '../../../lib/api/errors';
import type { Clientset } from '../../../lib/client/clientset';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { lostUpdateChecker, watchIntegrityChecker, type WatchIntegrityOptions } from '../../support/consistency-checkers';
import { etcdSkipped, startEtcd, startEtcdCluster, type TestEtcd, type TestEtcdCluster } from '../../support/etcd';
import { uniqueName } from '../../support/names';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Compacts the store to its current revision. */
async function compactAll(api: TestApiserver): Promise<void> {
  await api.server.storage.compact(await api.server.storage.currentRevision());
}

/** Runs both checkers through `api`'s clients and prints the figures. */
async function runCheckers(
  backend: string,
  clients: Clientset[],
  expire: WatchIntegrityOptions['expire'],
  midway?: (checker: string) => Promise<void>,
): Promise<void> {
  const ns = uniqueName('consistency');
  const updates = await lostUpdateChecker({ clients, writers: 4, writesPerWriter: 12, object: { name: 'counter', namespace: ns }, midway: midway && (() => midway('lost-update')) });
  // Second: its `expire` may restart the apiserver behind `clients`.
  const watch = await watchIntegrityChecker({ clients, namespace: ns, writes: 100, watchers: 5, expire, midway: midway && (() => midway('watch')) });
  console.log(
    `      ${backend}: lost-update ${updates.acknowledged} acknowledged, ${updates.conflicts} conflicts retried, ` +
      `${updates.unknown} unknown outcomes (${updates.unknownLanded} landed), final ${updates.final}; ` +
      `watch ${watch.acknowledged} writes (${watch.unknown} unknown), ${watch.watchers} watchers, ${watch.events} events checked, ` +
      `${watch.rewatches} re-watches (${watch.expiredRewatches} after Expired), compacted watch ${watch.expired ? 'Expired' : 'served'}`,
  );
}

/** `client` with its ConfigMap client's methods replaced by `faults` (a store that misbehaves). */
function faulty(client: Clientset, faults: Partial<Clientset['configMaps']>): Clientset {
  const configMaps = Object.assign(Object.create(client.configMaps) as Clientset['configMaps'], faults);
  return Object.create(client, { configMaps: { value: configMaps } }) as Clientset;
}

describe('consistency checkers: lost updates and watch integrity', function () {
  this.timeout(60_000);

  describe('SQLite', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kite-consistency-'));
    let api: TestApiserver | undefined;
    after(async () => {
      await api?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('keeps every acknowledged update and serves ordered, gap-free watches', async () => {
      api = await startTestApiserver({ dataDir });
      await runCheckers('sqlite', [api.client(), api.client()], async () => {
        // The restarted apiserver's watch cache begins at the compacted revision.
        await compactAll(api!);
        await api!.stop();
        api = await startTestApiserver({ dataDir });
        return api.client();
      });
    });

    it('resumes a watch that ended with Expired from its last event, and checks what follows', async () => {
      const client = api!.client();
      // Ends each watch with Expired after its second event (as when the watch cache is reinitialised).
      const expiring = faulty(client, {
        watch: async function* (opts, signal) {
          let k = 0;
          for await (const ev of client.configMaps.watch(opts, signal)) {
            yield ev;
            if (++k === 2) throw new ExpiredError('watch cache for configmaps was reinitialised; relist and watch again');
          }
        },
      });
      const watch = await watchIntegrityChecker({ clients: [expiring], namespace: uniqueName('expiring'), writes: 30, watchers: 2 });
      assert.ok(watch.expiredRewatches > 0);
      // As an informer: list, check the list against the writes, watch from it.
      const relisting = await watchIntegrityChecker({ clients: [expiring], namespace: uniqueName('relisting'), writes: 30, watchers: 2, onExpired: 'relist' });
      assert.ok(relisting.relists > 0);
    });

    it('fails on a lost update, a skipped watch event and a compacted watch served', async () => {
      const client = api!.client();
      // Updates without the resourceVersion read: the last writer wins and increments are lost.
      const unconditional = faulty(client, { update: (cm) => client.configMaps.update({ ...cm, metadata: { ...cm.metadata!, resourceVersion: '' } }) });
      await assert.rejects(
        lostUpdateChecker({ clients: [unconditional], writers: 4, writesPerWriter: 10, object: { name: 'counter', namespace: uniqueName('lost') } }),
        /lost update|the counter is|stored all of its writes/,
      );
      await assert.rejects(
        lostUpdateChecker({ clients: [unconditional], writers: 4, durationMs: 500, object: { name: 'counter', namespace: uniqueName('lost-timed') } }),
        /lost update|the counter is/,
      );
      // A watch that drops its third event.
      const skipping = faulty(client, {
        watch: async function* (opts, signal) {
          let k = 0;
          for await (const ev of client.configMaps.watch(opts, signal)) if (++k !== 3) yield ev;
        },
      });
      await assert.rejects(watchIntegrityChecker({ clients: [client, skipping], namespace: uniqueName('skip'), writes: 30, watchers: 2 }), /did not see exactly the writes/);
      // The first watch ends with Expired; the watch from the relist drops its first event.
      let watches = 0;
      const skippingAfterRelist = faulty(client, {
        watch: async function* (opts, signal) {
          const nth = ++watches;
          let k = 0;
          for await (const ev of client.configMaps.watch(opts, signal)) {
            if (nth === 1 && ++k === 2) throw new ExpiredError('too old resource version');
            if (nth === 2 && ++k === 1) continue;
            yield ev;
          }
        },
      });
      await assert.rejects(
        watchIntegrityChecker({ clients: [skippingAfterRelist], namespace: uniqueName('skip-relist'), writes: 400, watchers: 1, onExpired: 'relist' }),
        /relisted at .* did not see exactly the writes/,
      );
      // The compacted resourceVersion asked of an apiserver whose watch cache still holds it.
      await assert.rejects(
        watchIntegrityChecker({ clients: [client], namespace: uniqueName('served'), writes: 10, watchers: 1, expire: async () => (await compactAll(api!), client) }),
        /was served/,
      );
    });
  });

  describe('single etcd', () => {
    let etcd: TestEtcd | undefined;
    const apis: TestApiserver[] = [];
    before(async function () {
      if (etcdSkipped()) this.skip();
      etcd = await startEtcd();
    });
    after(async () => {
      for (const a of apis) await a.stop();
      await etcd?.stop();
    });

    it('keeps every acknowledged update and serves ordered, gap-free watches', async () => {
      const start = async () => {
        const a = await startTestApiserver({ store: 'etcd', etcdEndpoints: [etcd!.endpoint] });
        apis.push(a);
        return a;
      };
      const api = await start();
      await runCheckers('etcd', [api.client(), api.client()], async () => {
        await compactAll(api);
        return (await start()).client();
      });
    });
  });

  describe('3-member etcd cluster losing its leader', () => {
    let cluster: TestEtcdCluster | undefined;
    const apis: TestApiserver[] = [];
    before(async function () {
      if (etcdSkipped()) this.skip();
      cluster = await startEtcdCluster(3);
    });
    after(async () => {
      for (const a of apis) await a.stop();
      await cluster?.stop();
    });

    /** The index of the member that is the leader now (etcd's maintenance status, over its JSON gateway). */
    async function leader(c: TestEtcdCluster): Promise<number> {
      for (let attempt = 0; attempt < 100; attempt++) {
        for (let i = 0; i < c.endpoints.length; i++) {
          try {
            const res = await fetch(`http://${c.endpoints[i]}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1000) });
            const status = (await res.json()) as { header?: { member_id?: string }; leader?: string };
            if (status.leader && status.leader === status.header?.member_id) return i;
          } catch {
            // down or electing
          }
        }
        await sleep(50);
      }
      throw new Error('the etcd cluster has no leader');
    }

    it('keeps every acknowledged update and serves ordered, gap-free watches while the leader is killed and restarted', async () => {
      const c = cluster!;
      const start = async () => {
        const a = await startTestApiserver({ store: 'etcd', etcdEndpoints: c.endpoints });
        apis.push(a);
        return a;
      };
      const api = await start();
      const killed: string[] = [];
      await runCheckers('etcd cluster', [api.client(), api.client()], async () => {
        await compactAll(api);
        return (await start()).client();
      }, async (checker) => {
        const i = await leader(c);
        await c.killMember(i);
        killed.push(`${checker}: member ${i}`);
        await sleep(1000);
        await c.restartMember(i);
      });
      console.log(`      etcd cluster: leaders killed and restarted mid-writes: ${killed.join(', ')}`);
    });
  });
});
