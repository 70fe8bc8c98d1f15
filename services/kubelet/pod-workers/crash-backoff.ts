// CrashLoopBackOff (Kubernetes' doBackOff): the first restart after a crash is immediate, later
// ones wait initial, 2x initial, ... up to max after the previous run ended; a run that lasted
// resetAfter starts the backoff over. After a kubelet restart the backoff is rebuilt from the
// dead container's labels (its restart count) and times, so it continues where it was.
import { parseTime } from '../../../lib/util/time';
import { Backoff } from '../../../lib/util/backoff';
import type { RuntimeContainer } from '../runtime/types';

export interface CrashLoopPolicy {
  initialMs: number;
  maxMs: number;
  resetAfterMs: number;
}

export class CrashLoopBackoff {
  private readonly backoff: Backoff;

  constructor(
    policy: CrashLoopPolicy,
    private readonly now: () => number = Date.now,
  ) {
    this.backoff = new Backoff(policy, now);
  }

  /** Milliseconds the container must still wait before replacing the `dead` instance; 0: now. */
  remaining(podUid: string, name: string, dead: RuntimeContainer): number {
    const key = `${podUid}/${name}`;
    const finished = parseTime(dead.finishedAt);
    if (Number.isNaN(finished)) return 0;
    if (!this.backoff.has(key) && dead.restartCount > 0) {
      const started = parseTime(dead.startedAt);
      const { initialMs } = this.backoff.policy;
      this.backoff.seed(key, initialMs * 2 ** Math.min(dead.restartCount - 1, 30), Number.isNaN(started) ? finished : started);
    }
    return this.backoff.remainingSince(key, finished);
  }

  /** The delay the last restart started (for messages: "back-off 20s restarting failed container"). */
  delay(podUid: string, name: string): number {
    return this.backoff.delay(`${podUid}/${name}`) ?? this.backoff.policy.initialMs;
  }

  /** A restart happens now: the next one waits longer. */
  restarted(podUid: string, name: string): void {
    this.backoff.next(`${podUid}/${name}`, this.now());
  }

  forgetPod(podUid: string): void {
    this.backoff.forgetPrefix(`${podUid}/`);
  }
}
