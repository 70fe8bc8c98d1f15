// A queue whose items can be added after a delay (client-go's DelayingInterface). Waiting items
// sit in a min-heap served by one timer; adding an item that already waits keeps the earlier
// deadline.
import { realClock, type Clock, type Timer } from '../util/clock';
import { Queue } from './queue';

export interface DelayingQueueOptions {
  clock?: Clock;
}

interface Waiting<T> {
  readyAt: number;
  seq: number;
  item: T;
}

export class DelayingQueue<T = string> extends Queue<T> {
  private readonly clock: Clock;
  /** Heap ordered by (readyAt, seq); entries superseded by an earlier deadline stay as stale. */
  private heap: Waiting<T>[] = [];
  /** The live deadline of each waiting item. */
  private readonly deadlines = new Map<T, number>();
  private seq = 0;
  private timer: Timer | undefined;
  private timerAt = Infinity;

  constructor(opts: DelayingQueueOptions = {}) {
    super();
    this.clock = opts.clock ?? realClock;
  }

  /** Adds `item` once `ms` have passed (at once if `ms` <= 0). */
  addAfter(item: T, ms: number): void {
    if (this.shuttingDown()) return;
    if (ms <= 0) {
      this.add(item);
      return;
    }
    const readyAt = this.clock.now() + ms;
    const existing = this.deadlines.get(item);
    if (existing !== undefined && existing <= readyAt) return;
    this.deadlines.set(item, readyAt);
    this.push({ readyAt, seq: this.seq++, item });
    this.arm();
  }

  /** Number of items waiting for their delay to pass. */
  waitingLen(): number {
    return this.deadlines.size;
  }

  override shutDown(): void {
    super.shutDown();
    this.timer?.cancel();
    this.timer = undefined;
    this.heap = [];
    this.deadlines.clear();
  }

  private arm(): void {
    const top = this.heap[0];
    if (!top) return;
    if (this.timer && this.timerAt <= top.readyAt) return;
    this.timer?.cancel();
    this.timerAt = top.readyAt;
    this.timer = this.clock.setTimer(() => this.fire(), top.readyAt - this.clock.now());
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.now();
    while (this.heap.length > 0 && this.heap[0].readyAt <= now) {
      const w = this.pop();
      if (this.deadlines.get(w.item) !== w.readyAt) continue;
      this.deadlines.delete(w.item);
      this.add(w.item);
    }
    // Also re-arms when a timer fired slightly early.
    this.arm();
  }

  private less(a: Waiting<T>, b: Waiting<T>): boolean {
    return a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);
  }

  private push(w: Waiting<T>): void {
    const h = this.heap;
    h.push(w);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private pop(): Waiting<T> {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
