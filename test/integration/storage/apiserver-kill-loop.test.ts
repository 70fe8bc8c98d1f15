// kill -9 of an apiserver in a loop under a steady write load, on a real 3-member etcd cluster
// (issue 18's failure test, as Kubernetes' HA control plane must survive it): two kite-apiserver
// processes on the same etcd, two writers patching ConfigMaps through whichever answers (each
// acknowledgement recorded with its resourceVersion), two informer-style watchers (list, then
// watch; after a disconnect they re-watch from the last resourceVersion on the surviving
// apiserver), and rounds that SIGKILL one apiserver and start it again. Every acknowledged write
// must be stored, and each watcher's events for each object must be exactly the writes in order:
// every acknowledged one with its resourceVersion, no duplicate, no value never written, the last
// one the stored state. A write whose acknowledgement died with the apiserver has an unknown
// outcome: it may be absent, but if present it is in order. Each incarnation of an apiserver gets
// a fresh port; the writer and the watchers follow it. 5 rounds by default; KITE_RELIABILITY=full
// (`npm run test:reliability`) runs issue 18's TARGETS.md scale of 20. The case prints its figures.
import { strict as assert } from 'node:assert';
import { isExpired } from '../../../lib/api/errors';
import type { WatchEvent } from '../../../lib/api/kind-info';
import { ConfigMap, Namespace } from '../../../lib/gen/kite/core/v1/types';
import { startApiserverProcess, type ApiserverProcess } from '../../support/apiserver-process';
import { etcdSkipped, startEtcdCluster, type TestEtcdCluster } from '../../support/etcd';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';

const OBJECTS = 6;
const FULL = process.env.KITE_RELIABILITY === 'full';
const ROUNDS = FULL ? 20 : 5;
const WRITES_PER_PHASE = 20;

interface Seen {
  type: string;
  name: string;
  rv: number;
  seq: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('apiserver kill -9 in a loop on a 3-member etcd cluster', function () {
  this.timeout(FULL ? 600_000 : 240_000);
  let etcd: TestEtcdCluster | undefined;
  const servers: (ApiserverProcess | undefined)[] = [undefined, undefined];
  const ns = uniqueName('kill-loop');
  let args: string[] = [];
  const watchers: { stop(): Promise<void> }[] = [];

  before(async function () {
    this.timeout(60_000);
    if (etcdSkipped()) this.skip();
    etcd = await startEtcdCluster(3);
    args = ['--store', 'etcd', '--etcd-endpoints', etcd.endpoints.join(',')];
    for (let i = 0; i < servers.length; i++) servers[i] = await startApiserverProcess(args);
  });

  after(async function () {
    this.timeout(60_000);
    await Promise.all(watchers.map((w) => w.stop()));
    for (const s of servers) await s?.stop();
    await etcd?.stop();
  });

  /** The live servers, `preferred` first. */
  const order = (preferred: number): ApiserverProcess[] =>
    [servers[preferred % 2], servers[(preferred + 1) % 2]].filter((s): s is ApiserverProcess => s !== undefined);

  /** An informer's list+watch that re-watches from its last resourceVersion on another apiserver after a disconnect. */
  function watcher(start: number) {
    const events: Seen[] = [];
    const errors: string[] = [];
    let reconnects = 0;
    let stopping = false;
    let current: AbortController | undefined;
    const done = (async () => {
      let rv = '';
      for (let attempt = start; !stopping; attempt++) {
        const server = order(attempt)[0];
        if (!server) {
          await sleep(50);
          continue;
        }
        const ac = new AbortController();
        current = ac;
        const client = server.client;
        try {
          if (!rv) rv = (await client.configMaps.list({ namespace: ns })).metadata!.resourceVersion;
          const stream = client.configMaps.watch({ namespace: ns, resourceVersion: rv }, ac.signal);
          for await (const ev of stream as AsyncGenerator<WatchEvent<ConfigMap>>) {
            if (ev.type === 'BOOKMARK') continue;
            const md = ev.object!.metadata!;
            events.push({ type: ev.type, name: md.name, rv: Number(md.resourceVersion), seq: Number(ev.object!.data.n) });
            rv = md.resourceVersion;
          }
        } catch (err) {
          if (isExpired(err)) errors.push(`re-watch from ${rv} expired: ${(err as Error).message}`);
          if (rv) reconnects++;
        } finally {
          ac.abort();
        }
        if (!stopping) await sleep(20);
      }
    })();
    const w = {
      events,
      errors,
      reconnects: () => reconnects,
      stop: async () => {
        stopping = true;
        current?.abort();
        await done;
      },
    };
    watchers.push(w);
    return w;
  }

  it('keeps every acknowledged write, and watchers resume without gaps or duplicates', async () => {
    const first = servers[0]!.client;
    await first.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
    const recorders = [watcher(0), watcher(1)];
    // Each watcher has listed before the objects exist, so it sees their creation.
    await sleep(500);

    const names = Array.from({ length: OBJECTS }, (_, i) => `cm-${i}`);
    const acked = new Map<string, Map<number, number>>(names.map((n) => [n, new Map()]));
    const unknown = new Map<string, Set<number>>(names.map((n) => [n, new Set()]));
    for (const name of names) {
      const cm = await first.configMaps.create(ConfigMap.fromPartial({ metadata: { name, namespace: ns }, data: { n: '0' } }));
      acked.get(name)!.set(0, Number(cm.metadata!.resourceVersion));
    }

    let ackCount = 0;
    let unknownCount = 0;
    let writing = true;
    const started = Date.now();
    let lastAck = started;
    let maxAckGapMs = 0;
    // Two writers, each on its own half of the objects, so kills land on requests in flight.
    const writers = [0, 1].map(async (w) => {
      const mine = names.filter((_, k) => k % 2 === w);
      for (let i = 0; writing; i++) {
        const name = mine[i % mine.length];
        const seq = Math.floor(i / mine.length) + 1;
        // Alternate between the apiservers; when one fails, the same value is not sent again (its
        // outcome is unknown), the next write goes to the other.
        const server = order(i)[0];
        if (!server) {
          await sleep(20);
          continue;
        }
        try {
          const out = await server.client.configMaps.patch(name, { data: { n: String(seq) } }, { namespace: ns });
          acked.get(name)!.set(seq, Number(out.metadata!.resourceVersion));
          ackCount++;
          maxAckGapMs = Math.max(maxAckGapMs, Date.now() - lastAck);
          lastAck = Date.now();
        } catch {
          unknown.get(name)!.add(seq);
          unknownCount++;
          await sleep(20);
        }
        await sleep(5);
      }
    });

    const untilWrites = (n: number) => {
      const target = ackCount + n;
      return waitFor(`${target} acknowledged writes`, () => ackCount >= target, 60_000, 10);
    };
    await untilWrites(WRITES_PER_PHASE);
    for (let round = 0; round < ROUNDS; round++) {
      const i = round % 2;
      const victim = servers[i]!;
      process.kill(victim.proc.pid!, 'SIGKILL');
      servers[i] = undefined;
      await victim.stop();
      await untilWrites(WRITES_PER_PHASE);
      servers[i] = await startApiserverProcess(args);
      await untilWrites(WRITES_PER_PHASE);
    }
    writing = false;
    await Promise.all(writers);
    const writingMs = Date.now() - started;

    // The stored state, read through both apiservers.
    const stored = new Map<string, { seq: number; rv: number }>();
    for (const s of order(0)) {
      for (const name of names) {
        const cm = await s.client.configMaps.get(name, ns);
        const got = { seq: Number(cm.data.n), rv: Number(cm.metadata!.resourceVersion) };
        const prev = stored.get(name);
        if (prev) assert.deepEqual(got, prev, `${name} reads differently through the two apiservers`);
        stored.set(name, got);
      }
    }
    for (const name of names) {
      const writes = acked.get(name)!;
      const lastAcked = Math.max(...writes.keys());
      const { seq, rv } = stored.get(name)!;
      assert.ok(seq >= lastAcked, `${name}: acknowledged n=${lastAcked} is lost, stored n=${seq}`);
      if (writes.has(seq)) assert.equal(rv, writes.get(seq), `${name}: n=${seq} stored at ${rv}, acknowledged at ${writes.get(seq)}`);
      else assert.ok(unknown.get(name)!.has(seq), `${name}: stored n=${seq} was never written`);
    }

    // Both watchers caught up with the stored state, then their sequences are checked write by write.
    const finalRV = Math.max(...[...stored.values()].map((s) => s.rv));
    for (const w of recorders) {
      await waitFor('the watcher to reach the last write', () => {
        assert.deepEqual(w.errors, []);
        return w.events.some((e) => e.rv >= finalRV);
      }, 30_000, 20);
    }
    await Promise.all(recorders.map((w) => w.stop()));
    console.log(
      `      ${ROUNDS} kills in ${(writingMs / 1000).toFixed(1)} s: ${ackCount} acknowledged writes, ${unknownCount} unknown outcomes, ` +
        `max gap between acknowledgements ${maxAckGapMs} ms; ${recorders.length} watchers, ${recorders.reduce((sum, w) => sum + w.events.length, 0)} events checked, ` +
        `${recorders.reduce((sum, w) => sum + w.reconnects(), 0)} re-watches on the other apiserver`,
    );
    recorders.forEach((w, wi) => {
      assert.deepEqual(w.errors, [], `watcher ${wi}`);
      assert.ok(w.reconnects() > 0, `watcher ${wi} was never disconnected`);
      for (let k = 1; k < w.events.length; k++) {
        assert.ok(w.events[k].rv > w.events[k - 1].rv, `watcher ${wi}: resourceVersion ${w.events[k - 1].rv} then ${w.events[k].rv}`);
      }
      for (const name of names) {
        const evs = w.events.filter((e) => e.name === name);
        const writes = acked.get(name)!;
        assert.equal(evs[0]?.type, 'ADDED', `watcher ${wi}: ${name} starts with ${evs[0]?.type}`);
        assert.ok(evs.slice(1).every((e) => e.type === 'MODIFIED'), `watcher ${wi}: ${name} has ${evs.map((e) => e.type).join(',')}`);
        for (let k = 1; k < evs.length; k++) {
          assert.ok(evs[k].seq > evs[k - 1].seq, `watcher ${wi}: ${name} n=${evs[k - 1].seq} then n=${evs[k].seq}`);
        }
        for (const e of evs) {
          if (writes.has(e.seq)) assert.equal(e.rv, writes.get(e.seq), `watcher ${wi}: ${name} n=${e.seq} at ${e.rv}, acknowledged at ${writes.get(e.seq)}`);
          else assert.ok(unknown.get(name)!.has(e.seq), `watcher ${wi}: ${name} n=${e.seq} was never written`);
        }
        const seen = new Set(evs.map((e) => e.seq));
        const missed = [...writes.keys()].filter((s) => !seen.has(s));
        assert.deepEqual(missed, [], `watcher ${wi}: ${name} missed acknowledged writes`);
        assert.deepEqual(
          { seq: evs[evs.length - 1].seq, rv: evs[evs.length - 1].rv },
          stored.get(name),
          `watcher ${wi}: the last event of ${name} is not the stored state`,
        );
      }
    });
  });
});
