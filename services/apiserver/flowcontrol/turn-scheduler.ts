// Event-loop turns for requests, a Node-specific front to API Priority and Fairness. Node serves
// every connection on one thread, and one read from a socket can carry a hundred requests; all of
// them would be decoded, authorized and answered before the next socket is read, so a burst from
// one client delays everyone else's requests, health checks included, by the whole burst. Calls
// that are not exempt (system:masters is) wait here before their body is read, and each turn of
// the event loop takes up only a few of them, one per flow (user) in turn: other sockets are read
// in between, and a flood delays its own flow rather than the others.
import { logger } from '../../../lib/log';

export class TurnScheduler {
  /** Waiting work per flow; a Map keeps flows in arrival order for the round robin. */
  private readonly flows = new Map<string, Array<() => void>>();
  private scheduled = false;
  private waiting = 0;

  constructor(
    /** Calls taken up per event-loop turn. */
    private readonly perTurn = 32,
    private readonly defer: (fn: () => void) => void = setImmediate,
  ) {}

  get pending(): number {
    return this.waiting;
  }

  /** Runs `fn` in a later turn, after the calls queued before it by the same flow. */
  run(flow: string, fn: () => void): void {
    let q = this.flows.get(flow);
    if (!q) this.flows.set(flow, (q = []));
    q.push(fn);
    this.waiting++;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.waiting === 0) return;
    this.scheduled = true;
    this.defer(() => this.turn());
  }

  private turn(): void {
    this.scheduled = false;
    let budget = this.perTurn;
    while (budget > 0 && this.waiting > 0) {
      for (const [flow, q] of this.flows) {
        const fn = q.shift()!;
        if (q.length === 0) this.flows.delete(flow);
        this.waiting--;
        try {
          fn();
        } catch (err) {
          logger('apiserver').error({ err, flow }, 'a deferred call failed to start');
        }
        if (--budget === 0) break;
      }
    }
    this.schedule();
  }
}
