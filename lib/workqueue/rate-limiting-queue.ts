// A delaying queue that retries failed items after a rate limiter's delay
// (client-go's RateLimitingInterface).
import { DelayingQueue, type DelayingQueueOptions } from './delaying-queue';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter';

export interface RateLimitingQueueOptions<T> extends DelayingQueueOptions {
  /** Default: defaultControllerRateLimiter() (5 ms .. 1000 s per item, 10 qps burst 100 overall). */
  rateLimiter?: RateLimiter<T>;
}

export class RateLimitingQueue<T = string> extends DelayingQueue<T> {
  private readonly rateLimiter: RateLimiter<T>;

  constructor(opts: RateLimitingQueueOptions<T> = {}) {
    super(opts);
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter<T>();
  }

  /** Adds `item` after the rate limiter's delay: call this when processing it failed. */
  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** Resets `item`'s backoff: call this when processing it succeeded. */
  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  /** How many times `item` has been retried since it was last forgotten. */
  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }
}
