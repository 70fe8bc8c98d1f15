// A storage backend held in the apiserver's memory only: the metrics API's objects live here
// (metrics-server keeps its NodeMetrics and PodMetrics in memory too, and they are rewritten every
// scrape, so persisting them would only wear the real store). It keeps the storage contract
// (interface.ts): global revisions, optimistic concurrency, reads at a past revision and watches
// from one, by keeping the event log since the last compaction; it compacts itself down to its
// newest `retainEvents` events, so its memory stays bounded. Everything is lost on restart, which
// is what these objects want: the next scrape writes them again.
import {
  CompactedError,
  ConflictError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  StorageError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Storage,
  type StoreEvent,
  type WatchCallbacks,
  type WatchHandle,
} from './interface';
import { prefixEnd } from './key-range';
import { WatchHub } from './watch-hub';

export interface MemoryStorageOptions {
  /** Events kept for reads at past revisions and resumed watches (default 10000). */
  retainEvents?: number;
}

const DEFAULT_RETAIN_EVENTS = 10_000;

export class MemoryStorage implements Storage {
  readonly name = 'memory';
  private readonly current = new Map<string, KeyValue>();
  /** Every write after `compacted`, in revision order. */
  private log: StoreEvent[] = [];
  private revision = 0;
  private compacted = 0;
  private closed = false;
  private readonly retain: number;
  private readonly hub: WatchHub;

  constructor(opts: MemoryStorageOptions = {}) {
    this.retain = opts.retainEvents ?? DEFAULT_RETAIN_EVENTS;
    this.hub = new WatchHub({
      replay: (start, end, after, until, limit) => this.replay(start, end, after, until, limit),
      currentRevision: () => this.revision,
      compactedRevision: () => this.compacted,
    });
  }

  async get(key: string, revision = 0): Promise<KeyValue | undefined> {
    this.checkRead(revision);
    if (!revision) return this.current.get(key);
    return this.snapshot(key, key + '\0', revision).get(key);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const revision = opts.revision || this.revision;
    this.checkRead(revision);
    const keys = [...this.snapshot(prefix, prefixEnd(prefix), revision).values()]
      .filter((kv) => opts.startAfter === undefined || kv.key > opts.startAfter)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const limit = opts.limit ?? 0;
    const items = limit > 0 ? keys.slice(0, limit) : keys;
    return { items, revision, more: items.length < keys.length };
  }

  async count(prefix: string): Promise<number> {
    return this.snapshot(prefix, prefixEnd(prefix), this.revision).size;
  }

  async create(key: string, value: Uint8Array): Promise<KeyValue> {
    this.checkOpen();
    if (this.current.has(key)) throw new KeyExistsError(key);
    const rev = this.revision + 1;
    const kv: KeyValue = { key, value, createRevision: rev, modRevision: rev };
    this.commit({ type: 'create', kv });
    return kv;
  }

  async update(key: string, value: Uint8Array, expectedRevision: number): Promise<KeyValue> {
    this.checkOpen();
    const prev = this.current.get(key);
    if (!prev) throw new KeyNotFoundError(key);
    if (prev.modRevision !== expectedRevision) throw new ConflictError(key, expectedRevision, prev.modRevision);
    const kv: KeyValue = { key, value, createRevision: prev.createRevision, modRevision: this.revision + 1 };
    this.commit({ type: 'update', kv, prevKv: prev });
    return kv;
  }

  async delete(key: string, expectedRevision = 0): Promise<KeyValue> {
    this.checkOpen();
    const prev = this.current.get(key);
    if (!prev) throw new KeyNotFoundError(key);
    if (expectedRevision && prev.modRevision !== expectedRevision) throw new ConflictError(key, expectedRevision, prev.modRevision);
    const kv: KeyValue = { ...prev, modRevision: this.revision + 1 };
    this.commit({ type: 'delete', kv, prevKv: prev });
    return kv;
  }

  watch(prefix: string, afterRevision: number, cb: WatchCallbacks): WatchHandle {
    return this.hub.watch(prefix, afterRevision, cb);
  }

  async currentRevision(): Promise<number> {
    return this.revision;
  }

  async check(): Promise<void> {
    if (this.closed) throw new StorageError('storage is closed');
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async compact(revision: number): Promise<void> {
    if (revision <= this.compacted) return;
    const upTo = Math.min(revision, this.revision);
    this.log = this.log.filter((e) => e.kv.modRevision > upTo);
    this.compacted = upTo;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.hub.failAll(new StorageError('storage closed'));
  }

  private commit(event: StoreEvent): void {
    this.revision = event.kv.modRevision;
    if (event.type === 'delete') this.current.delete(event.kv.key);
    else this.current.set(event.kv.key, event.kv);
    this.log.push(event);
    if (this.log.length > this.retain) {
      const dropped = this.log.splice(0, this.log.length - this.retain);
      this.compacted = dropped[dropped.length - 1].kv.modRevision;
    }
    this.hub.publish(event);
  }

  /** The live keys in [start, end) as of `revision`: the current ones with later writes undone. */
  private snapshot(start: string, end: string, revision: number): Map<string, KeyValue> {
    const inRange = (key: string) => key >= start && (end === '' || key < end);
    const out = new Map([...this.current].filter(([key]) => inRange(key)));
    for (let i = this.log.length - 1; i >= 0 && this.log[i].kv.modRevision > revision; i--) {
      const e = this.log[i];
      if (!inRange(e.kv.key)) continue;
      if (e.prevKv) out.set(e.kv.key, e.prevKv);
      else out.delete(e.kv.key);
    }
    return out;
  }

  private replay(start: string, end: string, after: number, until: number, limit: number): StoreEvent[] {
    const out: StoreEvent[] = [];
    for (const e of this.log) {
      const rev = e.kv.modRevision;
      if (rev <= after || rev > until) continue;
      if (e.kv.key < start || (end !== '' && e.kv.key >= end)) continue;
      out.push(e);
      if (out.length >= limit) break;
    }
    return out;
  }

  private checkRead(revision: number): void {
    this.checkOpen();
    if (revision > this.revision) throw new FutureRevisionError(revision, this.revision);
    if (revision && revision < this.compacted) throw new CompactedError(revision, this.compacted);
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError('storage closed');
  }
}
