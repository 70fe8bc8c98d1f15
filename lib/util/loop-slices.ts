// Time slices of the event loop for work that would otherwise pile up in one turn. Node runs a
// process's JavaScript on one thread: when one socket read delivers sixteen requests, or one
// group commit acknowledges sixteen writes, every request's synchronous work (and every promise
// chain it sets off) runs before a timer fires or another socket is read, so each request's
// latency includes all the others' work. Work queued here runs in order, one task per
// setImmediate callback (Node drains the microtasks between two, so a task's promise chain ends
// before the next task starts), and only while the current slice is within its budget; the rest
// waits for the next turn, after timers and I/O had theirs. Kubernetes' apiserver, multi-threaded
// Go, needs no such thing: its goroutines are preempted.
import { logger } from '../log';

/**
 * Time a slice may run before the rest of the queue waits for the next turn, in ms. Each turn
 * costs its own poll and its own flush of the replies written in it: with 1 ms (about one write
 * per turn) the apiserver spent 1.43 ms of CPU per write against 1.22 with 5 ms in the same quiet
 * bench:api runs, and its pod-create rate in bench:scheduler fell by a quarter; 5 ms keeps the
 * event-loop delay's max within issue 16's 20 ms (14.9 / 16.1 ms with 16 clients).
 */
export const SLICE_BUDGET_MS = 5;

export class LoopSlices {
  private readonly tasks: Array<() => void> = [];
  private sliceStart = 0;
  /** A slice start is queued ahead of the next turn's tasks. */
  private startQueued = false;

  constructor(
    private readonly budgetMs = SLICE_BUDGET_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get pending(): number {
    return this.tasks.length;
  }

  /** Runs `fn` in a later setImmediate callback, after every task queued before it. */
  run(fn: () => void): void {
    this.tasks.push(fn);
    this.queueSlot();
  }

  /**
   * One callback per waiting task, preceded by a slice start for the turn they land in:
   * setImmediate callbacks queued during a turn's callbacks run in the next turn, in order.
   */
  private queueSlot(): void {
    if (!this.startQueued) {
      this.startQueued = true;
      setImmediate(this.startSlice);
    }
    setImmediate(this.slot);
  }

  private readonly startSlice = (): void => {
    this.startQueued = false;
    this.sliceStart = this.now();
  };

  private readonly slot = (): void => {
    if (this.now() - this.sliceStart >= this.budgetMs) {
      this.queueSlot();
      return;
    }
    const fn = this.tasks.shift()!;
    try {
      fn();
    } catch (err) {
      logger('loop-slices').error({ err }, 'a queued task failed');
    }
  };
}

/** The process's slices: one event loop, one queue, so the budget holds for all work queued here. */
export const loopSlices = new LoopSlices();
