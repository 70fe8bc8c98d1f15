// What every controller of the controller-manager shares: the API it writes through, the
// informers it reads from, its event recorder and clock, and how it is run.
import type { KindInfo, KubeObject } from '../../lib/api/kinds';
import type { ResourceClient } from '../../lib/client/resource-client';
import type { EventRecorder } from '../../lib/events';
import type { InformerFactory, SharedInformer } from '../../lib/informer';
import type { Logger } from '../../lib/log';
import type { Clock } from '../../lib/util/clock';
import { RateLimitingQueue, runWorkers, type ReconcileResult } from '../../lib/workqueue';

/** The verbs controllers use on one kind (the typed ResourceClient satisfies it). */
export type ResourceApi<T extends KubeObject> = Pick<
  ResourceClient<T>,
  'create' | 'get' | 'list' | 'listAll' | 'update' | 'updateStatus' | 'patch' | 'delete' | 'getScale' | 'updateScale'
>;

/** A client per kind; the Clientset satisfies it, and tests pass a fake recording calls. */
export interface ApiClient {
  resource<T extends KubeObject>(kind: KindInfo<T>): ResourceApi<T>;
}

export interface ControllerContext {
  client: ApiClient;
  /** Shared informers: each kind is listed and watched once for all controllers. */
  informers: InformerFactory;
  /** The event recorder for a controller, named as its events' source component. */
  recorder(component: string): EventRecorder;
  /** Wall-clock milliseconds since the epoch (compared with API timestamps). */
  now(): number;
  /** Drives work-queue delays; injectable for tests. */
  clock?: Clock;
  logger(component: string): Logger;
}

export interface Controller {
  readonly name: string;
  /** Waits for its informers to sync, then works until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
}

/** Resolves true once every informer has synced, false if `signal` aborts first. */
export async function waitForSync(informers: SharedInformer<any>[], signal: AbortSignal): Promise<boolean> {
  const results = await Promise.all(informers.map((i) => i.waitForSync(signal)));
  return results.every(Boolean);
}

/**
 * The shape of most controllers, as client-go's sample-controller has it: informers feed a
 * rate-limited queue of keys, and once they have synced, `opts.workers` workers run
 * `reconcile(key)` (each key by one worker at a time, failures retried with backoff).
 */
export abstract class QueueController<O extends { workers: number }> implements Controller {
  abstract readonly name: string;
  readonly queue: RateLimitingQueue;
  protected readonly opts: O;
  protected readonly log: Logger;

  constructor(
    protected readonly ctx: ControllerContext,
    /** Names the controller in logs ("deployment-controller"). */
    component: string,
    defaults: O,
    opts: Partial<O>,
  ) {
    this.opts = { ...defaults, ...opts };
    this.queue = new RateLimitingQueue({ clock: ctx.clock });
    this.log = ctx.logger(component);
  }

  /** The informers whose caches must be synced before the workers start. */
  protected abstract syncedInformers(): SharedInformer<any>[];

  /** Reconciles one key from the listers: level-triggered, idempotent. */
  abstract reconcile(key: string): Promise<ReconcileResult | void>;

  /** Runs once the informers have synced, before the first worker. */
  protected beforeWorkers(): void {}

  async run(signal: AbortSignal): Promise<void> {
    if (!(await waitForSync(this.syncedInformers(), signal))) return;
    this.beforeWorkers();
    await runWorkers(this.queue, this.opts.workers, (key) => this.reconcile(key), { signal, logger: this.log });
  }
}
