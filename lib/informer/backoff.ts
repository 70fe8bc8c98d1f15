// Exponential backoff with jitter for reconnect loops (client-go's reflector backoff manager).

export interface BackoffOptions {
  /** First delay (ms); default 800. */
  initialMs?: number;
  /** Cap (ms); default 30 000. */
  maxMs?: number;
  /** Growth per failure; default 2. */
  factor?: number;
  /** Each delay is stretched by up to this fraction at random; default 1 (up to double). */
  jitter?: number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private failures = 0;

  constructor(opts: BackoffOptions = {}, private readonly random: () => number = Math.random) {
    this.initialMs = opts.initialMs ?? 800;
    this.maxMs = opts.maxMs ?? 30_000;
    this.factor = opts.factor ?? 2;
    this.jitter = opts.jitter ?? 1;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * this.factor ** this.failures++);
    return Math.min(this.maxMs, base * (1 + this.jitter * this.random()));
  }

  /** Failures since the last reset. */
  attempts(): number {
    return this.failures;
  }

  /** Call after progress: the next failure waits the initial delay again. */
  reset(): void {
    this.failures = 0;
  }
}
