// kube-scheduler's PriorityQueue. Pending pods live in exactly one of:
//   activeQ         ready to schedule, highest priority first, then oldest first;
//   backoffQ        failed recently, waiting out a per-pod exponential backoff;
//   unschedulable   found no node; waiting for a cluster change that might help;
//   gated           refused by a PreEnqueue plugin (scheduling gates); waits for its own update.
// A cluster event (node added/changed, assigned pod deleted) moves an unschedulable pod to
// activeQ, or to backoffQ while its backoff lasts, when a plugin that rejected it says the event
// may help (queueing hints, framework/events.ts); a periodic flush moves pods that have waited
// longer than maxUnschedulableMs, so a missed event cannot strand a pod.
// A pod popped for scheduling is "in flight" until done(): updates are kept for its requeue,
// a delete cancels the requeue, and an event during its attempt sends it to backoffQ rather
// than unschedulable (the event might be what it was waiting for).
import { isDeepStrictEqual } from 'node:util';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../lib/log';
import type { Clock, Timer } from '../../../lib/util/clock';
import type { ClusterEvent } from '../framework/events';
import { PodInfo, podKey } from '../framework/pod-info';
import { Heap } from './heap';

const log = logger('scheduler', { part: 'queue' });

export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** When the pod last entered the queue; orders activeQ and starts its backoff. */
  timestamp: number;
  /** Breaks timestamp ties so that activeQ stays first in, first out. */
  seq: number;
  /** When the pod first entered the queue (for latency metrics). */
  readonly initialAttemptTimestamp: number;
  /** Scheduling attempts so far; the backoff doubles with each. */
  attempts: number;
  /** Plugins that rejected the pod in its last attempt. */
  unschedulablePlugins: Set<string>;
}

export type { ClusterEvent };

export interface SchedulingQueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Longest stay in the unschedulable pods before a retry without any event. */
  maxUnschedulableMs?: number;
  backoffFlushIntervalMs?: number;
  unschedulableFlushIntervalMs?: number;
  /** Whether `event` may help a pod that `rejectors` refused (queueing hints); always true when unset. */
  isPodWorthRequeuing?: (pod: Pod, rejectors: ReadonlySet<string>, event: ClusterEvent, oldObj: unknown, newObj: unknown) => boolean;
  /** The PreEnqueue plugins' verdict: false keeps the pod gated; always true when unset. */
  preEnqueue?: (pod: Pod) => boolean;
}

export interface PendingCounts {
  active: number;
  backoff: number;
  unschedulable: number;
  gated: number;
}

export class SchedulingQueue {
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;
  private readonly backoffFlushIntervalMs: number;
  private readonly unschedulableFlushIntervalMs: number;

  private readonly activeQ = new Heap<QueuedPodInfo>(
    (q) => q.podInfo.key,
    (a, b) => {
      const pa = a.podInfo.pod.spec?.priority ?? 0;
      const pb = b.podInfo.pod.spec?.priority ?? 0;
      return pa > pb || (pa === pb && (a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.seq < b.seq)));
    },
  );
  private readonly backoffQ = new Heap<QueuedPodInfo>(
    (q) => q.podInfo.key,
    (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
  );
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly gated = new Map<string, QueuedPodInfo>();
  private readonly isPodWorthRequeuing: NonNullable<SchedulingQueueOptions['isPodWorthRequeuing']>;
  private readonly preEnqueue: NonNullable<SchedulingQueueOptions['preEnqueue']>;
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  private waiters: ((q: QueuedPodInfo | undefined) => void)[] = [];

  private cycle = 0;
  private seq = 0;
  /** The scheduling cycle during which the last move request (cluster event) happened. */
  private moveRequestCycle = -1;
  private closed = false;
  private timers: Timer[] = [];

  constructor(
    private readonly clock: Clock,
    opts: SchedulingQueueOptions = {},
  ) {
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = opts.maxUnschedulableMs ?? 60_000;
    this.backoffFlushIntervalMs = opts.backoffFlushIntervalMs ?? 1000;
    this.unschedulableFlushIntervalMs = opts.unschedulableFlushIntervalMs ?? 30_000;
    this.isPodWorthRequeuing = opts.isPodWorthRequeuing ?? (() => true);
    this.preEnqueue = opts.preEnqueue ?? (() => true);
  }

  /** Starts the periodic flushes. */
  run(): void {
    const every = (ms: number, fn: () => void): void => {
      const tick = (): void => {
        if (this.closed) return;
        fn();
        this.timers.push(this.clock.setTimer(tick, ms));
      };
      this.timers.push(this.clock.setTimer(tick, ms));
    };
    every(this.backoffFlushIntervalMs, () => this.flushBackoffQCompleted());
    every(this.unschedulableFlushIntervalMs, () => this.flushUnschedulablePodsLeftover());
  }

  /** Stops the flushes and makes pending and future pop() calls return undefined. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) t.cancel();
    this.timers = [];
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** A new pending pod (or one seen again): straight to activeQ. */
  add(pod: Pod): void {
    const key = podKey(pod);
    const flying = this.inFlight.get(key);
    if (flying) {
      flying.podInfo = PodInfo.of(pod);
      return;
    }
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
    this.gated.delete(key);
    const existing = this.activeQ.get(key);
    if (existing) {
      existing.podInfo = PodInfo.of(pod);
      this.activeQ.push(existing);
      return;
    }
    const now = this.clock.now();
    const q: QueuedPodInfo = {
      podInfo: PodInfo.of(pod),
      timestamp: now,
      seq: this.seq++,
      initialAttemptTimestamp: now,
      attempts: 0,
      unschedulablePlugins: new Set(),
    };
    if (!this.preEnqueue(pod)) {
      this.gated.set(key, q);
      return;
    }
    this.activeQ.push(q);
    this.wake();
  }

  /**
   * A pending pod changed. An unschedulable pod is retried only if something other than its
   * status changed (the scheduler's own condition updates must not cause retries).
   */
  update(oldPod: Pod, newPod: Pod): void {
    const key = podKey(newPod);
    const flying = this.inFlight.get(key);
    if (flying) {
      flying.podInfo = PodInfo.of(newPod);
      return;
    }
    for (const heap of [this.activeQ, this.backoffQ]) {
      const q = heap.get(key);
      if (q) {
        q.podInfo = PodInfo.of(newPod);
        heap.push(q);
        return;
      }
    }
    const gated = this.gated.get(key);
    if (gated) {
      gated.podInfo = PodInfo.of(newPod);
      if (!this.preEnqueue(newPod)) return;
      this.gated.delete(key);
      gated.timestamp = this.clock.now();
      this.activeQ.push(gated);
      this.wake();
      return;
    }
    const q = this.unschedulable.get(key);
    if (!q) {
      this.add(newPod);
      return;
    }
    q.podInfo = PodInfo.of(newPod);
    if (isPodUpdated(oldPod, newPod)) {
      this.unschedulable.delete(key);
      this.requeue(q);
      this.wake();
    }
  }

  delete(pod: Pod): void {
    const key = podKey(pod);
    this.inFlight.delete(key);
    this.activeQ.delete(key);
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
    this.gated.delete(key);
  }

  /** The next pod to schedule; waits while activeQ is empty; undefined once closed. */
  pop(): Promise<QueuedPodInfo | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    if (this.activeQ.size > 0) return Promise.resolve(this.popNow());
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The cycle number of the most recent pop. */
  schedulingCycle(): number {
    return this.cycle;
  }

  /** The attempt for the pod with `key` is over (bound, or requeued). */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /** The latest version of an in-flight pod, or undefined if it was deleted meanwhile. */
  inFlightPod(key: string): QueuedPodInfo | undefined {
    return this.inFlight.get(key);
  }

  /**
   * Requeues an in-flight pod whose attempt in `podCycle` failed: to backoffQ after an error or
   * when a cluster event happened during the attempt, otherwise to the unschedulable pods.
   * Does nothing if the pod was deleted (or requeued) meanwhile.
   */
  addUnschedulableIfNotPresent(key: string, podCycle: number, failure: { error: boolean; plugins: Iterable<string> }): void {
    const q = this.inFlight.get(key);
    if (!q || this.activeQ.has(key) || this.backoffQ.has(key) || this.unschedulable.has(key)) return;
    q.timestamp = this.clock.now();
    q.seq = this.seq++;
    q.unschedulablePlugins = new Set(failure.plugins);
    if (failure.error || this.moveRequestCycle >= podCycle) this.backoffQ.push(q);
    else this.unschedulable.set(key, q);
  }

  /**
   * A cluster change that may let unschedulable pods fit: retries those whose rejecting plugins'
   * hints say `event` (with its old and new object) may help.
   */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent, oldObj?: unknown, newObj?: unknown): void {
    let moved = 0;
    for (const [key, q] of this.unschedulable) {
      if (!this.isPodWorthRequeuing(q.podInfo.pod, q.unschedulablePlugins, event, oldObj, newObj)) continue;
      this.unschedulable.delete(key);
      this.requeue(q);
      moved++;
    }
    if (moved > 0) log.debug({ event, pods: moved }, 'retrying unschedulable pods');
    this.moveRequestCycle = this.cycle;
    this.wake();
  }

  /** Moves pods whose backoff has expired to activeQ. */
  flushBackoffQCompleted(): void {
    const now = this.clock.now();
    let moved = false;
    for (let q = this.backoffQ.peek(); q && this.backoffExpiry(q) <= now; q = this.backoffQ.peek()) {
      this.backoffQ.pop();
      this.activeQ.push(q);
      moved = true;
    }
    if (moved) this.wake();
  }

  /** Retries pods that have been unschedulable for longer than maxUnschedulableMs. */
  flushUnschedulablePodsLeftover(): void {
    const now = this.clock.now();
    for (const [key, q] of this.unschedulable) {
      if (now - q.timestamp <= this.maxUnschedulableMs) continue;
      this.unschedulable.delete(key);
      this.requeue(q);
    }
    this.wake();
  }

  /** initialBackoff * 2^(attempts-1), capped at maxBackoff. */
  backoffDuration(q: QueuedPodInfo): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < q.attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoffMs) return this.maxBackoffMs;
    }
    return Math.min(d, this.maxBackoffMs);
  }

  pending(): PendingCounts {
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulable.size, gated: this.gated.size };
  }

  private backoffExpiry(q: QueuedPodInfo): number {
    return q.timestamp + this.backoffDuration(q);
  }

  private requeue(q: QueuedPodInfo): void {
    if (this.backoffExpiry(q) > this.clock.now()) this.backoffQ.push(q);
    else this.activeQ.push(q);
  }

  private popNow(): QueuedPodInfo {
    const q = this.activeQ.pop()!;
    q.attempts++;
    this.cycle++;
    this.inFlight.set(q.podInfo.key, q);
    return q;
  }

  private wake(): void {
    while (this.waiters.length > 0 && this.activeQ.size > 0) this.waiters.shift()!(this.popNow());
  }
}

/** Whether anything but the status and bookkeeping fields changed (kube-scheduler's isPodUpdated). */
export function isPodUpdated(oldPod: Pod, newPod: Pod): boolean {
  const strip = (p: Pod): unknown => ({
    metadata: p.metadata && { ...p.metadata, resourceVersion: '', generation: 0, finalizers: [] },
    spec: p.spec,
  });
  return !isDeepStrictEqual(strip(oldPod), strip(newPod));
}
