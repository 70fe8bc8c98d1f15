// The work queue of client-go: a FIFO of keys with three guarantees controllers rely on.
//  - An item already waiting is not added twice (adds coalesce).
//  - An item re-added while a worker processes it waits until `done(item)`, so no two workers
//    ever hold the same item at once; it is then queued again, so the change is not lost.
//  - After `shutDown()` adds are ignored, waiting items are still handed out, then `get()`
//    resolves to `undefined`.

export class Queue<T = string> {
  /** Items waiting, in order; `head` skips taken ones so get() is O(1). */
  private items: T[] = [];
  private head = 0;
  /** Items that need processing: waiting in `items`, or re-added while processing. */
  private readonly dirty = new Set<T>();
  /** Items handed out by get() and not yet done(). */
  private readonly processing = new Set<T>();
  private readonly getters: ((item: T | undefined) => void)[] = [];
  private closed = false;

  /** Marks `item` as needing processing. */
  add(item: T): void {
    if (this.closed || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.enqueue(item);
  }

  /**
   * The next item to process, waiting for one if the queue is empty; `undefined` once the queue
   * is shut down and empty. The caller must call `done(item)` when finished with it.
   */
  get(): Promise<T | undefined> {
    if (this.len() > 0) return Promise.resolve(this.take(this.dequeue()));
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Ends processing of `item`; if it was added meanwhile it is queued again now. */
  done(item: T): void {
    this.processing.delete(item);
    if (this.dirty.has(item)) this.enqueue(item);
  }

  /** Number of items waiting (not counting those being processed). */
  len(): number {
    return this.items.length - this.head;
  }

  /** Ignores further adds and releases every waiting get() with `undefined`. */
  shutDown(): void {
    this.closed = true;
    for (const resolve of this.getters.splice(0)) resolve(undefined);
  }

  shuttingDown(): boolean {
    return this.closed;
  }

  private enqueue(item: T): void {
    const getter = this.getters.shift();
    if (getter) getter(this.take(item));
    else this.items.push(item);
  }

  private dequeue(): T {
    const item = this.items[this.head++];
    // Compact once the consumed prefix dominates, keeping memory proportional to the backlog.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  private take(item: T): T {
    this.dirty.delete(item);
    this.processing.add(item);
    return item;
  }
}
