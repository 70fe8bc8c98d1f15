// One worker per pod (keyed by uid), as Kubernetes' podWorkers: a pod's syncs never overlap, a
// trigger that arrives during a sync runs one more sync afterwards (triggers coalesce), and pods
// sync independently, so one pod's slow image pull or long grace period never blocks another.
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../lib/log';
import { realClock, type Clock, type Timer } from '../../../lib/util/clock';

/**
 * Brings one pod to its desired state; `pod` undefined means it is gone from the API and its
 * containers must go. Resolves with when to sync again (ms), or undefined for the resync period.
 */
export type SyncPodFn = (uid: string, pod: Pod | undefined) => Promise<number | undefined>;

export interface PodWorkersOptions {
  resyncPeriodMs: number;
  /** Retry delays after failed syncs: doubling from initialMs to maxMs. */
  errorBackoff: { initialMs: number; maxMs: number };
  clock?: Clock;
}

interface Worker {
  pod: Pod | undefined;
  pending: boolean;
  running: Promise<void> | undefined;
  timer: Timer | undefined;
  failures: number;
}

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private readonly clock: Clock;
  private readonly log = logger('kubelet', { module: 'pod-workers' });
  private stopped = false;

  constructor(
    private readonly sync: SyncPodFn,
    private readonly opts: PodWorkersOptions,
  ) {
    this.clock = opts.clock ?? realClock;
  }

  /** Records the pod's latest state and makes sure a sync follows. */
  update(uid: string, pod: Pod | undefined): void {
    if (this.stopped) return;
    let w = this.workers.get(uid);
    if (!w) {
      w = { pod, pending: false, running: undefined, timer: undefined, failures: 0 };
      this.workers.set(uid, w);
    }
    w.pod = pod;
    w.pending = true;
    if (!w.running) w.running = this.run(uid, w);
  }

  /** Records the pod's latest state for the next sync, without asking for one. */
  remember(uid: string, pod: Pod): void {
    const w = this.workers.get(uid);
    if (w) w.pod = pod;
  }

  /** Syncs the pod again with the state last recorded. */
  trigger(uid: string): void {
    const w = this.workers.get(uid);
    if (w) this.update(uid, w.pod);
  }

  has(uid: string): boolean {
    return this.workers.has(uid);
  }

  uids(): string[] {
    return [...this.workers.keys()];
  }

  /** Stops scheduling syncs; resolves once syncs in flight finish (or after maxWaitMs). */
  async stop(maxWaitMs = 5_000): Promise<void> {
    this.stopped = true;
    for (const w of this.workers.values()) w.timer?.cancel();
    const running = [...this.workers.values()].map((w) => w.running).filter((p): p is Promise<void> => p !== undefined);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(running), new Promise<void>((r) => (timeout = setTimeout(r, maxWaitMs)))]);
    clearTimeout(timeout);
  }

  private async run(uid: string, w: Worker): Promise<void> {
    w.timer?.cancel();
    w.timer = undefined;
    let next: number | undefined;
    while (w.pending && !this.stopped) {
      w.pending = false;
      try {
        next = await this.sync(uid, w.pod);
        w.failures = 0;
      } catch (err) {
        next = Math.min(this.opts.errorBackoff.initialMs * 2 ** w.failures, this.opts.errorBackoff.maxMs);
        w.failures++;
        this.log.warn({ pod: podName(w.pod, uid), err: (err as Error).message, retryInMs: next }, 'pod sync failed');
      }
    }
    w.running = undefined;
    if (this.stopped) return;
    // A gone pod whose teardown succeeded needs no worker any more.
    if (w.pod === undefined && w.failures === 0) {
      this.workers.delete(uid);
      return;
    }
    w.timer = this.clock.setTimer(() => this.trigger(uid), next ?? this.opts.resyncPeriodMs);
  }
}

function podName(pod: Pod | undefined, uid: string): string {
  return pod ? `${pod.metadata?.namespace}/${pod.metadata?.name}` : uid;
}
