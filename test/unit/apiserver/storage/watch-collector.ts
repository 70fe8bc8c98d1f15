// Records what a storage watch delivers, for tests to await and inspect.
import type { Storage, StoreEvent, WatchHandle } from '../../../../services/apiserver/storage/interface';

export class WatchCollector {
  readonly events: StoreEvent[] = [];
  readonly batches: StoreEvent[][] = [];
  error?: Error;
  private readonly handle: WatchHandle;
  private wake?: () => void;

  constructor(storage: Storage, prefix: string, afterRevision: number) {
    this.handle = storage.watch(prefix, afterRevision, {
      onEvents: (events) => {
        this.batches.push(events);
        this.events.push(...events);
        this.wake?.();
      },
      onError: (err) => {
        this.error = err;
        this.wake?.();
      },
    });
  }

  /** Waits until at least n events arrived; rejects on timeout or watch error. */
  async waitForCount(n: number, timeoutMs = 5000): Promise<StoreEvent[]> {
    await this.waitUntil(() => this.events.length >= n, `${n} events`, timeoutMs);
    return this.events;
  }

  async waitForError(timeoutMs = 5000): Promise<Error> {
    await this.waitUntil(() => this.error !== undefined, 'a watch error', timeoutMs, false);
    return this.error!;
  }

  close(): void {
    this.handle.close();
  }

  private async waitUntil(done: () => boolean, what: string, timeoutMs: number, failOnError = true): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (failOnError && this.error) throw new Error(`watch failed while waiting for ${what}: ${this.error.message}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.events.length} events`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}

/** Lets in-flight deliveries land (events for a watch are scheduled, not synchronous). */
export function settle(ms = 100): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
