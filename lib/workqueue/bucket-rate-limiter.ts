// An overall token bucket shared by all items: bounds the total retry rate, not any one item.
import { realClock, type Clock } from '../util/clock';
import type { RateLimiter } from './rate-limiter';

export interface BucketOptions {
  /** Tokens added per second; default 10. */
  qps?: number;
  /** Bucket size: how many retries may go at once; default 100. */
  burst?: number;
  clock?: Clock;
}

export class BucketRateLimiter<T = string> implements RateLimiter<T> {
  private readonly qps: number;
  private readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private last: number;

  constructor(opts: BucketOptions = {}) {
    this.qps = opts.qps ?? 10;
    this.burst = opts.burst ?? 100;
    this.clock = opts.clock ?? realClock;
    this.tokens = this.burst;
    this.last = this.clock.now();
  }

  /** Reserves a token; if the bucket is empty the delay is when that token will exist. */
  when(_item: T): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.qps;
  }

  forget(_item: T): void {}

  numRequeues(_item: T): number {
    return 0;
  }
}
