// Per-item exponential backoff: base * 2^failures, capped.
import type { RateLimiter } from './rate-limiter';

export interface ExponentialOptions {
  /** Delay of the first retry (ms); default 5. */
  baseDelayMs?: number;
  /** Upper bound (ms); default 1000 s. */
  maxDelayMs?: number;
}

export class ItemExponentialRateLimiter<T = string> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(opts: ExponentialOptions = {}) {
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 1_000_000;
  }

  when(item: T): number {
    const n = this.failures.get(item) ?? 0;
    this.failures.set(item, n + 1);
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** n);
  }

  forget(item: T): void {
    this.failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}
