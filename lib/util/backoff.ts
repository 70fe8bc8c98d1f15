// Per-key exponential backoff on wall-clock time (client-go's flowcontrol.Backoff), used by the
// kubelet for crash loops (keyed by pod uid and container) and image pulls (pod uid and image), and
// by the DaemonSet controller for failed daemon pods (node and DaemonSet). Times are
// epoch milliseconds, so they compare with the runtime's startedAt/finishedAt.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** An entry not stepped for this long starts over at initialMs. */
  resetAfterMs: number;
}

interface Entry {
  delayMs: number;
  /** When the backoff was last stepped. */
  lastUpdate: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly policy: BackoffPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Steps the backoff: initialMs the first time (or after a quiet resetAfterMs), then doubling up to maxMs. */
  next(key: string, at = this.now()): number {
    const entry = this.entries.get(key);
    const delayMs = !entry || this.expired(entry, at) ? this.policy.initialMs : Math.min(entry.delayMs * 2, this.policy.maxMs);
    this.entries.set(key, { delayMs, lastUpdate: at });
    return delayMs;
  }

  /** Records a backoff already in progress (rebuilt from the runtime after a kubelet restart). */
  seed(key: string, delayMs: number, lastUpdate: number): void {
    if (!this.entries.has(key)) this.entries.set(key, { delayMs: Math.min(delayMs, this.policy.maxMs), lastUpdate });
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The current delay of `key`, if it has one. */
  delay(key: string): number | undefined {
    return this.entries.get(key)?.delayMs;
  }

  /** Milliseconds until a backoff counted from `eventTime` (e.g. a crash) is over; 0 when not backing off. */
  remainingSince(key: string, eventTime: number): number {
    const entry = this.entries.get(key);
    if (!entry || this.expired(entry, eventTime)) return 0;
    return Math.max(0, entry.delayMs - (this.now() - eventTime));
  }

  /** Milliseconds until the backoff counted from its last step is over; 0 when not backing off. */
  remainingSinceUpdate(key: string): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    return Math.max(0, entry.lastUpdate + entry.delayMs - this.now());
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key starting with `prefix` (all of a pod's). */
  forgetPrefix(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  private expired(entry: Entry, at: number): boolean {
    return at - entry.lastUpdate > this.policy.resetAfterMs;
  }
}
