// The watch cache of one kind (Kubernetes' cacher): one storage watch feeds the current state of
// every object plus a sliding window of recent events; every client watch is served from memory.
// A client resumes from any resourceVersion still inside the window; older ones get OUT_OF_RANGE
// and must relist. Each event is encoded once per variant, from the object's stored bytes (the
// resourceVersion put in, stored-encoding.ts), and the bytes are shared by watchers; watchers are
// indexed (watcher-index.ts) so an event reaches only those it can concern.
import { ExpiredError } from '../../../lib/api/errors';
import type { KindInfo, KubeObject } from '../../../lib/api/kinds';
import { logger } from '../../../lib/log';
import { CompactedError, TransformError, type KeyValue, type Storage, type StoreEvent, type WatchHandle } from '../storage/interface';
import { withoutRequestDeadline } from '../storage/request-deadline';
import { watchEventBytes, withResourceVersion } from '../registry/stored-encoding';
import { matches, type ObjectFilter } from './filter';
import { WatcherIndex } from './watcher-index';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** An event as stored in the window. */
export class CachedEvent<T extends KubeObject> {
  private readonly encodings = new Map<string, Buffer>();

  constructor(
    readonly type: EventType,
    readonly key: string,
    readonly rv: number,
    /** The object after the event (for DELETED: its last state, at the deletion's revision). */
    readonly object: T,
    /** The object before the event (absent for ADDED). */
    readonly prevObject: T | undefined,
    private readonly kind: KindInfo<T>,
    /** The stored bytes (no resourceVersion) of `object` and of `prevObject`. */
    private readonly objectBytes: Uint8Array,
    private readonly prevBytes?: Uint8Array,
  ) {}

  /** The wire bytes of a `<Kind>WatchEvent` of this type carrying `which` object (at this event's revision), made once. */
  encoded(type: EventType, which: 'object' | 'prev'): Buffer {
    const k = `${type}/${which}`;
    let b = this.encodings.get(k);
    if (!b) {
      const object = withResourceVersion(this.kind, which === 'object' ? this.objectBytes : this.prevBytes!, String(this.rv));
      const obj = which === 'object' ? this.object : withRV(this.prevObject!, this.rv);
      b = object ? watchEventBytes(type, object) : Buffer.from(this.kind.watchEvent.encode({ type, object: obj }).finish());
      this.encodings.set(k, b);
    }
    return b;
  }
}

function withRV<T extends KubeObject>(obj: T, rv: number): T {
  return { ...obj, metadata: { ...obj.metadata!, resourceVersion: String(rv) } };
}

export interface WatchSink {
  /** Sends one encoded watch event; returns false if the watcher can take no more (it is then closed). */
  send(bytes: Buffer): boolean;
  /** Ends the watch with an error (e.g. the cache was reset). */
  fail(err: Error): void;
}

interface Watcher<T extends KubeObject> {
  filter: ObjectFilter<T>;
  sink: WatchSink;
  /** Deliver only events after this revision. */
  afterRV: number;
}

/** How long start() waits for the store to stream the history the window is rebuilt from. */
const HISTORY_REPLAY_WAIT_MS = 10_000;

/** Each object by key, with its revision and stored bytes. */
type ObjectState<T> = Map<string, { obj: T; rv: number; bytes: Uint8Array }>;

/**
 * Rebuilding the window from the store's history after a (re)start: the events between `from`
 * and `until` (the revision the current state was listed at), replayed over the state at `from`.
 */
interface HistoryReplay<T extends KubeObject> {
  from: number;
  until: number;
  /** The replayed state; once complete, only keys created and deleted again before `until`. */
  state: ObjectState<T>;
  /** Replayed events not yet in the window. */
  events: CachedEvent<T>[];
  /** Keys whose replayed state differs from the listed current state. */
  mismatched: number;
  /** The replay has reached the current state: the window holds the history. */
  complete: boolean;
}

export interface WatchCacheOptions {
  /** Events kept for resuming watches. */
  capacity: number;
}

export class WatchCache<T extends KubeObject> {
  private readonly objects: ObjectState<T> = new Map();
  private readonly window: CachedEvent<T>[] = [];
  private windowStart = 0; // every event with rv > windowStart is in the window
  private head = 0; // index of the oldest event in `window` (a ring over a growing array)
  private revision = 0;
  private readonly watchers = new WatcherIndex<T, Watcher<T>>();
  private handle?: WatchHandle;
  private history?: HistoryReplay<T>;
  private historyReplayed?: () => void;
  private readyWaiters: { rv: number; resolve: () => void }[] = [];
  private readonly log;
  private stopped = false;
  /**
   * Stored history holds values no configured encryption key reads (written under a key removed
   * after rotation): starts do without the history replay, which only spares watchers a relist.
   */
  private historyUnreadable = false;

  constructor(
    readonly kind: KindInfo<T>,
    private readonly storage: Storage,
    private readonly prefix: string,
    private readonly decode: (kv: KeyValue) => T,
    private readonly opts: WatchCacheOptions,
  ) {
    this.log = logger('apiserver', { cache: kind.resource });
  }

  /**
   * Lists the current state from storage and starts following it. The window is refilled from
   * the store's history (as far as capacity and compaction allow), so a client of the previous
   * apiserver process resumes from its last resourceVersion instead of relisting.
   */
  async start(): Promise<void> {
    this.stopped = false;
    this.history = undefined;
    const rev = await this.load(0, this.objects);
    this.revision = rev;
    this.windowStart = rev;
    this.window.length = 0;
    this.head = 0;
    const from = Math.max(rev - this.opts.capacity, await this.storage.compactedRevision(), 1);
    if (from < rev && !this.historyUnreadable) {
      try {
        const state: ObjectState<T> = new Map();
        await this.load(from, state);
        this.history = { from, until: rev, state, events: [], mismatched: 0, complete: false };
        for (const key of new Set([...state.keys(), ...this.objects.keys()])) if (this.differs(key, state)) this.history.mismatched++;
        if (this.history.mismatched === 0) this.completeHistory();
      } catch (err) {
        if (err instanceof TransformError) this.historyUnreadable = true;
        else if (!(err instanceof CompactedError)) throw err;
        this.history = undefined;
      }
    }
    // Serve only once the window holds the replayed history (as Kubernetes' cacher waits until it
    // is ready): a watch from a resourceVersion of the previous process would otherwise be told
    // it is too old while the store is still streaming the events that make it valid.
    const replayed = this.history && !this.history.complete ? new Promise<void>((resolve) => (this.historyReplayed = resolve)) : undefined;
    this.handle = this.storage.watch(this.prefix, this.history?.from ?? rev, {
      onEvents: (events) => this.apply(events),
      onError: (err) => {
        if (err instanceof TransformError && this.history) this.historyUnreadable = true;
        this.restart(err);
      },
    });
    if (replayed) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), HISTORY_REPLAY_WAIT_MS)));
      if (await Promise.race([replayed.then(() => false), timedOut])) {
        this.log.warn({ from: this.history?.from, until: rev }, 'history replay still running; serving, watches from before the restart may have to relist');
      }
      clearTimeout(timer);
      this.historyReplayed = undefined;
    }
  }

  /** Reads every object at revision (0: current) into state; returns the revision read at. */
  private async load(revision: number, state: ObjectState<T>): Promise<number> {
    let startAfter: string | undefined;
    let rev = revision;
    state.clear();
    for (;;) {
      const page = await this.storage.list(this.prefix, { revision: rev, startAfter, limit: 5000 });
      rev = page.revision;
      for (const kv of page.items) state.set(kv.key, { obj: this.decode(kv), rv: kv.modRevision, bytes: kv.value });
      if (!page.more) return rev;
      startAfter = page.items[page.items.length - 1].key;
    }
  }

  private differs(key: string, state: ObjectState<T>): boolean {
    return (state.get(key)?.rv ?? 0) !== (this.objects.get(key)?.rv ?? 0);
  }

  /** The history replay has reached the listed state: its events become the window. */
  private completeHistory(): void {
    const h = this.history!;
    h.complete = true;
    // Keys that still differ cannot exist now; later replayed events only create and delete again.
    h.state.clear();
    this.windowStart = h.from;
    for (const ev of h.events) this.push(ev);
    h.events = [];
    this.historyReplayed?.();
  }

  /** One event at or before the listed revision: it rebuilds the window, never the current state. */
  private replayHistory(e: StoreEvent): void {
    const h = this.history!;
    const key = e.kv.key;
    const was = h.complete ? false : this.differs(key, h.state);
    const ev = this.toEvent(e, h.state);
    if (h.complete) {
      this.push(ev);
      this.fanOut(ev);
      return;
    }
    h.events.push(ev);
    h.mismatched += (this.differs(key, h.state) ? 1 : 0) - (was ? 1 : 0);
    if (h.mismatched === 0) this.completeHistory();
  }

  stop(): void {
    this.stopped = true;
    this.historyReplayed?.();
    this.handle?.close();
    for (const w of this.watchers) w.sink.fail(new Error('apiserver is shutting down'));
    this.watchers.clear();
  }

  /** The storage watch failed (e.g. etcd compacted past us): drop watchers, relist, carry on. */
  private restart(err: Error): void {
    if (this.stopped) return;
    this.log.warn({ err: err.message }, 'storage watch failed; reinitialising the watch cache');
    this.historyReplayed?.();
    for (const w of this.watchers) w.sink.fail(new ExpiredError(`watch cache for ${this.kind.resource} was reinitialised; relist and watch again`));
    this.watchers.clear();
    this.handle?.close();
    // Outside any request's deadline: the failure may reach us in the context of the request
    // whose storage call saw it, and an expired deadline would fail every relist at once.
    const retry = () =>
      withoutRequestDeadline(() => this.start()).catch((e: Error) => {
        this.log.error({ err: e.message }, 'watch cache relist failed; retrying');
        if (!this.stopped) setTimeout(retry, 1000).unref();
      });
    retry();
  }

  get resourceVersion(): number {
    return this.revision;
  }

  /** Number of live client watchers. */
  get watcherCount(): number {
    return this.watchers.size;
  }

  /** The cached event of a store event, applied to state (the current objects or a replay's). */
  private toEvent(e: StoreEvent, state: ObjectState<T>): CachedEvent<T> {
    const rv = e.kv.modRevision;
    const prev = state.get(e.kv.key);
    if (e.type === 'delete') {
      const last = prev ?? { obj: this.decode(e.prevKv ?? e.kv), bytes: (e.prevKv ?? e.kv).value };
      state.delete(e.kv.key);
      return new CachedEvent('DELETED', e.kv.key, rv, withRV(last.obj, rv), prev?.obj, this.kind, last.bytes, prev?.bytes);
    }
    const obj = this.decode(e.kv);
    state.set(e.kv.key, { obj, rv, bytes: e.kv.value });
    return new CachedEvent(prev ? 'MODIFIED' : 'ADDED', e.kv.key, rv, obj, prev?.obj, this.kind, e.kv.value, prev?.bytes);
  }

  private apply(events: StoreEvent[]): void {
    for (const e of events) {
      const rv = e.kv.modRevision;
      if (this.history) {
        if (rv <= this.history.until) {
          this.replayHistory(e);
          continue;
        }
        // Events come in revision order: the whole history has been replayed.
        if (!this.history.complete) this.completeHistory();
        this.history = undefined;
      }
      const ev = this.toEvent(e, this.objects);
      this.push(ev);
      this.revision = Math.max(this.revision, rv);
      this.fanOut(ev);
    }
    if (this.readyWaiters.length) {
      const ready = this.readyWaiters.filter((w) => w.rv <= this.revision);
      this.readyWaiters = this.readyWaiters.filter((w) => w.rv > this.revision);
      ready.forEach((w) => w.resolve());
    }
  }

  private push(ev: CachedEvent<T>): void {
    this.window.push(ev);
    if (this.window.length - this.head > this.opts.capacity) {
      this.windowStart = this.window[this.head].rv;
      this.head++;
      // Compact the array now and then instead of shifting on every event.
      if (this.head > this.opts.capacity) {
        this.window.splice(0, this.head);
        this.head = 0;
      }
    }
  }

  /** Sends an event to the watchers it can concern (the index leaves out the others). */
  private fanOut(ev: CachedEvent<T>): void {
    for (const w of this.watchers.candidates(ev.object, ev.prevObject)) this.deliver(w, ev);
  }

  private deliver(w: Watcher<T>, ev: CachedEvent<T>): void {
    if (ev.rv <= w.afterRV) return;
    const bytes = this.transform(w.filter, ev);
    if (bytes && !w.sink.send(bytes)) this.watchers.delete(w);
  }

  /** The event as this watcher sees it, or undefined if it is not of interest. */
  private transform(f: ObjectFilter<T>, ev: CachedEvent<T>): Buffer | undefined {
    const cur = matches(f, ev.object);
    switch (ev.type) {
      case 'ADDED':
        return cur ? ev.encoded('ADDED', 'object') : undefined;
      case 'DELETED':
        return matches(f, ev.prevObject ?? ev.object) ? ev.encoded('DELETED', 'object') : undefined;
      case 'MODIFIED': {
        const old = matches(f, ev.prevObject);
        if (cur && old) return ev.encoded('MODIFIED', 'object');
        if (cur) return ev.encoded('ADDED', 'object');
        if (old) return ev.encoded('DELETED', 'prev');
        return undefined;
      }
    }
  }

  /**
   * Starts a watch. fromRV undefined: an ADDED for every matching object first, then changes.
   * Otherwise: every change after fromRV. Throws ExpiredError if fromRV is older than the window.
   */
  watch(filter: ObjectFilter<T>, fromRV: number | undefined, sink: WatchSink): () => void {
    const w: Watcher<T> = { filter, sink, afterRV: fromRV ?? this.revision };
    if (fromRV === undefined) {
      for (const [key, { obj, rv, bytes: stored }] of this.objects) {
        if (!matches(filter, obj)) continue;
        const bytes = new CachedEvent('ADDED', key, rv, obj, undefined, this.kind, stored).encoded('ADDED', 'object');
        if (!sink.send(bytes)) return () => {};
      }
    } else {
      if (fromRV < this.windowStart) {
        throw new ExpiredError(`too old resource version: ${fromRV} (${this.windowStart}); relist and watch from the new resourceVersion`);
      }
      for (let i = this.head; i < this.window.length; i++) {
        const ev = this.window[i];
        if (ev.rv <= fromRV) continue;
        const bytes = this.transform(filter, ev);
        if (bytes && !sink.send(bytes)) return () => {};
      }
      // Not this.revision: history replayed after a restart may still be arriving.
      w.afterRV = Math.max(fromRV, this.head < this.window.length ? this.window[this.window.length - 1].rv : this.windowStart);
    }
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  /** Resolves once the cache has applied every write up to rv (for consistent reads from memory). */
  waitFor(rv: number, timeoutMs = 3000): Promise<void> {
    if (this.revision >= rv) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w.resolve !== done);
        reject(new Error(`watch cache for ${this.kind.resource} did not reach revision ${rv} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      this.readyWaiters.push({ rv, resolve: done });
    });
  }

  /** The current objects matching a filter, sorted by key, and the revision they are at. */
  list(filter: ObjectFilter<T>): { items: { key: string; obj: T }[]; rv: number } {
    const items: { key: string; obj: T }[] = [];
    for (const [key, { obj }] of this.objects) if (matches(filter, obj)) items.push({ key, obj });
    items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { items, rv: this.revision };
  }

  get(key: string): T | undefined {
    return this.objects.get(key)?.obj;
  }

  /** The stored value of a key as the cache holds it (it may be behind the store; its createRevision is not kept: 0). */
  storedValue(key: string): KeyValue | undefined {
    const o = this.objects.get(key);
    return o && { key, value: o.bytes, modRevision: o.rv, createRevision: 0 };
  }

  get size(): number {
    return this.objects.size;
  }
}
