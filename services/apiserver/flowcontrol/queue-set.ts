// One priority level's queues: fair queuing for server requests, as Kubernetes'
// fairqueuing/queueset. A request is shuffle-sharded onto the least busy queue of its flow's
// hand; a queue at its length limit refuses it. Whenever a seat is free the queue whose next
// request would finish first in virtual time is served, so every busy queue gets an equal share
// of the level's seats whatever its flow sends. Virtual time (R) advances with the real clock at
// the rate one queue is served (seats in use / busy queues); each dispatch charges its queue an
// estimated service time, corrected by the real one when the request finishes. Pure: time comes
// from the clock given, dispatching from calls.
import { dealHand } from './shuffle-sharding';

export interface Clock {
  /** Milliseconds. */
  now(): number;
}

export interface QueueSetConfig {
  /** Seats: requests executing at once. */
  concurrencyLimit: number;
  /** Absent: no queuing, a request that finds every seat taken is refused. */
  queues?: number;
  handSize?: number;
  queueLengthLimit?: number;
  /** Service time charged at dispatch (seconds), corrected at finish (Kubernetes' G). */
  estimatedServiceSeconds?: number;
}

export type RejectReason = 'queue-full' | 'concurrency-limit';

/** A request as the queue set sees it; `dispatch` runs when it gets its seat. */
export interface QueuedRequest {
  hash: bigint;
  dispatch(): void;
}

interface Queue {
  index: number;
  waiting: Entry[];
  executing: number;
  /** Virtual time at which this queue's next request may start. */
  nextDispatchR: number;
}

interface Entry {
  req: QueuedRequest;
  queue?: Queue;
  state: 'waiting' | 'executing' | 'done';
  startedAt: number;
}

/** What enqueue gives back: finish() when the request is done (or cancel() while it waits). */
export interface Ticket {
  readonly executing: boolean;
  finish(): void;
  /** Takes a waiting request out of its queue; false if it already has a seat. */
  cancel(): boolean;
}

export class QueueSet {
  private readonly queues: Queue[];
  private seatsInUse = 0;
  private waitingTotal = 0;
  private currentR = 0;
  private lastRealTime: number;
  private roundRobin = 0;
  private readonly G: number;

  constructor(
    private readonly cfg: QueueSetConfig,
    private readonly clock: Clock,
  ) {
    this.queues = Array.from({ length: cfg.queues ?? 0 }, (_, index) => ({ index, waiting: [], executing: 0, nextDispatchR: 0 }));
    this.lastRealTime = clock.now();
    this.G = cfg.estimatedServiceSeconds ?? 1;
  }

  get executing(): number {
    return this.seatsInUse;
  }

  get waiting(): number {
    return this.waitingTotal;
  }

  /** Admits, queues or refuses a request. A request that gets a seat at once is dispatched before this returns. */
  enqueue(req: QueuedRequest): Ticket | { rejected: RejectReason } {
    this.syncTime();
    if (this.queues.length === 0) {
      if (this.seatsInUse >= this.cfg.concurrencyLimit) return { rejected: 'concurrency-limit' };
      const e: Entry = { req, state: 'waiting', startedAt: 0 };
      this.start(e);
      return this.ticket(e);
    }
    const q = this.shortestInHand(req.hash);
    if (q.waiting.length >= (this.cfg.queueLengthLimit ?? 0)) return { rejected: 'queue-full' };
    if (q.waiting.length === 0 && q.executing === 0) q.nextDispatchR = this.currentR;
    const e: Entry = { req, queue: q, state: 'waiting', startedAt: 0 };
    q.waiting.push(e);
    this.waitingTotal++;
    this.dispatchAsMuchAsPossible();
    return this.ticket(e);
  }

  private ticket(e: Entry): Ticket {
    return {
      get executing() {
        return e.state === 'executing';
      },
      finish: () => this.finish(e),
      cancel: () => this.cancel(e),
    };
  }

  private shortestInHand(hash: bigint): Queue {
    const hand = dealHand(hash, this.queues.length, Math.min(this.cfg.handSize ?? 1, this.queues.length));
    let best = this.queues[hand[0]];
    for (const i of hand.slice(1)) {
      const q = this.queues[i];
      if (q.waiting.length + q.executing < best.waiting.length + best.executing) best = q;
    }
    return best;
  }

  private start(e: Entry): void {
    e.state = 'executing';
    e.startedAt = this.clock.now();
    this.seatsInUse++;
    if (e.queue) {
      e.queue.executing++;
      e.queue.nextDispatchR += this.G;
    }
    e.req.dispatch();
  }

  private finish(e: Entry): void {
    if (e.state === 'waiting') {
      this.cancel(e);
      return;
    }
    if (e.state !== 'executing') return;
    this.syncTime();
    e.state = 'done';
    this.seatsInUse--;
    if (e.queue) {
      e.queue.executing--;
      // Charge the queue what the request really took instead of the estimate.
      const seconds = (this.clock.now() - e.startedAt) / 1000;
      e.queue.nextDispatchR -= this.G - seconds;
    }
    this.dispatchAsMuchAsPossible();
  }

  private cancel(e: Entry): boolean {
    if (e.state !== 'waiting') return false;
    e.state = 'done';
    const q = e.queue!;
    q.waiting.splice(q.waiting.indexOf(e), 1);
    this.waitingTotal--;
    return true;
  }

  private dispatchAsMuchAsPossible(): void {
    while (this.seatsInUse < this.cfg.concurrencyLimit && this.waitingTotal > 0) {
      const q = this.nextQueue();
      const e = q.waiting.shift()!;
      this.waitingTotal--;
      this.start(e);
    }
  }

  /** The non-empty queue whose head would finish first in virtual time (ties: round robin). */
  private nextQueue(): Queue {
    let best: Queue | undefined;
    const n = this.queues.length;
    for (let k = 0; k < n; k++) {
      const q = this.queues[(this.roundRobin + k) % n];
      if (q.waiting.length > 0 && (!best || q.nextDispatchR < best.nextDispatchR)) best = q;
    }
    this.roundRobin = (best!.index + 1) % n;
    return best!;
  }

  /** Advances virtual time: each busy queue is served at (seats in use / busy queues) per second. */
  private syncTime(): void {
    const now = this.clock.now();
    const busy = this.queues.reduce((n, q) => n + (q.waiting.length > 0 || q.executing > 0 ? 1 : 0), 0);
    if (busy > 0) this.currentR += ((now - this.lastRealTime) / 1000) * (Math.min(this.seatsInUse, this.cfg.concurrencyLimit) / busy);
    this.lastRealTime = now;
  }
}
