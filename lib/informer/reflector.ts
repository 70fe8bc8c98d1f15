// The reflector keeps a store in step with the API (client-go's cache.Reflector): list, replace
// the store, then watch from the list's resourceVersion. A stream that ends or breaks is resumed
// from the last resourceVersion seen (objects and bookmarks); only when that is too old
// (ExpiredError / OUT_OF_RANGE) does it list again. Other failures back off with jitter.
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeList, KubeObject, WatchEvent } from '../api/kinds';
import { isExpired } from '../api/errors';
import { logger as newLogger, type Logger } from '../log';
import { Backoff, type BackoffOptions } from './backoff';
import type { ListerWatcher } from './lister-watcher';

/** Where a reflector writes what it lists and watches. */
export interface ReflectorStore<T> {
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
  /** The complete state at `resourceVersion` (after a list). */
  replace(items: T[], resourceVersion: string): void;
}

export interface ReflectorOptions {
  /** Names the reflector in logs ("pods"). */
  name?: string;
  /** List in pages of this many objects; default: one unpaginated list. */
  pageSize?: number;
  /** Retry delays after failures; default 800 ms .. 30 s, factor 2, jitter 1. */
  backoff?: BackoffOptions;
  /** Watches ask the server to end after a random time in [min, 2*min) s; default 300. */
  minWatchTimeoutSeconds?: number;
  logger?: Logger;
}

/** A watch that ends this fast without any event counts as a failure (avoids a hot loop). */
const SHORT_WATCH_MS = 1000;
/** How long past its timeout a watch may stay open before it is cancelled locally. */
const WATCH_GRACE_SECONDS = 30;

export class Reflector<T extends KubeObject> {
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private readonly pageSize: number;
  private readonly minWatchTimeoutSeconds: number;
  private lastRV = '';

  constructor(
    private readonly lw: ListerWatcher<T>,
    private readonly store: ReflectorStore<T>,
    opts: ReflectorOptions = {},
  ) {
    this.log = (opts.logger ?? newLogger('reflector')).child({ reflector: opts.name ?? 'objects' });
    this.backoff = new Backoff(opts.backoff);
    this.pageSize = opts.pageSize ?? 0;
    this.minWatchTimeoutSeconds = opts.minWatchTimeoutSeconds ?? 300;
  }

  /** The resourceVersion the store is in step with ("" before the first list). */
  lastSyncResourceVersion(): string {
    return this.lastRV;
  }

  /** Lists and watches until `signal` aborts; never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    let needList = true;
    while (!signal.aborted) {
      let wait = 0;
      try {
        if (needList) {
          await this.listAndReplace(signal);
          needList = false;
        }
        if (!(await this.watch(signal))) wait = this.backoff.next();
      } catch (err) {
        if (signal.aborted) break;
        if (isExpired(err)) {
          // Normal after compaction: relist at once, unless relisting is not helping.
          this.log.info({ resourceVersion: this.lastRV }, 'resourceVersion too old; relisting');
          needList = true;
          const first = this.backoff.attempts() === 0;
          const d = this.backoff.next();
          wait = first ? 0 : d;
        } else {
          wait = this.backoff.next();
          this.log.warn({ err, resourceVersion: this.lastRV, retryInMs: Math.round(wait), relist: needList }, 'list/watch failed');
        }
      }
      if (wait > 0) await delay(wait, undefined, { signal }).catch(() => undefined);
    }
  }

  private async listAndReplace(signal: AbortSignal): Promise<void> {
    // The list cannot be cancelled, but stopping need not wait for it.
    const { items, resourceVersion } = await untilAborted(this.list(), signal);
    this.store.replace(items, resourceVersion);
    this.lastRV = resourceVersion;
    this.log.debug({ count: items.length, resourceVersion }, 'listed');
  }

  private async list(): Promise<{ items: T[]; resourceVersion: string }> {
    if (!this.pageSize) return listResult(await this.lw.list({}));
    const first = await this.lw.list({ limit: this.pageSize });
    const items = [...first.items];
    let cont = first.metadata?.continue ?? '';
    while (cont) {
      let page: KubeList<T>;
      try {
        page = await this.lw.list({ limit: this.pageSize, continue: cont });
      } catch (err) {
        if (!isExpired(err)) throw err;
        // The snapshot behind the continue token was compacted: fall back to one full list.
        this.log.info('continue token expired; listing without pages');
        return listResult(await this.lw.list({}));
      }
      items.push(...page.items);
      cont = page.metadata?.continue ?? '';
    }
    // Every page is consistent at the first page's resourceVersion.
    return { items, resourceVersion: first.metadata?.resourceVersion ?? '' };
  }

  /**
   * One watch from the last resourceVersion; resolves when the stream ends (true unless it was
   * a suspiciously short, empty one), throws when it fails.
   */
  private async watch(signal: AbortSignal): Promise<boolean> {
    // An abort listener added now would never fire, leaving the stream open forever.
    if (signal.aborted) return true;
    const timeoutSeconds = Math.floor(this.minWatchTimeoutSeconds * (1 + Math.random()));
    const ac = new AbortController();
    const cancel = () => ac.abort();
    signal.addEventListener('abort', cancel, { once: true });
    // Guards against a half-open connection the server can no longer end.
    const deadline = setTimeout(cancel, (timeoutSeconds + WATCH_GRACE_SECONDS) * 1000);
    deadline.unref();
    const started = Date.now();
    let events = 0;
    this.log.debug({ resourceVersion: this.lastRV, timeoutSeconds }, 'watching');
    try {
      const stream = this.lw.watch({ resourceVersion: this.lastRV, allowWatchBookmarks: true, timeoutSeconds }, ac.signal);
      for await (const ev of stream) {
        if (ac.signal.aborted) break;
        if (events++ === 0) this.backoff.reset();
        this.apply(ev);
      }
    } catch (err) {
      if (!ac.signal.aborted || signal.aborted) throw err;
    } finally {
      clearTimeout(deadline);
      signal.removeEventListener('abort', cancel);
      ac.abort();
    }
    if (events > 0 || signal.aborted) return true;
    if (Date.now() - started < SHORT_WATCH_MS) return false;
    this.backoff.reset();
    return true;
  }

  private apply(ev: WatchEvent<T>): void {
    const obj = ev.object;
    if (!obj) {
      this.log.warn({ type: ev.type }, 'watch event without an object; ignored');
      return;
    }
    switch (ev.type) {
      case 'ADDED':
        this.store.add(obj);
        break;
      case 'MODIFIED':
        this.store.update(obj);
        break;
      case 'DELETED':
        this.store.delete(obj);
        break;
      case 'BOOKMARK':
        break;
      default:
        this.log.warn({ type: ev.type }, 'unknown watch event type; ignored');
        return;
    }
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.lastRV = rv;
  }
}

function listResult<T>(list: KubeList<T>): { items: T[]; resourceVersion: string } {
  return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
}

function untilAborted<R>(p: Promise<R>, signal: AbortSignal): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
