// The apiserver's wait for its store at start: kube-apiserver does not exit while etcd does not
// answer yet (a member of a new etcd cluster waits for its quorum, a stacked member may start
// after the apiserver beside it); it keeps dialling and starts serving once the store answers.
// Here the first read of the store's revision is retried with a capped backoff, logged each time.
import type { Logger } from 'pino';
import type { Storage } from './interface';

export interface WaitForStorageOptions {
  /** First pause between attempts (doubled up to maxDelayMs). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Resolves with the store's current revision once it answers. */
export async function waitForStorage(storage: Storage, log: Pick<Logger, 'warn'>, opts: WaitForStorageOptions = {}): Promise<number> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxDelayMs = opts.maxDelayMs ?? 5_000;
  let delayMs = opts.initialDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await storage.currentRevision();
    } catch (err) {
      log.warn({ err: (err as Error).message, attempt, retryInMs: delayMs }, `the ${storage.name} store does not answer yet; retrying`);
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
  }
}
