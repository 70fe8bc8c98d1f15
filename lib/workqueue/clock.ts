// Time as the queues and informers see it, injectable so tests can step time instead of sleeping.
import { performance } from 'node:perf_hooks';

/** A one-shot timer that can be cancelled. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds on a monotonic scale (only differences are meaningful). */
  now(): number;
  /** Calls `fn` once after `ms`; the timer must not keep the process alive. */
  setTimer(fn: () => void, ms: number): Timer;
}

/** The wall clock: monotonic time and unref'd Node timers. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
