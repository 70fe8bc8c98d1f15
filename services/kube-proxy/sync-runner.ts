// Runs a sync function the way kube-proxy's bounded-frequency runner does: requests are
// coalesced (at most one sync per min interval, one at a time), a full sync runs at start
// and every period, and a failed sync is retried with exponential backoff.

export interface SyncRunnerOptions {
  /** Minimum time between the starts of two syncs; 0 syncs on the next tick after a change. */
  minIntervalMs: number;
  /** Time after a successful sync until the next full one; 0 for none. */
  periodMs: number;
  /** First retry delay after a failure, doubled per consecutive failure up to retryMaxMs. */
  retryMinMs: number;
  retryMaxMs: number;
}

/** Does one sync; `full` asks it to re-read the system's state instead of trusting its memory. */
export type SyncFunction = (full: boolean) => Promise<void>;

export class SyncRunner {
  private stopped = true;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pending = false;
  private pendingFull = false;
  private lastStart = -Infinity;
  private retryAt = 0;
  private failures = 0;
  private nextPeriodic = Infinity;
  /** The armed timer is for the periodic full sync (timers may fire a little before Date.now() says). */
  private timerPeriodic = false;

  constructor(
    private readonly sync: SyncFunction,
    private readonly options: SyncRunnerOptions,
  ) {}

  /** Starts with a full sync. */
  start(): void {
    this.stopped = false;
    this.requestFull();
  }

  /** Asks for a sync soon; many requests before it starts make one sync. */
  request(): void {
    this.pending = true;
    this.schedule();
  }

  /** Asks for a full sync soon. */
  requestFull(): void {
    this.pendingFull = true;
    this.request();
  }

  /** Stops scheduling and waits for a sync in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(): void {
    if (this.stopped || this.running) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    let due = this.pending ? Math.max(this.lastStart + this.options.minIntervalMs, this.retryAt) : Infinity;
    due = Math.min(due, this.nextPeriodic);
    if (due === Infinity) return;
    this.timerPeriodic = due === this.nextPeriodic;
    this.timer = setTimeout(() => this.runOnce(), Math.max(0, due - Date.now()));
  }

  private runOnce(): void {
    this.timer = undefined;
    const start = Date.now();
    const periodic = this.timerPeriodic || start >= this.nextPeriodic;
    const full = this.pendingFull || periodic;
    this.pending = false;
    this.pendingFull = false;
    this.lastStart = start;
    this.running = this.sync(full).then(
      () => {
        this.failures = 0;
        this.retryAt = 0;
        this.nextPeriodic = this.options.periodMs > 0 ? Date.now() + this.options.periodMs : Infinity;
      },
      () => {
        this.failures++;
        const backoff = Math.min(this.options.retryMinMs * 2 ** (this.failures - 1), this.options.retryMaxMs);
        this.retryAt = Date.now() + backoff;
        // What a failed sync left behind is unknown: the retry re-reads everything.
        this.pending = true;
        this.pendingFull = true;
      },
    ).finally(() => {
      this.running = undefined;
      this.schedule();
    });
  }
}
