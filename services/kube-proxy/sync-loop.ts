// What the proxier and the route agent share: state fed by informer callbacks, applied by one
// coalescing SyncRunner, with the figures kube-proxy's healthz reports (syncs, last time,
// duration, error) and 'synced' / 'syncFailed' events for tests and metrics.
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { SyncRunner } from './sync-runner';

export interface SyncLoopOptions {
  /** Minimum time between two syncs (kube-proxy's --iptables-min-sync-period, default 1 s). */
  minSyncPeriodMs?: number;
  /** Full resync period (kube-proxy's --iptables-sync-period, default 30 s). */
  syncPeriodMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
}

export abstract class SyncLoop extends EventEmitter {
  protected readonly runner: SyncRunner;

  syncCount = 0;
  lastSyncTime: Date | undefined;
  lastSyncDurationMs: number | undefined;
  lastError: string | undefined;

  constructor(o: SyncLoopOptions) {
    super();
    this.runner = new SyncRunner((full) => this.timedSync(full), {
      minIntervalMs: o.minSyncPeriodMs ?? 1000,
      periodMs: o.syncPeriodMs ?? 30_000,
      retryMinMs: o.retryMinMs ?? 1000,
      retryMaxMs: o.retryMaxMs ?? 30_000,
    });
  }

  /** Starts syncing; call once the initial lists are in (informers synced). */
  start(): void {
    this.runner.start();
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  /** One sync; what it returns goes out with the 'synced' event, beside `full` and `durationMs`. */
  protected abstract syncOnce(full: boolean): Promise<object>;

  /** Logs a failed sync (and forgets what it may have half-applied); the runner retries it. */
  protected abstract syncFailed(err: Error): void;

  private async timedSync(full: boolean): Promise<void> {
    const start = performance.now();
    try {
      const result = await this.syncOnce(full);
      const durationMs = performance.now() - start;
      this.syncCount++;
      this.lastSyncTime = new Date();
      this.lastSyncDurationMs = durationMs;
      this.lastError = undefined;
      this.emit('synced', { full, ...result, durationMs });
    } catch (err) {
      this.lastError = (err as Error).message;
      this.syncFailed(err as Error);
      this.emit('syncFailed', err);
      throw err;
    }
  }
}
