// The one behavioural contract of services/apiserver/storage/interface.ts, run against every
// backend (kine's approach). Each test works under its own random key root, so a backend may
// share one server across tests; compaction tests come last because they discard history that
// "watch from 0" would otherwise read on a shared server.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import {
  CompactedError,
  ConflictError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  type KeyValue,
  type Storage,
  type StoreEvent,
} from '../../../../services/apiserver/storage/interface';
import { settle, WatchCollector } from './watch-collector';

const enc = (s: string): Uint8Array => Buffer.from(s);
const dec = (v: Uint8Array | undefined): string | undefined => (v === undefined ? undefined : Buffer.from(v).toString());

/** (type, key, value, prev value) of events, for comparing whole sequences at once. */
function summary(events: StoreEvent[], root: string): [string, string, string | undefined, string | undefined][] {
  return events.map((e) => [e.type, e.kv.key.slice(root.length), dec(e.kv.value), dec(e.prevKv?.value)]);
}

function assertStrictlyIncreasing(revisions: number[]): void {
  for (let i = 1; i < revisions.length; i++) assert.ok(revisions[i] > revisions[i - 1], `revision ${revisions[i]} after ${revisions[i - 1]}`);
}

export function describeStorageConformance(name: string, open: () => Promise<Storage>): void {
  describe(`storage conformance: ${name}`, function () {
    let s: Storage;
    let root: string;
    const collectors: WatchCollector[] = [];
    const k = (path: string): string => root + path;
    const watch = (prefix: string, after: number): WatchCollector => {
      const c = new WatchCollector(s, prefix, after);
      collectors.push(c);
      return c;
    };

    beforeEach(async () => {
      s = await open();
      root = `/t-${randomBytes(4).toString('hex')}`;
    });

    afterEach(async () => {
      for (const c of collectors.splice(0)) c.close();
      await s.close();
    });

    describe('single-key operations', () => {
      it('creates, gets and refuses to create twice', async () => {
        const kv = await s.create(k('/registry/pods/default/a'), enc('one'));
        assert.equal(kv.key, k('/registry/pods/default/a'));
        assert.equal(dec(kv.value), 'one');
        assert.ok(kv.createRevision > 0);
        assert.equal(kv.modRevision, kv.createRevision);
        const got = await s.get(kv.key);
        assert.deepEqual({ ...got!, value: dec(got!.value) }, { ...kv, value: 'one' });
        await assert.rejects(s.create(kv.key, enc('two')), KeyExistsError);
        assert.equal(dec((await s.get(kv.key))!.value), 'one');
        assert.equal(await s.get(k('/registry/pods/default/missing')), undefined);
      });

      it('updates only at the current revision', async () => {
        const created = await s.create(k('/a'), enc('v1'));
        const updated = await s.update(k('/a'), enc('v2'), created.modRevision);
        assert.ok(updated.modRevision > created.modRevision);
        assert.equal(updated.createRevision, created.createRevision);
        assert.equal(dec(updated.value), 'v2');
        const stale = await s.update(k('/a'), enc('v3'), created.modRevision).catch((e: unknown) => e);
        assert.ok(stale instanceof ConflictError, `expected ConflictError, got ${String(stale)}`);
        assert.equal(stale.expected, created.modRevision);
        assert.equal(stale.actual, updated.modRevision);
        await assert.rejects(s.update(k('/a'), enc('v3'), 0), ConflictError);
        await assert.rejects(s.update(k('/missing'), enc('x'), 0), KeyNotFoundError);
        await assert.rejects(s.update(k('/missing'), enc('x'), updated.modRevision), KeyNotFoundError);
        assert.equal(dec((await s.get(k('/a')))!.value), 'v2');
      });

      it('deletes with and without a precondition', async () => {
        const a = await s.create(k('/a'), enc('a1'));
        const deleted = await s.delete(k('/a'));
        assert.equal(dec(deleted.value), 'a1');
        assert.equal(deleted.createRevision, a.createRevision);
        assert.ok(deleted.modRevision > a.modRevision);
        assert.equal(deleted.modRevision, await s.currentRevision());
        assert.equal(await s.get(k('/a')), undefined);
        await assert.rejects(s.delete(k('/a')), KeyNotFoundError);

        const b = await s.create(k('/b'), enc('b1'));
        const b2 = await s.update(k('/b'), enc('b2'), b.modRevision);
        await assert.rejects(s.delete(k('/b'), b.modRevision), ConflictError);
        assert.equal(dec((await s.get(k('/b')))!.value), 'b2');
        const gone = await s.delete(k('/b'), b2.modRevision);
        assert.equal(dec(gone.value), 'b2');
        await assert.rejects(s.delete(k('/b'), gone.modRevision), KeyNotFoundError);
      });

      it('gives a re-created key a new create revision', async () => {
        const first = await s.create(k('/a'), enc('1'));
        await s.delete(k('/a'));
        const again = await s.create(k('/a'), enc('2'));
        assert.ok(again.createRevision > first.createRevision);
        assert.equal(again.modRevision, again.createRevision);
        assert.equal(dec((await s.get(k('/a')))!.value), '2');
      });

      it('reads a key as of an older revision', async () => {
        const v1 = await s.create(k('/a'), enc('v1'));
        const v2 = await s.update(k('/a'), enc('v2'), v1.modRevision);
        await s.delete(k('/a'));
        assert.equal(dec((await s.get(k('/a'), v1.modRevision))!.value), 'v1');
        assert.equal(dec((await s.get(k('/a'), v2.modRevision))!.value), 'v2');
        assert.equal(await s.get(k('/a')), undefined);
        assert.equal(await s.get(k('/a'), v1.modRevision - 1), undefined);
      });
    });

    describe('revisions', () => {
      it('increase strictly and globally across prefixes', async () => {
        const start = await s.currentRevision();
        const revs: number[] = [start];
        for (let i = 0; i < 5; i++) {
          revs.push((await s.create(k(`/registry/pods/p${i}`), enc('x'))).modRevision);
          revs.push((await s.create(k(`/registry/services/s${i}`), enc('x'))).modRevision);
          revs.push((await s.update(k(`/registry/pods/p${i}`), enc('y'), revs[revs.length - 2])).modRevision);
        }
        revs.push((await s.delete(k('/registry/services/s0'))).modRevision);
        assertStrictlyIncreasing(revs);
        assert.equal(await s.currentRevision(), revs[revs.length - 1]);
      });

      it('does not advance on a failed write', async () => {
        const a = await s.create(k('/a'), enc('1'));
        const before = await s.currentRevision();
        await assert.rejects(s.create(k('/a'), enc('2')), KeyExistsError);
        await assert.rejects(s.update(k('/a'), enc('2'), a.modRevision + 1000), ConflictError);
        await assert.rejects(s.delete(k('/nope')), KeyNotFoundError);
        assert.equal(await s.currentRevision(), before);
      });
    });

    describe('list and count', () => {
      it('lists exactly the keys under a prefix, in key order', async () => {
        for (const key of ['/registry/pods/ns/b', '/registry/podsx/ns/c', '/registry/pods/ns/a', '/registry/pod', '/registry/pods/zz/a', '/registry/pods']) {
          await s.create(k(key), enc(key));
        }
        const res = await s.list(k('/registry/pods/'));
        assert.deepEqual(res.items.map((i) => i.key.slice(root.length)), ['/registry/pods/ns/a', '/registry/pods/ns/b', '/registry/pods/zz/a']);
        assert.deepEqual(res.items.map((i) => dec(i.value)), ['/registry/pods/ns/a', '/registry/pods/ns/b', '/registry/pods/zz/a']);
        assert.equal(res.more, false);
        assert.equal(res.revision, await s.currentRevision());
        assert.deepEqual((await s.list(k('/registry/podsx/'))).items.map((i) => i.key), [k('/registry/podsx/ns/c')]);
        assert.equal((await s.list(k('/registry/nothing/'))).items.length, 0);
        assert.equal(await s.count(k('/registry/pods/')), 3);
        assert.equal(await s.count(k('/registry/')), 6);
        assert.equal(await s.count(k('/registry/nothing/')), 0);
      });

      it('leaves deleted keys out of lists and counts', async () => {
        await s.create(k('/r/a'), enc('a'));
        await s.create(k('/r/b'), enc('b'));
        await s.delete(k('/r/a'));
        assert.deepEqual((await s.list(k('/r/'))).items.map((i) => i.key), [k('/r/b')]);
        assert.equal(await s.count(k('/r/')), 1);
      });

      it('lists a historical snapshot at an old revision', async () => {
        const a1 = await s.create(k('/r/a'), enc('a1'));
        await s.create(k('/r/b'), enc('b1'));
        const snapshot = await s.currentRevision();
        await s.update(k('/r/a'), enc('a2'), a1.modRevision);
        await s.delete(k('/r/b'));
        await s.create(k('/r/c'), enc('c1'));

        const old = await s.list(k('/r/'), { revision: snapshot });
        assert.equal(old.revision, snapshot);
        assert.deepEqual(old.items.map((i) => [i.key.slice(root.length), dec(i.value)]), [['/r/a', 'a1'], ['/r/b', 'b1']]);
        const now = await s.list(k('/r/'));
        assert.deepEqual(now.items.map((i) => [i.key.slice(root.length), dec(i.value)]), [['/r/a', 'a2'], ['/r/c', 'c1']]);
        assert.ok(now.revision > snapshot);
      });

      it('refuses reads at a revision not reached yet with FutureRevisionError and the current revision', async () => {
        await s.create(k('/r/a'), enc('a1'));
        const current = await s.currentRevision();
        for (const read of [() => s.list(k('/r/'), { revision: current + 5 }), () => s.get(k('/r/a'), current + 5)]) {
          const err = await read().then(() => undefined, (e: unknown) => e);
          assert.ok(err instanceof FutureRevisionError, String(err));
          assert.equal(err.requested, current + 5);
          assert.equal(err.current, current);
        }
      });

      it('paginates one consistent snapshot while writes happen between pages', async () => {
        const keys = Array.from({ length: 10 }, (_, i) => `/r/k${String(i).padStart(2, '0')}`);
        for (const key of keys) await s.create(k(key), enc('v1'));
        const expected = await s.list(k('/r/'));
        assert.equal(expected.items.length, 10);

        const seen: KeyValue[] = [];
        let page = await s.list(k('/r/'), { limit: 3 });
        const revision = page.revision;
        let rounds = 0;
        for (let round = 0; ; round++) {
          assert.ok(page.items.length <= 3);
          seen.push(...page.items);
          if (!page.more) break;
          rounds++;
          // Writes between pages: none of them may show up in this snapshot.
          await s.create(k(`/r/k${round}a`), enc('new'));
          const last = (await s.get(k(keys[9])))!;
          await s.update(k(keys[9]), enc(`v${round + 2}`), last.modRevision);
          if (round === 0) await s.delete(k(keys[5]));
          page = await s.list(k('/r/'), { revision, limit: 3, startAfter: page.items[page.items.length - 1].key });
          assert.equal(page.revision, revision);
        }
        assert.deepEqual(seen.map((i) => [i.key, dec(i.value), i.modRevision]), expected.items.map((i) => [i.key, dec(i.value), i.modRevision]));
        assert.equal(rounds, 3);
        assert.equal(await s.count(k('/r/')), 10 + rounds - 1);
      });

      it('reports more exactly when keys remain past the limit', async () => {
        for (const key of ['a', 'b', 'c']) await s.create(k(`/r/${key}`), enc(key));
        assert.equal((await s.list(k('/r/'), { limit: 2 })).more, true);
        assert.equal((await s.list(k('/r/'), { limit: 3 })).more, false);
        assert.equal((await s.list(k('/r/'), { limit: 1, startAfter: k('/r/b') })).more, false);
        assert.deepEqual((await s.list(k('/r/'), { limit: 1, startAfter: k('/r/a') })).items.map((i) => i.key), [k('/r/b')]);
        assert.deepEqual((await s.list(k('/r/'), { startAfter: k('/r/c') })).items, []);
        // A startAfter before the prefix must not widen the range.
        assert.deepEqual((await s.list(k('/r/'), { startAfter: k('/') })).items.map((i) => i.key), [k('/r/a'), k('/r/b'), k('/r/c')]);
      });
    });

    describe('watch', () => {
      /** create a, update a, create b, delete a: returns each write's revision. */
      async function history(prefix: string): Promise<number[]> {
        const a = await s.create(`${prefix}a`, enc('a1'));
        const a2 = await s.update(`${prefix}a`, enc('a2'), a.modRevision);
        const b = await s.create(`${prefix}b`, enc('b1'));
        const d = await s.delete(`${prefix}a`);
        return [a.modRevision, a2.modRevision, b.modRevision, d.modRevision];
      }

      it('replays from revision 0, then delivers live writes, with prevKv', async () => {
        const revs = await history(k('/w/'));
        const w = watch(k('/w/'), 0);
        await w.waitForCount(4);
        const b2 = await s.update(k('/w/b'), enc('b2'), revs[2]);
        const events = await w.waitForCount(5);
        assert.deepEqual(summary(events, root), [
          ['create', '/w/a', 'a1', undefined],
          ['update', '/w/a', 'a2', 'a1'],
          ['create', '/w/b', 'b1', undefined],
          ['delete', '/w/a', 'a2', 'a2'],
          ['update', '/w/b', 'b2', 'b1'],
        ]);
        assert.deepEqual(events.map((e) => e.kv.modRevision), [...revs, b2.modRevision]);
        assert.equal(events[1].prevKv!.modRevision, revs[0]);
        assert.equal(events[3].prevKv!.modRevision, revs[1]);
        assert.equal(events[3].kv.createRevision, revs[0]);
        assert.equal(events[4].kv.createRevision, revs[2]);
        await settle(50);
        assert.equal(w.events.length, 5, 'no duplicates');
      });

      it('starts strictly after a middle revision', async () => {
        const revs = await history(k('/w/'));
        const w = watch(k('/w/'), revs[1]);
        const events = await w.waitForCount(2);
        assert.deepEqual(summary(events, root), [
          ['create', '/w/b', 'b1', undefined],
          ['delete', '/w/a', 'a2', 'a2'],
        ]);
        assert.deepEqual(events.map((e) => e.kv.modRevision), revs.slice(2));
      });

      it('from now delivers only new writes', async () => {
        await history(k('/w/'));
        const w = watch(k('/w/'), await s.currentRevision());
        await settle(50);
        assert.equal(w.events.length, 0);
        const c = await s.create(k('/w/c'), enc('c1'));
        const events = await w.waitForCount(1);
        assert.deepEqual(summary(events, root), [['create', '/w/c', 'c1', undefined]]);
        assert.equal(events[0].kv.modRevision, c.modRevision);
      });

      it('from a future revision skips the writes up to it', async () => {
        const now = await s.currentRevision();
        const w = watch(k('/w/'), now + 2);
        await s.create(k('/w/a'), enc('1'));
        const second = await s.create(k('/w/b'), enc('2'));
        assert.equal(second.modRevision, now + 2, 'no other writer on this store');
        await s.create(k('/w/c'), enc('3'));
        await w.waitForCount(1);
        await settle(50);
        assert.deepEqual(w.events.map((e) => e.kv.key), [k('/w/c')]);
      });

      it('filters by prefix', async () => {
        const w = watch(k('/registry/pods/'), await s.currentRevision());
        await s.create(k('/registry/podsx/a'), enc('x'));
        await s.create(k('/registry/pod'), enc('x'));
        await s.create(k('/registry/pods/a'), enc('p'));
        await s.create(k('/registry/a'), enc('x'));
        await s.create(k('/registry/pods/b'), enc('p'));
        const events = await w.waitForCount(2);
        await settle(50);
        assert.deepEqual(w.events.map((e) => e.kv.key), [k('/registry/pods/a'), k('/registry/pods/b')]);
        assert.deepEqual(events.map((e) => e.type), ['create', 'create']);
      });

      it('keeps order with no gaps or duplicates while writes race the replay', async () => {
        // More history than one replay page, and writes landing while the replay runs.
        const start = await s.currentRevision();
        const before = await Promise.all(Array.from({ length: 600 }, (_, i) => s.create(k(`/w/k${i}`), enc(`${i}`))));
        const w = watch(k('/w/'), start);
        const during = await Promise.all(Array.from({ length: 100 }, (_, i) => s.update(k(`/w/k${i}`), enc(`${i}+`), before[i].modRevision)));
        const writes = [...before, ...during].map((kv) => kv.modRevision).sort((a, b) => a - b);
        const events = await w.waitForCount(writes.length, 10_000);
        await settle(50);
        assert.deepEqual(w.events.map((e) => e.kv.modRevision), writes);
        for (const batch of w.batches) assert.ok(batch.length > 0, 'no empty batches');
        const updates = events.filter((e) => e.type === 'update');
        assert.equal(updates.length, 100);
        for (const e of updates) assert.equal(`${dec(e.prevKv?.value)}+`, dec(e.kv.value));
      });

      it('stops delivering after close', async () => {
        const w = watch(k('/w/'), await s.currentRevision());
        await s.create(k('/w/a'), enc('1'));
        await w.waitForCount(1);
        w.close();
        await s.create(k('/w/b'), enc('2'));
        await settle(100);
        assert.equal(w.events.length, 1);
        assert.equal(w.error, undefined);
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of many concurrent creates of a key win', async () => {
        const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => s.create(k('/c/x'), enc(`${i}`))));
        const won = results.filter((r) => r.status === 'fulfilled');
        assert.equal(won.length, 1);
        for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof KeyExistsError, String(r.reason));
        const winner = (won[0] as PromiseFulfilledResult<KeyValue>).value;
        assert.equal(dec((await s.get(k('/c/x')))!.value), dec(winner.value));
      });

      it('loses no update when writers retry on conflict (8 writers x 50 increments)', async () => {
        const writers = 8;
        const increments = 50;
        const start = await s.create(k('/c/counter'), enc('0'));
        const w = watch(k('/c/'), start.modRevision);
        let acknowledged = 0;
        let conflicts = 0;
        const writer = async (): Promise<void> => {
          for (let i = 0; i < increments; ) {
            const cur = (await s.get(k('/c/counter')))!;
            try {
              await s.update(k('/c/counter'), enc(String(Number(dec(cur.value)) + 1)), cur.modRevision);
              acknowledged++;
              i++;
            } catch (err) {
              if (!(err instanceof ConflictError)) throw err;
              conflicts++;
            }
          }
        };
        await Promise.all(Array.from({ length: writers }, writer));
        assert.equal(acknowledged, writers * increments);
        assert.equal(dec((await s.get(k('/c/counter')))!.value), String(writers * increments));
        // The event stream is the same serial history: each update builds on the one before.
        const events = await w.waitForCount(acknowledged);
        events.forEach((e, i) => {
          assert.equal(dec(e.prevKv?.value), String(i));
          assert.equal(dec(e.kv.value), String(i + 1));
        });
        assert.ok(conflicts > 0, 'the writers really raced');
      });
    });

    describe('compaction (last: it discards history on shared servers)', () => {
      it('rejects reads and watches before the compacted revision and keeps current values', async () => {
        const a1 = await s.create(k('/x/a'), enc('a1'));
        const a2 = await s.update(k('/x/a'), enc('a2'), a1.modRevision);
        await s.create(k('/x/b'), enc('b1'));
        const bDeleted = await s.delete(k('/x/b'));
        const a3 = await s.update(k('/x/a'), enc('a3'), a2.modRevision);
        const before = await s.list(k('/x/'));
        const compactAt = a3.modRevision;
        const c1 = await s.create(k('/x/c'), enc('c1'));
        const current = await s.currentRevision();

        await s.compact(compactAt);
        assert.equal(await s.compactedRevision(), compactAt);
        assert.equal(await s.currentRevision(), current);

        const compacted = await s.get(k('/x/a'), bDeleted.modRevision).catch((e: unknown) => e);
        assert.ok(compacted instanceof CompactedError, `expected CompactedError, got ${String(compacted)}`);
        assert.equal(compacted.requested, bDeleted.modRevision);
        assert.equal(compacted.compacted, compactAt);
        await assert.rejects(s.list(k('/x/'), { revision: a1.modRevision }), CompactedError);
        await assert.rejects(s.list(k('/x/'), { revision: compactAt - 1, limit: 1 }), CompactedError);

        assert.deepEqual((await s.list(k('/x/'), { revision: compactAt })).items.map((i) => [i.key, dec(i.value)]), before.items.map((i) => [i.key, dec(i.value)]));
        assert.equal(dec((await s.get(k('/x/a'), compactAt))!.value), 'a3');
        assert.equal(dec((await s.get(k('/x/a')))!.value), 'a3');
        assert.equal(await s.get(k('/x/b')), undefined);
        assert.deepEqual((await s.list(k('/x/'))).items.map((i) => [i.key.slice(root.length), dec(i.value), i.createRevision, i.modRevision]), [
          ['/x/a', 'a3', a1.createRevision, a3.modRevision],
          ['/x/c', 'c1', c1.createRevision, c1.modRevision],
        ]);
        assert.equal(await s.count(k('/x/')), 2);

        const tooOld = watch(k('/x/'), a1.modRevision);
        const err = await tooOld.waitForError();
        assert.ok(err instanceof CompactedError, `expected CompactedError, got ${String(err)}`);
        assert.equal(tooOld.events.length, 0);

        const fromCompacted = watch(k('/x/'), compactAt);
        await fromCompacted.waitForCount(1);
        const a4 = await s.update(k('/x/a'), enc('a4'), a3.modRevision);
        const events = await fromCompacted.waitForCount(2);
        assert.deepEqual(summary(events, root), [
          ['create', '/x/c', 'c1', undefined],
          ['update', '/x/a', 'a4', 'a3'],
        ]);
        assert.ok(a4.modRevision > current);

        await s.compact(compactAt - 1); // older than already compacted: a no-op
        assert.equal(await s.compactedRevision(), compactAt);
      });

      it('keeps revisions monotonic when the newest write was compacted away', async () => {
        await s.create(k('/y/a'), enc('a'));
        const del = await s.delete(k('/y/a'));
        await s.compact(del.modRevision);
        assert.equal(await s.currentRevision(), del.modRevision);
        assert.equal(await s.get(k('/y/a')), undefined);
        const again = await s.create(k('/y/a'), enc('again'));
        assert.ok(again.modRevision > del.modRevision);
        assert.equal(await s.count(k('/y/')), 1);
      });

      it('keeps every current value through repeated compaction', async () => {
        const kvs = await Promise.all(Array.from({ length: 20 }, (_, i) => s.create(k(`/z/k${i}`), enc('0'))));
        for (let round = 1; round <= 3; round++) {
          for (let i = 0; i < kvs.length; i++) kvs[i] = await s.update(k(`/z/k${i}`), enc(String(round)), kvs[i].modRevision);
          await s.compact(await s.currentRevision());
        }
        const listed = await s.list(k('/z/'));
        assert.equal(listed.items.length, 20);
        for (const item of listed.items) assert.equal(dec(item.value), '3');
        assert.deepEqual(
          listed.items.map((i) => i.modRevision).sort((a, b) => a - b),
          kvs.map((kv) => kv.modRevision).sort((a, b) => a - b),
        );
      });
    });
  });
}
