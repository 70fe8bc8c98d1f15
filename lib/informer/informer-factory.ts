// Shares one informer per (kind, namespace, selectors) among all controllers of a process, so
// each kind is listed and watched once (client-go's SharedInformerFactory).
import { setMaxListeners } from 'node:events';
import type { KindInfo, KubeObject } from '../api/kinds';
import type { ListerWatcherFactory, ListWatchScope } from './lister-watcher';
import { SharedInformer, type SharedInformerOptions } from './shared-informer';

/** Options every informer of the factory gets (see SharedInformerOptions). */
export type InformerFactoryOptions = Pick<SharedInformerOptions<unknown>, 'resyncPeriodMs' | 'pageSize' | 'backoff' | 'minWatchTimeoutSeconds' | 'freeze' | 'logger'>;

export class InformerFactory {
  private readonly informers = new Map<string, SharedInformer<any>>();
  private readonly runs = new Map<string, Promise<void>>();
  private signal: AbortSignal | undefined;

  constructor(
    private readonly listerWatcherFor: ListerWatcherFactory,
    private readonly opts: InformerFactoryOptions = {},
  ) {}

  /**
   * The shared informer for `kind` in `scope`, made on first request. Requested after start(),
   * it starts at once.
   */
  forKind<T extends KubeObject>(kind: KindInfo<T>, scope: ListWatchScope = {}): SharedInformer<T> {
    const id = informerId(kind, scope);
    let informer = this.informers.get(id) as SharedInformer<T> | undefined;
    if (!informer) {
      const name = scope.namespace ? `${kind.resource}/${scope.namespace}` : kind.resource;
      informer = new SharedInformer<T>(this.listerWatcherFor(kind, scope), { ...this.opts, name });
      this.informers.set(id, informer);
      if (this.signal) this.startOne(id, informer, this.signal);
    }
    return informer;
  }

  /** Starts every informer requested so far (and any requested later) until `signal` aborts. */
  start(signal: AbortSignal): void {
    this.signal = signal;
    for (const [id, informer] of this.informers) this.startOne(id, informer, signal);
  }

  /** Resolves true once every started informer has synced, false if `signal` aborts first. */
  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    const started = [...this.runs.keys()].map((id) => this.informers.get(id)!);
    // One listener on the caller's signal, which the running informers already listen on (one
    // per informer each would pass Node's limit of 10 with six informers: MaxListenersExceededWarning).
    const ac = new AbortController();
    setMaxListeners(Math.max(10, started.length), ac.signal);
    const onAbort = () => ac.abort();
    if (signal?.aborted) ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const results = await Promise.all(started.map((i) => i.waitForSync(ac.signal)));
      return results.every(Boolean);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Resolves once every started informer has stopped (after the start signal aborted). */
  async stopped(): Promise<void> {
    await Promise.all(this.runs.values());
  }

  private startOne(id: string, informer: SharedInformer<any>, signal: AbortSignal): void {
    if (this.runs.has(id)) return;
    this.runs.set(id, informer.run(signal));
  }
}

function informerId(kind: KindInfo<any>, scope: ListWatchScope): string {
  return JSON.stringify([kind.apiVersion, kind.kind, scope.namespace ?? '', scope.labelSelector ?? '', scope.fieldSelector ?? '']);
}
