// The lost-update and watch-integrity checkers (test/support/consistency-checkers.ts) against each
// store an apiserver runs on: SQLite, a single etcd, and a 3-member etcd cluster whose leader is
// SIGKILLed and started again while the writes go on (the failure Kubernetes' HA control plane
// must survive without losing an acknowledged update or a watch event), then must catch up. A
// watch from a compacted resourceVersion must fail with Expired on an apiserver started after the
// compaction. Further cases: the etcd cluster's leader paused (SIGSTOP) while reads and writes go
// on, caught up after SIGCONT; the store compacted under the watchers while an apiserver process is
// killed -9 and restarted (watchers relist after Expired, as informers do). Each case prints its
// figures on one line. A watch that ends with Expired is resumed and checked; a last case shows
// the checkers fail on a store that loses an update, a watch that skips an event and a compacted
// watch that is served.
// Sizes: small by default; KITE_RELIABILITY=full (`npm run test:reliability`) runs issue 18's
// TARGETS.md "Reliability" scale: 8 writers x 60 s per backend, 20 watchers, compaction every
// 200 ms, an etcd member down for 25 s, and the case that pauses the leader for 20 s.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExpiredError } from '../../../lib/api/errors';
import { Clientset } from '../../../lib/client/clientset';
import { NO_RETRY } from '../../../lib/client/retry';
import { EtcdStorage } from '../../../services/apiserver/storage/etcd';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { startApiserverProcess, type ApiserverProcess } from '../../support/apiserver-process';
import { lostUpdateChecker, watchIntegrityChecker, type LostUpdateOptions, type WatchIntegrityOptions } from '../../support/consistency-checkers';
import { etcdSkipped, startEtcd, startEtcdCluster, type TestEtcd, type TestEtcdCluster } from '../../support/etcd';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const FULL = process.env.KITE_RELIABILITY === 'full';
const SCALE = FULL
  ? {
      lostUpdate: { writers: 8, durationMs: 60_000 } as Pick<LostUpdateOptions, 'writers' | 'writesPerWriter' | 'durationMs'>,
      watchWrites: 2000,
      watchers: 20,
      /** Compaction of the store during the watch checks (0: none). */
      compactEveryMs: 200,
      /** How long a killed etcd member stays down. */
      memberDownMs: 25_000,
      /** Writes of the case that kills an apiserver process under compaction. */
      killWatchWrites: 4000,
    }
  : {
      lostUpdate: { writers: 4, writesPerWriter: 12 } as Pick<LostUpdateOptions, 'writers' | 'writesPerWriter' | 'durationMs'>,
      watchWrites: 100,
      watchers: 5,
      compactEveryMs: 0,
      memberDownMs: 1000,
      killWatchWrites: 300,
    };
/** The leader's pause (SIGSTOP to SIGCONT) of the full-scale case, with the lost-update writers meanwhile. */
const PAUSE = { ms: 20_000, writers: 8 };
/** Room for the case's own durations on top of its work. */
const CASE_TIMEOUT_MS = FULL ? 300_000 : 60_000;
/** How long a checker waits for one step (a watcher catching up, the writes going on) before it fails. */
const STEP_TIMEOUT_MS = FULL ? 90_000 : 45_000;

/** Compacts the store to its current revision. */
async function compactAll(api: TestApiserver): Promise<void> {
  await api.server.storage.compact(await api.server.storage.currentRevision());
}

interface CheckerRun {
  expire: WatchIntegrityOptions['expire'];
  /** Compacts the store to its current revision (every SCALE.compactEveryMs during the watch check). */
  compact: () => Promise<void>;
  midway?: (checker: string) => Promise<void>;
  /** No failure is injected: every request must succeed or get Conflict. */
  clean: boolean;
}

/** Runs both checkers through `clients` and prints the figures. */
async function runCheckers(backend: string, clients: Clientset[], run: CheckerRun): Promise<void> {
  const ns = uniqueName('consistency');
  const started = Date.now();
  const updates = await lostUpdateChecker({ clients, ...SCALE.lostUpdate, object: { name: 'counter', namespace: ns }, midway: run.midway && (() => run.midway!('lost-update')) });
  const updatesMs = Date.now() - started;
  // Second: its `expire` may restart the apiserver behind `clients`.
  const watch = await watchIntegrityChecker({
    clients,
    namespace: ns,
    writes: SCALE.watchWrites,
    watchers: SCALE.watchers,
    expire: run.expire,
    midway: run.midway && (() => run.midway!('watch')),
    ...(SCALE.compactEveryMs ? { compaction: { everyMs: SCALE.compactEveryMs, compact: run.compact }, onExpired: 'relist' as const } : {}),
    timeoutMs: STEP_TIMEOUT_MS,
  });
  console.log(
    `      ${backend}: lost-update ${SCALE.lostUpdate.writers} writers, ${(updatesMs / 1000).toFixed(1)} s: ${updates.acknowledged} acknowledged, ${updates.conflicts} conflicts retried, ` +
      `${updates.unknown} unknown outcomes (${updates.unknownLanded} landed), final ${updates.final}, max gap between acknowledgements ${updates.maxAckGapMs} ms; ` +
      `watch ${watch.acknowledged} writes (${watch.unknown} unknown, max gap ${watch.maxAckGapMs} ms), ${watch.watchers} watchers, ${watch.compactions} compactions, ${watch.events} events checked, ` +
      `${watch.rewatches} re-watches (${watch.expiredRewatches} after Expired, ${watch.relists} relists), compacted watch ${watch.expired ? 'Expired' : 'served'}`,
  );
  assert.ok(updates.conflicts > 0, 'the writers never conflicted: the check did not run concurrently');
  if (run.clean) {
    assert.equal(updates.unknown, 0, 'an update failed with an error other than Conflict');
    assert.equal(watch.unknown, 0, 'a patch failed');
  }
}

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

/** Waits until every member reports the same store revision (a member that was down or paused has caught up); returns it. */
async function caughtUp(c: TestEtcdCluster): Promise<number> {
  const revisionOf = async (endpoint: string): Promise<number> => {
    const res = await fetch(`http://${endpoint}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1000) });
    return Number(((await res.json()) as { header?: { revision?: string } }).header?.revision);
  };
  return waitFor('every etcd member at the same revision', async () => {
    const revs = await Promise.all(c.endpoints.map(revisionOf));
    return revs.every((r) => r > 0 && r === revs[0]) ? revs[0] : undefined;
  }, 60_000, 100);
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

    it('keeps every acknowledged update and serves ordered, gap-free watches', async function () {
      this.timeout(CASE_TIMEOUT_MS);
      api = await startTestApiserver({ dataDir });
      await runCheckers('sqlite', [api.client(), api.client()], {
        clean: true,
        compact: () => compactAll(api!),
        expire: async () => {
          // The restarted apiserver's watch cache begins at the compacted revision.
          await compactAll(api!);
          await api!.stop();
          api = await startTestApiserver({ dataDir });
          return api.client();
        },
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

    it('keeps every acknowledged update and serves ordered, gap-free watches', async function () {
      this.timeout(CASE_TIMEOUT_MS);
      const start = async () => {
        const a = await startTestApiserver({ store: 'etcd', etcdEndpoints: [etcd!.endpoint] });
        apis.push(a);
        return a;
      };
      const api = await start();
      await runCheckers('etcd', [api.client(), api.client()], {
        clean: true,
        compact: () => compactAll(api),
        expire: async () => {
          await compactAll(api);
          return (await start()).client();
        },
      });
    });
  });

  describe('single etcd compacted every 200 ms under the watchers, an apiserver process killed -9 and restarted', () => {
    let etcd: TestEtcd | undefined;
    let store: EtcdStorage | undefined;
    const servers: (ApiserverProcess | undefined)[] = [];
    const clients: Clientset[] = [];
    before(async function () {
      if (etcdSkipped()) this.skip();
      etcd = await startEtcd();
      store = new EtcdStorage({ endpoints: [etcd.endpoint] });
    });
    after(async () => {
      clients.forEach((c) => c.close());
      for (const s of servers) await s?.stop();
      await store?.close();
      await etcd?.stop();
    });

    it('keeps each watcher ordered and gap-free; a too-old resume gets Expired and the watcher relists', async function () {
      this.timeout(CASE_TIMEOUT_MS);
      const args = ['--store', 'etcd', '--etcd-endpoints', etcd!.endpoint];
      servers.push(await startApiserverProcess(args), await startApiserverProcess(args));
      // Clients of their own, by address: the restarted apiserver takes the same port and they reconnect to it.
      const ports = servers.map((s) => Number(s!.address.split(':')[1]));
      for (const s of servers) clients.push(new Clientset({ address: s!.address, tls: false, namespace: 'default', source: 'test' }, { retry: NO_RETRY, timeoutMs: 10_000 }));
      const compact = async () => {
        await store!.compact(await store!.currentRevision());
      };
      let restartMs = 0;
      const watch = await watchIntegrityChecker({
        clients,
        namespace: uniqueName('compacted-kill'),
        writes: SCALE.killWatchWrites,
        watchers: SCALE.watchers,
        onExpired: 'relist',
        compaction: { everyMs: 200, compact },
        // Writer 1 and the odd watchers go on through the other apiserver meanwhile, so the store moves
        // on and is compacted past what the killed one's watchers saw.
        midway: async () => {
          const killedAt = Date.now();
          process.kill(servers[0]!.proc.pid!, 'SIGKILL');
          await servers[0]!.stop();
          servers[0] = undefined;
          servers[0] = await startApiserverProcess(args, { port: ports[0] });
          restartMs = Date.now() - killedAt;
        },
        // The restarted apiserver's watch cache begins after the compactions that went on while it was down.
        expire: async () => (await compact(), clients[0]),
        timeoutMs: STEP_TIMEOUT_MS,
      });
      console.log(
        `      etcd, compaction every 200 ms, apiserver killed -9 and restarted (${restartMs} ms down): ${watch.acknowledged} writes (${watch.unknown} unknown, max gap ${watch.maxAckGapMs} ms), ` +
          `${watch.watchers} watchers, ${watch.compactions} compactions, ${watch.events} events checked, ` +
          `${watch.rewatches} re-watches (${watch.expiredRewatches} after Expired, ${watch.relists} relists), compacted watch ${watch.expired ? 'Expired' : 'served'}`,
      );
      assert.ok(watch.compactions > 0);
      assert.ok(watch.expiredRewatches > 0, "no watcher of the killed apiserver got Expired resuming from a compacted resourceVersion");
    });
  });

  describe('3-member etcd cluster losing its leader', () => {
    let cluster: TestEtcdCluster | undefined;
    const apis: TestApiserver[] = [];
    let paused: number | undefined;
    before(async function () {
      if (etcdSkipped()) this.skip();
      cluster = await startEtcdCluster(3);
    });
    after(async () => {
      if (paused !== undefined) process.kill(cluster!.pids[paused], 'SIGCONT');
      for (const a of apis) await a.stop();
      await cluster?.stop();
    });

    const start = async () => {
      const a = await startTestApiserver({ store: 'etcd', etcdEndpoints: cluster!.endpoints });
      apis.push(a);
      return a;
    };

    it('keeps every acknowledged update and serves ordered, gap-free watches while the leader is killed, down, and restarted', async function () {
      // Two checkers, each with a member down for a while: room for each step's own timeout to report first.
      this.timeout(2 * CASE_TIMEOUT_MS);
      const c = cluster!;
      const api = await start();
      const killed: string[] = [];
      await runCheckers('etcd cluster', [api.client(), api.client()], {
        clean: false,
        compact: () => compactAll(api),
        expire: async () => {
          await compactAll(api);
          return (await start()).client();
        },
        midway: async (checker) => {
          const i = await leader(c);
          await c.killMember(i);
          killed.push(`${checker}: member ${i}`);
          await sleep(SCALE.memberDownMs);
          await c.restartMember(i);
        },
      });
      const revision = await caughtUp(c);
      console.log(`      etcd cluster: leaders killed mid-writes, down ${SCALE.memberDownMs} ms, restarted: ${killed.join(', ')}; every member at revision ${revision} after`);
    });

    // Full scale only: a request the apiserver sent to the paused member waits out its storage
    // deadline (9 s of a 10 s client timeout), so only a pause longer than that shows writes going
    // on through the other members (a run of about a minute).
    if (FULL) it('keeps reads and writes going while the leader is paused (SIGSTOP), and the member catches up after SIGCONT', async function () {
      this.timeout(CASE_TIMEOUT_MS);
      const c = cluster!;
      const api = await start();
      const reader = api.client();
      const during = { acknowledged: 0, reads: 0, failedReads: 0, member: -1 };
      const ns = uniqueName('paused');
      const started = Date.now();
      const updates = await lostUpdateChecker({
        clients: [api.client(), api.client()],
        writers: PAUSE.writers,
        // The pause starts half way through: 1.5 pauses of writes before it, half a pause after it.
        durationMs: 3 * PAUSE.ms,
        object: { name: 'counter', namespace: ns },
        timeoutMs: STEP_TIMEOUT_MS,
        midway: async (acknowledged) => {
          const i = await leader(c);
          during.member = i;
          const before = acknowledged();
          process.kill(c.pids[i], 'SIGSTOP');
          paused = i;
          let pausing = true;
          const reading = (async () => {
            while (pausing) {
              try {
                await reader.configMaps.get('counter', ns);
                if (pausing) during.reads++;
              } catch {
                if (pausing) during.failedReads++;
              }
              await sleep(100);
            }
          })();
          try {
            await sleep(PAUSE.ms);
          } finally {
            pausing = false;
            during.acknowledged = acknowledged() - before;
            process.kill(c.pids[i], 'SIGCONT');
            paused = undefined;
          }
          await reading;
        },
      });
      const revision = await caughtUp(c);
      console.log(
        `      etcd cluster, leader (member ${during.member}) paused ${PAUSE.ms} ms: ${PAUSE.writers} writers, ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
          `${updates.acknowledged} acknowledged (${during.acknowledged} during the pause), ${updates.conflicts} conflicts retried, ` +
          `${updates.unknown} unknown outcomes (${updates.unknownLanded} landed), final ${updates.final}, max gap between acknowledgements ${updates.maxAckGapMs} ms; ` +
          `reads during the pause ${during.reads} answered, ${during.failedReads} failed; every member at revision ${revision} after SIGCONT`,
      );
      assert.ok(during.acknowledged > 0, 'no write was acknowledged while the leader was paused');
      assert.ok(during.reads > 0, 'no read was answered while the leader was paused');
    });
  });
});
