// Consistency checkers for the storage and watch paths, reusable against any apiserver and store
// (issue 18's failure tests; the properties Kubernetes' storage tests and Jepsen-style checks hold
// an apiserver to):
// - lostUpdateChecker: N writers each doing read-modify-write on one ConfigMap (get, increment the
//   counter `n`, update with the resourceVersion read: the optimistic concurrency of every
//   Kubernetes controller), retrying only on Conflict, for a number of writes each or for a
//   duration (each writer goes on until the time is up). Each writer also counts its own landed
//   writes under its own key, so a write whose answer was lost (Unavailable, a connection cut while
//   an etcd member dies) is decided by the next read instead of being guessed: it landed if the
//   writer's key moved. The stored `n` must equal the acknowledged writes plus the unacknowledged ones that
//   landed (so it lies in [acknowledged, acknowledged + unknown]), and no writer's key may go back.
// - watchIntegrityChecker: two writers patch ConfigMaps of a namespace, recording every
//   acknowledged resourceVersion; M watchers start during the writes from random resourceVersions
//   between the first write and the latest one (re-watching from their last event after a
//   disconnect, as an informer does). Each watcher's events must be exactly the writes after its
//   start: strictly increasing resourceVersions, no duplicate, no gap, every acknowledged write at
//   its acknowledged resourceVersion, an unacknowledged write only if it landed (then at the same
//   resourceVersion for every watcher that saw it). A watch that ends with Expired is asked again
//   from the same resourceVersion: served, its events are checked the same way; refused for about
//   a second, the watcher fails. With `onExpired: 'relist'` the watcher lists instead, as an
//   informer does: the list must be exactly the state the writes left at its resourceVersion, and
//   the watch from it is checked like the first (so a too-old resume may end loudly with Expired,
//   never skip silently). `compaction` compacts the store on a timer while the writes go on. With
//   `expire`, a watch from a resourceVersion the store compacted away must fail with Expired (gRPC
//   OUT_OF_RANGE, HTTP 410), never be served with a silent skip.
// Both take a `midway` hook, run once half the writes are acknowledged while the writes go on (e.g.
// kill an etcd member and start it again), and return their figures for the test's output.
import { strict as assert } from 'node:assert';
import { isAlreadyExists, isConflict, isExpired } from '../../lib/api/errors';
import type { WatchEvent } from '../../lib/api/kind-info';
import type { Clientset } from '../../lib/client/clientset';
import { ConfigMap, Namespace } from '../../lib/gen/kite/core/v1/types';
import { waitFor } from './wait';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pause after an error other than Conflict (the store may be electing a leader). */
const ERROR_BACKOFF_MS = 50;

/** Expired answers to re-watches from the same resourceVersion before a watcher gives up (about 1 s). */
const MAX_EXPIRED_IN_A_ROW = 20;

export interface LostUpdateOptions {
  /** Writer w uses clients[w % clients.length]. */
  clients: Clientset[];
  writers: number;
  /** Each writer stops once this many of its writes are stored (give this or durationMs). */
  writesPerWriter?: number;
  /** Each writer goes on writing until this long after the start (give this or writesPerWriter). */
  durationMs?: number;
  /** The ConfigMap to write; it and its namespace are created (n=0) if missing. */
  object: { name: string; namespace: string };
  /**
   * Runs once half the writes are acknowledged (with durationMs: half the time has passed); the
   * writes go on meanwhile. `acknowledged()` reads the count so far.
   */
  midway?: (acknowledged: () => number) => Promise<void>;
  /** Gives up (failing) after this long (default 45 s, plus durationMs). */
  timeoutMs?: number;
}

export interface LostUpdateResult {
  acknowledged: number;
  /** Updates refused with Conflict and retried on a fresh read. */
  conflicts: number;
  /** Updates that failed otherwise: their outcome was unknown until the next read. */
  unknown: number;
  /** Of the unknown ones, those the next read showed had landed. */
  unknownLanded: number;
  /** The stored counter at the end. */
  final: number;
  /** The longest time without an acknowledged write, from the start to the last one (ms). */
  maxAckGapMs: number;
}

/** N read-modify-write writers on one counter; asserts no acknowledged update was lost. */
export async function lostUpdateChecker(opts: LostUpdateOptions): Promise<LostUpdateResult> {
  assert.ok((opts.writesPerWriter === undefined) !== (opts.durationMs === undefined), 'lost-update checker: give writesPerWriter or durationMs');
  const { name, namespace } = opts.object;
  const deadline = Date.now() + (opts.timeoutMs ?? 45_000) + (opts.durationMs ?? 0);
  const keyOf = (w: number) => `writer-${w}`;
  await createIfMissing(() => opts.clients[0].namespaces.create(Namespace.fromPartial({ metadata: { name: namespace } })));
  await createIfMissing(() => opts.clients[0].configMaps.create(ConfigMap.fromPartial({ metadata: { name, namespace }, data: { n: '0' } })));
  const result: LostUpdateResult = { acknowledged: 0, conflicts: 0, unknown: 0, unknownLanded: 0, final: 0, maxAckGapMs: 0 };
  const started = Date.now();
  const endsAt = started + (opts.durationMs ?? 0);
  const planned = opts.durationMs === undefined ? `of ${opts.writers * opts.writesPerWriter!} ` : '';
  const midway = startMidway(
    opts.midway && (() => opts.midway!(() => result.acknowledged)),
    opts.durationMs === undefined ? () => result.acknowledged >= (opts.writers * opts.writesPerWriter!) / 2 : () => Date.now() >= started + opts.durationMs! / 2,
    deadline - Date.now(),
  );
  let lastAck = started;
  // This writer's writes known to be stored, per writer.
  const landed = Array.from({ length: opts.writers }, () => 0);
  const finished = (w: number) => (opts.durationMs === undefined ? landed[w] >= opts.writesPerWriter! : Date.now() >= endsAt);

  /** Reads the object, retrying errors (a store without a leader answers Unavailable). */
  const read = async (client: Clientset): Promise<ConfigMap> => {
    for (;;) {
      assert.ok(Date.now() < deadline, `lost-update checker: gave up with ${result.acknowledged} ${planned}writes acknowledged`);
      try {
        return await client.configMaps.get(name, namespace);
      } catch {
        await sleep(ERROR_BACKOFF_MS);
      }
    }
  };

  /** Takes in what the object shows of writer w's writes; more than it knew of are updates whose answer was lost but which landed. */
  const account = (w: number, cm: ConfigMap): void => {
    const stored = Number(cm.data[keyOf(w)] ?? 0);
    assert.ok(stored >= landed[w], `writer ${w}: ${landed[w]} of its writes were stored, now the object shows ${stored} (a lost update)`);
    result.unknownLanded += stored - landed[w];
    landed[w] = stored;
  };

  const writer = async (w: number): Promise<void> => {
    const client = opts.clients[w % opts.clients.length];
    for (;;) {
      const cm = await read(client);
      account(w, cm);
      if (finished(w)) return;
      const next = { ...cm, data: { ...cm.data, n: String(Number(cm.data.n) + 1), [keyOf(w)]: String(landed[w] + 1) } };
      try {
        await client.configMaps.update(next);
        const now = Date.now();
        result.maxAckGapMs = Math.max(result.maxAckGapMs, now - lastAck);
        lastAck = now;
        result.acknowledged++;
        landed[w]++;
      } catch (err) {
        if (isConflict(err)) {
          result.conflicts++;
        } else {
          result.unknown++;
          await sleep(ERROR_BACKOFF_MS);
        }
      }
    }
  };

  await Promise.all(Array.from({ length: opts.writers }, (_, w) => writer(w)));
  await midway.done();
  const cm = await read(opts.clients[0]);
  // A write whose answer was lost may have landed after its writer's last read.
  for (let w = 0; w < opts.writers; w++) account(w, cm);
  result.final = Number(cm.data.n);
  if (opts.writesPerWriter !== undefined) assert.deepEqual(landed, landed.map(() => opts.writesPerWriter), 'every writer stored all of its writes');
  assert.equal(result.final, result.acknowledged + result.unknownLanded, `the counter is ${result.final}: ${result.acknowledged} acknowledged and ${result.unknownLanded} unacknowledged writes landed`);
  assert.ok(result.final >= result.acknowledged && result.final <= result.acknowledged + result.unknown, `the counter ${result.final} is outside [${result.acknowledged}, ${result.acknowledged + result.unknown}]`);
  return result;
}

export interface WatchIntegrityOptions {
  /** Writer w and watcher j use clients[w % n] and clients[j % n]. */
  clients: Clientset[];
  /** The namespace of the writes (created if missing); its other ConfigMaps are ignored. */
  namespace: string;
  /** ConfigMaps the writes go round (default 4). */
  objects?: number;
  /** Patches in all, by two writers. */
  writes: number;
  watchers: number;
  midway?: () => Promise<void>;
  /**
   * What a watcher does after a watch ends with Expired: 'rewatch' (the default) asks again from
   * the same resourceVersion; 'relist' lists the namespace and watches from the list's
   * resourceVersion, as an informer does (what a store compacted under the watchers needs).
   */
  onExpired?: 'rewatch' | 'relist';
  /** Runs `compact` every `everyMs` while the writes go on (e.g. compacting the store to its current revision). */
  compaction?: { everyMs: number; compact: () => Promise<void> };
  /**
   * Compacts the store past `resourceVersion` and returns a client of an apiserver that can no
   * longer serve a watch from it (one started after the compaction: its watch cache begins there).
   */
  expire?: (resourceVersion: string) => Promise<Clientset>;
  timeoutMs?: number;
}

export interface WatchIntegrityResult {
  acknowledged: number;
  unknown: number;
  watchers: number;
  /** Events checked, over all watchers. */
  events: number;
  /** Watches started again from the last event after a disconnect or an Expired. */
  rewatches: number;
  /** Of those, the ones after an Expired (the apiserver told the watcher to relist). */
  expiredRewatches: number;
  /** Lists after an Expired (onExpired 'relist'), each checked against the writes. */
  relists: number;
  /** Compactions done while the writes went on. */
  compactions: number;
  /** The longest time without an acknowledged write, from the start to the last one (ms). */
  maxAckGapMs: number;
  /** True when the watch from a compacted resourceVersion failed with Expired. */
  expired: boolean;
}

interface Seen {
  type: string;
  rv: number;
  token: string;
}

/** What one watch of a watcher saw: from its start, or from a list after an Expired. */
interface Segment {
  /** The resourceVersion the watch began after. */
  start: number;
  /** What the list showed of the checked objects, by name (absent for the watcher's first watch). */
  listed?: Map<string, { rv: number; token: string }>;
  events: Seen[];
}

/** Watchers from random resourceVersions during a series of writes; asserts ordered, unique, gap-free events. */
export async function watchIntegrityChecker(opts: WatchIntegrityOptions): Promise<WatchIntegrityResult> {
  const { clients, namespace } = opts;
  const timeoutMs = opts.timeoutMs ?? 45_000;
  const names = Array.from({ length: opts.objects ?? 4 }, (_, i) => `cm-${i}`);
  await createIfMissing(() => clients[0].namespaces.create(Namespace.fromPartial({ metadata: { name: namespace } })));
  const createdRV = new Map<string, number>();
  for (const name of names) {
    const cm = await clients[0].configMaps.create(ConfigMap.fromPartial({ metadata: { name, namespace }, data: { token: 'created' } }));
    createdRV.set(name, Number(cm.metadata!.resourceVersion));
  }

  const acked = new Map<string, number>(); // token -> resourceVersion
  const unknown = new Set<string>();
  const written = new Map<string, string>(); // token -> the name it was written to
  let firstRV = 0;
  let lastRV = 0;
  const midway = startMidway(opts.midway, () => acked.size >= opts.writes / 2);
  const compaction = startCompaction(opts.compaction);

  let lastAck = Date.now();
  let maxAckGapMs = 0;
  /** Set when the writers gave up: nothing was acknowledged for timeoutMs. */
  let stalled: string | undefined;
  const writer = async (w: number, count: number): Promise<void> => {
    const client = clients[w % clients.length];
    for (let i = 0; i < count && !stalled; i++) {
      if (Date.now() - lastAck > timeoutMs) {
        stalled = `watch-integrity checker: no write acknowledged for ${timeoutMs} ms (${acked.size} of ${opts.writes} acknowledged, ${unknown.size} failed)`;
        return;
      }
      const token = `w${w}-${i}`;
      const name = names[(i * 2 + w) % names.length];
      written.set(token, name);
      try {
        const out = await client.configMaps.patch(name, { data: { token } }, { namespace });
        const rv = Number(out.metadata!.resourceVersion);
        maxAckGapMs = Math.max(maxAckGapMs, Date.now() - lastAck);
        lastAck = Date.now();
        acked.set(token, rv);
        if (!firstRV || rv < firstRV) firstRV = rv;
        lastRV = Math.max(lastRV, rv);
      } catch {
        // The answer is lost, not necessarily the write: the watchers tell whether it landed.
        unknown.add(token);
        await sleep(ERROR_BACKOFF_MS);
      }
    }
  };

  const watchers: ReturnType<typeof watchFrom>[] = [];
  const watchFrom = (j: number, start: number) => {
    const client = clients[j % clients.length];
    const segments: Segment[] = [{ start, events: [] }];
    const errors: string[] = [];
    let rv = start;
    let rewatches = 0;
    let expiredRewatches = 0;
    let expiredInARow = 0;
    let relists = 0;
    let mustList = false;
    let stopping = false;
    let current: AbortController | undefined;
    const done = (async () => {
      while (!stopping) {
        const ac = new AbortController();
        current = ac;
        try {
          if (mustList) {
            const list = await client.configMaps.list({ namespace });
            rv = Number(list.metadata!.resourceVersion);
            const listed = list.items.filter((cm) => names.includes(cm.metadata!.name));
            segments.push({ start: rv, listed: new Map(listed.map((cm) => [cm.metadata!.name, { rv: Number(cm.metadata!.resourceVersion), token: cm.data.token }])), events: [] });
            relists++;
            mustList = false;
          }
          const segment = segments[segments.length - 1];
          const stream = client.configMaps.watch({ namespace, resourceVersion: String(rv) }, ac.signal) as AsyncGenerator<WatchEvent<ConfigMap>>;
          for await (const ev of stream) {
            if (ev.type === 'BOOKMARK') continue;
            const md = ev.object!.metadata!;
            rv = Number(md.resourceVersion);
            expiredInARow = 0;
            if (!names.includes(md.name)) continue;
            segment.events.push({ type: ev.type, rv, token: ev.object!.data.token });
          }
        } catch (err) {
          if (isExpired(err)) {
            // Loud, not silent: the apiserver cannot serve from rv now (its watch cache was
            // reinitialised after the store's watch broke, or rv is compacted). Re-watched from rv,
            // it must either serve every event after rv (checked below like any other) or keep
            // refusing: then the watcher cannot be checked further and fails. Relisting, the list
            // is checked against the writes and the watch from it like the first.
            expiredRewatches++;
            if (++expiredInARow > MAX_EXPIRED_IN_A_ROW) {
              errors.push(`watch from ${rv} expired ${expiredInARow} times in a row: ${(err as Error).message}`);
              return;
            }
            mustList = opts.onExpired === 'relist';
          }
        } finally {
          ac.abort();
        }
        if (!stopping) {
          rewatches++;
          await sleep(ERROR_BACKOFF_MS);
        }
      }
    })();
    return {
      start,
      segments,
      errors,
      position: () => rv,
      rewatches: () => rewatches,
      expiredRewatches: () => expiredRewatches,
      relists: () => relists,
      stop: async () => {
        stopping = true;
        current?.abort();
        await done;
      },
    };
  };

  try {
    const perWriter = Math.ceil(opts.writes / 2);
    const writing = Promise.all([writer(0, perWriter), writer(1, opts.writes - perWriter)]);
    // Watcher j starts once (j+1)/(M+1) of the writes are acknowledged, from a random resourceVersion
    // between the first write's and the latest acknowledged one.
    for (let j = 0; j < opts.watchers; j++) {
      const target = Math.floor(((j + 1) * opts.writes) / (opts.watchers + 1));
      await waitFor(`${target} acknowledged writes`, () => stalled !== undefined || (acked.size + unknown.size >= target && firstRV > 0), timeoutMs, 5);
      assert.equal(stalled, undefined);
      watchers.push(watchFrom(j, firstRV + Math.floor(Math.random() * (lastRV - firstRV + 1))));
    }
    await writing;
    assert.equal(stalled, undefined);
    await midway.done();
    const compactions = await compaction.stop();

    // The stored state; every watcher must reach the last write.
    const list = await waitFor('a list of the namespace', () => clients[0].configMaps.list({ namespace }).catch(() => undefined), timeoutMs, ERROR_BACKOFF_MS);
    const stored = list.items.filter((cm) => names.includes(cm.metadata!.name));
    const finalRV = Math.max(...stored.map((cm) => Number(cm.metadata!.resourceVersion)));
    const behind = () => watchers.filter((w) => w.errors.length === 0 && w.position() < finalRV);
    await waitFor(`every watcher to reach resourceVersion ${finalRV}`, () => behind().length === 0, timeoutMs, 20).catch((err: Error) => {
      const states = behind().map((w) => `from ${w.start}: at ${w.position()}, ${w.rewatches()} re-watches, ${w.expiredRewatches()} after Expired, ${w.relists()} relists`);
      throw new Error(`${err.message}; ${states.length} behind: ${states.join('; ')}`);
    });
    for (const [j, w] of watchers.entries()) assert.deepEqual(w.errors, [], `watcher ${j} (from ${w.start})`);
    await Promise.all(watchers.map((w) => w.stop()));

    // The writes that happened: the acknowledged ones, and unacknowledged ones a watcher or a list saw land.
    const truth = new Map<number, string>([...acked].map(([token, rv]) => [rv, token]));
    assert.equal(truth.size, acked.size, 'two acknowledged writes share a resourceVersion');
    const landed = (who: string, token: string, rv: number) => {
      if (acked.has(token)) return;
      assert.ok(unknown.has(token), `${who}: ${token} at ${rv} was never written`);
      const other = truth.get(rv);
      assert.ok(other === undefined || other === token, `${who}: ${token} at ${rv}, another watcher saw ${other} there`);
      truth.set(rv, token);
    };
    for (const [j, w] of watchers.entries()) {
      for (const segment of w.segments) {
        for (const e of segment.events) landed(`watcher ${j}`, e.token, e.rv);
        for (const l of segment.listed?.values() ?? []) if (l.token !== 'created') landed(`watcher ${j}'s list at ${segment.start}`, l.token, l.rv);
      }
    }
    for (const cm of stored) {
      const rv = Number(cm.metadata!.resourceVersion);
      if (cm.data.token !== 'created') assert.equal(truth.get(rv), cm.data.token, `${cm.metadata!.name}: stored ${cm.data.token} at ${rv} is not a write the checker knows`);
    }
    const history = [...truth].sort((a, b) => a[0] - b[0]);
    /** Each object's last write at or before `at`. */
    const stateAt = (at: number) => {
      const state = new Map(names.map((name) => [name, { rv: createdRV.get(name)!, token: 'created' }]));
      for (const [rv, token] of history) if (rv <= at) state.set(written.get(token)!, { rv, token });
      return state;
    };
    let events = 0;
    for (const [j, w] of watchers.entries()) {
      let last = 0;
      for (const [k, segment] of w.segments.entries()) {
        const who = k === 0 ? `watcher ${j} (from ${segment.start})` : `watcher ${j} (relisted at ${segment.start})`;
        if (segment.listed) {
          assert.ok(segment.start >= last, `${who}: listed at ${segment.start} after an event at ${last}`);
          assert.deepEqual(segment.listed, stateAt(segment.start), `${who}: the list is not the state the writes left at its resourceVersion`);
        }
        for (const e of segment.events) {
          assert.ok(e.rv > last, `${who}: resourceVersion ${last} then ${e.rv}`);
          last = e.rv;
        }
        assert.ok(segment.events.every((e) => e.type === 'MODIFIED'), `${who}: ${segment.events.map((e) => e.type).join(',')}`);
        // Up to the stored state: an unacknowledged write may still land after it, seen by some
        // watchers only. A watch that ended with Expired is checked up to its last event.
        const lastEvent = segment.events[segment.events.length - 1];
        const end = k === w.segments.length - 1 ? finalRV : Math.min(finalRV, lastEvent?.rv ?? segment.start);
        const got = segment.events.filter((e) => e.rv <= finalRV).map((e) => `${e.rv}:${e.token}`);
        const want = history.filter(([rv]) => rv > segment.start && rv <= end).map(([rv, token]) => `${rv}:${token}`);
        assert.deepEqual(got, want, `${who} did not see exactly the writes after its start`);
        events += segment.events.length;
      }
    }

    let expired = false;
    if (opts.expire) {
      const client = await opts.expire(String(firstRV));
      const ac = new AbortController();
      try {
        const stream = client.configMaps.watch({ namespace, resourceVersion: String(firstRV) }, ac.signal) as AsyncGenerator<WatchEvent<ConfigMap>>;
        const first = await stream.next();
        assert.fail(`a watch from the compacted resourceVersion ${firstRV} was served: ${JSON.stringify(first.value?.type)} at ${first.value?.object?.metadata?.resourceVersion}`);
      } catch (err) {
        if (!isExpired(err)) throw err;
        expired = true;
      } finally {
        ac.abort();
      }
    }
    return {
      acknowledged: acked.size,
      unknown: unknown.size,
      watchers: watchers.length,
      events,
      rewatches: watchers.reduce((sum, w) => sum + w.rewatches(), 0),
      expiredRewatches: watchers.reduce((sum, w) => sum + w.expiredRewatches(), 0),
      relists: watchers.reduce((sum, w) => sum + w.relists(), 0),
      compactions,
      maxAckGapMs,
      expired,
    };
  } finally {
    await compaction.stop();
    await Promise.all(watchers.map((w) => w.stop()));
  }
}

async function createIfMissing(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** Runs `hook` once `due()` holds (polled), without holding up the writes. */
function startMidway(hook: (() => Promise<void>) | undefined, due: () => boolean, timeoutMs = 60_000): { done(): Promise<void> } {
  if (!hook) return { done: async () => {} };
  const run = waitFor('half the writes', () => due() || undefined, timeoutMs, 5).then(() => hook());
  // Reported by done(); kept from becoming an unhandled rejection before then.
  run.catch(() => undefined);
  return { done: () => run };
}

/** Runs `compact` every `everyMs` until stop(), which answers how many compactions succeeded. */
function startCompaction(c: WatchIntegrityOptions['compaction']): { stop(): Promise<number> } {
  if (!c) return { stop: async () => 0 };
  let stopping = false;
  let count = 0;
  const loop = (async () => {
    for (;;) {
      await sleep(c.everyMs);
      if (stopping) return;
      try {
        await c.compact();
        count++;
      } catch {
        // The store or the apiserver may be down for a moment (a restart); the next round tries again.
      }
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await loop;
      return count;
    },
  };
}
