// The worker loop every controller runs (sample-controller's runWorker/processNextWorkItem).
import { logger as newLogger, type Logger } from '../log';
import type { RateLimitingQueue } from './rate-limiting-queue';

/** What a reconcile may ask for besides success: to be looked at again after a while. */
export interface ReconcileResult {
  /** Re-queue the key after this many ms (its error backoff is reset). */
  requeueAfter?: number;
}

/** Brings the object named by `key` to its desired state; throwing means "retry with backoff". */
export type Reconcile<T = string> = (key: T) => Promise<ReconcileResult | void>;

export interface RunWorkersOptions {
  /** Aborting shuts the queue down; workers finish their current item and exit. */
  signal: AbortSignal;
  logger?: Logger;
}

type WorkerQueue<T> = Pick<
  RateLimitingQueue<T>,
  'get' | 'done' | 'forget' | 'addRateLimited' | 'addAfter' | 'numRequeues' | 'shutDown'
>;

/**
 * Runs `n` workers taking keys from `queue` and reconciling them: on success the key's backoff
 * is forgotten, on error it is re-added rate-limited and the error logged, and it is always
 * marked done. Resolves once the signal aborted and every worker has finished its item.
 */
export async function runWorkers<T = string>(
  queue: WorkerQueue<T>,
  n: number,
  reconcile: Reconcile<T>,
  opts: RunWorkersOptions,
): Promise<void> {
  const log = opts.logger ?? newLogger('workqueue');
  const { signal } = opts;
  const stop = () => queue.shutDown();
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });

  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        // Items still queued at shutdown are not worth starting: the caller is stopping.
        if (signal.aborted) return;
        const result = await reconcile(key);
        queue.forget(key);
        if (result && result.requeueAfter !== undefined && result.requeueAfter > 0) queue.addAfter(key, result.requeueAfter);
      } catch (err) {
        log.error({ key, err, requeues: queue.numRequeues(key) }, 'reconcile failed; requeued with backoff');
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: n }, worker));
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
