// An informer: a reflector filling an indexed cache, and event handlers told what changed
// (client-go's SharedIndexInformer, without its Go machinery: on Node's one thread, handlers
// are called synchronously as events arrive, so they should only enqueue keys).
import { objectKey, type KubeObject } from '../api/kinds';
import { logger as newLogger, type Logger } from '../log';
import { realClock, type Clock, type Timer } from '../util/clock';
import type { BackoffOptions } from './backoff';
import { Indexer, type Indexers } from './indexer';
import { Lister } from './lister';
import type { ListerWatcher } from './lister-watcher';
import { Reflector, type ReflectorStore } from './reflector';

/**
 * Callbacks for changes of the cached objects; each is optional. Objects are the cached ones:
 * read-only. A handler that throws is logged and does not affect the others.
 */
export interface EventHandler<T> {
  onAdd?(obj: T): void;
  /** Also called with (obj, obj) on each periodic resync. */
  onUpdate?(oldObj: T, newObj: T): void;
  /** `obj` is the final state, or the last state known if the deletion was missed while disconnected. */
  onDelete?(obj: T): void;
}

export interface EventHandlerRegistration {
  /** Stops calling the handler. */
  remove(): void;
}

export interface HandlerOptions {
  /** Re-deliver every cached object as onUpdate(obj, obj) this often (ms); 0: never. */
  resyncPeriodMs?: number;
}

export interface SharedInformerOptions<T> {
  /** Names the informer in logs ("pods"). */
  name?: string;
  indexers?: Indexers<T>;
  /** Default resync period of handlers (ms); default 0 (off). */
  resyncPeriodMs?: number;
  /** List in pages of this many objects; default: unpaginated. */
  pageSize?: number;
  backoff?: BackoffOptions;
  minWatchTimeoutSeconds?: number;
  /** Deep-freeze cached objects (see Indexer). */
  freeze?: boolean;
  logger?: Logger;
  /** Drives resync timers. */
  clock?: Clock;
}

interface Registration<T> {
  handler: EventHandler<T>;
  resyncPeriodMs: number;
  timer?: Timer;
}

export class SharedInformer<T extends KubeObject> {
  /** The cache; prefer lister() for reads. Objects in it are read-only. */
  readonly indexer: Indexer<T>;
  private readonly reflector: Reflector<T>;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly defaultResyncMs: number;
  private readonly registrations = new Set<Registration<T>>();
  private readonly syncWaiters = new Set<() => void>();
  private synced = false;
  private running = false;
  private started = false;

  constructor(lw: ListerWatcher<T>, opts: SharedInformerOptions<T> = {}) {
    const name = opts.name ?? 'objects';
    this.log = (opts.logger ?? newLogger('informer')).child({ informer: name });
    this.clock = opts.clock ?? realClock;
    this.defaultResyncMs = opts.resyncPeriodMs ?? 0;
    this.indexer = new Indexer<T>(opts.indexers, { freeze: opts.freeze });
    const store: ReflectorStore<T> = {
      add: (obj) => this.upsert(obj),
      update: (obj) => this.upsert(obj),
      delete: (obj) => this.remove(obj),
      replace: (items) => this.replace(items),
    };
    this.reflector = new Reflector(lw, store, {
      name,
      pageSize: opts.pageSize,
      backoff: opts.backoff,
      minWatchTimeoutSeconds: opts.minWatchTimeoutSeconds,
      logger: opts.logger,
    });
  }

  /**
   * Registers a handler. If objects are already cached it first gets an onAdd for each, before
   * this returns, so late handlers see the same world as early ones.
   */
  addEventHandler(handler: EventHandler<T>, opts: HandlerOptions = {}): EventHandlerRegistration {
    const reg: Registration<T> = { handler, resyncPeriodMs: opts.resyncPeriodMs ?? this.defaultResyncMs };
    this.registrations.add(reg);
    for (const obj of this.indexer.list()) this.call(reg, 'onAdd', (h) => h.onAdd?.(obj));
    if (this.running) this.scheduleResync(reg);
    return {
      remove: () => {
        reg.timer?.cancel();
        this.registrations.delete(reg);
      },
    };
  }

  /** Adds named indexes (see Indexer.addIndexers); existing objects are indexed at once. */
  addIndexers(indexers: Indexers<T>): void {
    this.indexer.addIndexers(indexers);
  }

  /** Lists, then watches, until `signal` aborts. An informer runs once. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error('informer already started');
    this.started = true;
    this.running = true;
    for (const reg of this.registrations) this.scheduleResync(reg);
    try {
      await this.reflector.run(signal);
    } finally {
      this.running = false;
      for (const reg of this.registrations) reg.timer?.cancel();
    }
  }

  /** True once the first list has been stored and handlers told about it. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, or false if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onSync = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      };
      const onAbort = () => {
        this.syncWaiters.delete(onSync);
        resolve(false);
      };
      this.syncWaiters.add(onSync);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The resourceVersion the cache is in step with. */
  lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion();
  }

  lister(): Lister<T> {
    return new Lister(this.indexer);
  }

  private upsert(obj: T): void {
    const old = this.indexer.get(objectKey(obj));
    this.indexer.add(obj);
    if (old) this.notify('onUpdate', (h) => h.onUpdate?.(old, obj));
    else this.notify('onAdd', (h) => h.onAdd?.(obj));
  }

  private remove(obj: T): void {
    this.indexer.delete(obj);
    this.notify('onDelete', (h) => h.onDelete?.(obj));
  }

  /** Stores a fresh list and tells handlers the difference from what was cached. */
  private replace(items: T[]): void {
    const old = new Map(this.indexer.keys().map((k) => [k, this.indexer.get(k)!] as const));
    this.indexer.replace(items);
    for (const obj of items) {
      const key = objectKey(obj);
      const prev = old.get(key);
      old.delete(key);
      if (prev && prev.metadata?.uid !== obj.metadata?.uid) {
        // Deleted and re-created under the same name while we were not watching.
        this.notify('onDelete', (h) => h.onDelete?.(prev));
        this.notify('onAdd', (h) => h.onAdd?.(obj));
      } else if (!prev) this.notify('onAdd', (h) => h.onAdd?.(obj));
      else if (prev.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.notify('onUpdate', (h) => h.onUpdate?.(prev, obj));
    }
    // Whatever is left was deleted while we were not watching.
    for (const prev of old.values()) this.notify('onDelete', (h) => h.onDelete?.(prev));
    if (!this.synced) {
      this.synced = true;
      this.log.debug({ count: items.length }, 'synced');
      for (const resolve of this.syncWaiters) resolve();
      this.syncWaiters.clear();
    }
  }

  private notify(what: string, fn: (h: EventHandler<T>) => void): void {
    // A snapshot: a handler may add or remove registrations while being called.
    for (const reg of [...this.registrations]) this.call(reg, what, fn);
  }

  private call(reg: Registration<T>, what: string, fn: (h: EventHandler<T>) => void): void {
    try {
      fn(reg.handler);
    } catch (err) {
      this.log.error({ err, handler: what }, 'event handler threw');
    }
  }

  private scheduleResync(reg: Registration<T>): void {
    if (reg.resyncPeriodMs <= 0) return;
    reg.timer = this.clock.setTimer(() => {
      if (!this.running || !this.registrations.has(reg)) return;
      if (this.synced) for (const obj of this.indexer.list()) this.call(reg, 'onUpdate', (h) => h.onUpdate?.(obj, obj));
      this.scheduleResync(reg);
    }, reg.resyncPeriodMs);
  }
}
