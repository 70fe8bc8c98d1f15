// How long an item waits before its next retry (client-go's workqueue.RateLimiter).
import { BucketRateLimiter } from './bucket-rate-limiter';
import { ItemExponentialRateLimiter } from './exponential-rate-limiter';

export interface RateLimiter<T = string> {
  /** The delay (ms) before `item` may be retried; each call counts as one more retry. */
  when(item: T): number;
  /** Stops tracking `item` (after it succeeded): its next failure starts from the base delay. */
  forget(item: T): void;
  /** How many times `item` has been retried since it was last forgotten. */
  numRequeues(item: T): number;
}

/** Combines limiters: the longest delay wins, so each limiter's bound holds. */
export class MaxOfRateLimiter<T = string> implements RateLimiter<T> {
  private readonly limiters: RateLimiter<T>[];

  constructor(...limiters: RateLimiter<T>[]) {
    this.limiters = limiters;
  }

  when(item: T): number {
    // Every limiter must see the call (they count retries / spend tokens), so no short-circuit.
    return this.limiters.reduce((max, l) => Math.max(max, l.when(item)), 0);
  }

  forget(item: T): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: T): number {
    return this.limiters.reduce((max, l) => Math.max(max, l.numRequeues(item)), 0);
  }
}

/**
 * client-go's DefaultControllerRateLimiter: per-item exponential backoff (5 ms .. 1000 s)
 * bounded by an overall 10 qps / burst 100 token bucket.
 */
export function defaultControllerRateLimiter<T = string>(): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(new ItemExponentialRateLimiter<T>(), new BucketRateLimiter<T>());
}
