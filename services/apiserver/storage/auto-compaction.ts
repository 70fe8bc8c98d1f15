// Periodic compaction keeping the last N revisions, like etcd's --auto-compaction-mode=revision.
// Without it both backends keep every revision forever (kine's unbounded growth).
import type { Logger } from '../../../lib/log';
import type { Storage } from './interface';

export interface AutoCompactionOptions {
  /** How often to compact (ms). */
  intervalMs: number;
  /** Revisions kept readable/watchable behind the current one. */
  retainRevisions: number;
}

export const DEFAULT_AUTO_COMPACTION: AutoCompactionOptions = { intervalMs: 5 * 60_000, retainRevisions: 10_000 };

export interface AutoCompactor {
  /** Runs one compaction pass now (also what the timer does). */
  runOnce(): Promise<void>;
  stop(): void;
}

export function startAutoCompaction(
  storage: Pick<Storage, 'currentRevision' | 'compactedRevision' | 'compact'>,
  opts: AutoCompactionOptions,
  log: Logger,
): AutoCompactor {
  let running: Promise<void> | undefined;
  const runOnce = (): Promise<void> => {
    running ??= (async () => {
      try {
        const target = (await storage.currentRevision()) - opts.retainRevisions;
        if (target > (await storage.compactedRevision())) {
          const started = Date.now();
          await storage.compact(target);
          log.info({ revision: target, ms: Date.now() - started }, 'compacted storage');
        }
      } catch (err) {
        log.warn({ err }, 'automatic compaction failed');
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = setInterval(() => void runOnce(), opts.intervalMs);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
