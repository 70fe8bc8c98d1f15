// API Priority and Fairness (kube-apiserver's default request filter, apf_controller.go and
// apf_filter.go): each request is classified by flow schema into a priority level and a flow;
// exempt levels run at once; limited ones have a share of the server's concurrency
// (--max-requests-inflight + --max-mutating-requests-inflight split by nominal shares) and fair
// queues, so one user's flood waits in its own queues or is refused with RESOURCE_EXHAUSTED and
// a retry-after hint, while other flows and levels keep their seats.
import { status as Status } from '@grpc/grpc-js';
import { ApiError, TooManyRequestsError } from '../../../lib/api/errors';
import type { CancellableCall, RequestLimiter } from '../auth/limits/request-limiter';
import type { RequestAttributes } from '../auth/request-attributes';
import type { UserInfo } from '../auth/user-info';
import { BOOTSTRAP_FLOW_SCHEMAS, BOOTSTRAP_PRIORITY_LEVELS, type FlowSchema, type PriorityLevelConfiguration } from './bootstrap';
import { Classifier } from './classifier';
import { QueueSet, type Clock, type RejectReason } from './queue-set';
import { hashFlow } from './shuffle-sharding';

export interface FlowControlConfig {
  /** Seats of all limited levels together (0: no limit, nothing is queued or refused). */
  serverConcurrencyLimit: number;
  /** A request that waited this long in a queue is refused (Kubernetes: a quarter of the 60 s request timeout). */
  queueWaitTimeoutMs: number;
  /** How long a seat stays taken after its handler returned while the response is still being written. */
  responseWriteTimeoutMs: number;
  retryAfterSeconds: number;
  priorityLevels: PriorityLevelConfiguration[];
  flowSchemas: FlowSchema[];
}

export const DEFAULT_FLOW_CONTROL: Omit<FlowControlConfig, 'serverConcurrencyLimit'> = {
  queueWaitTimeoutMs: 15_000,
  responseWriteTimeoutMs: 10_000,
  retryAfterSeconds: 1,
  priorityLevels: BOOTSTRAP_PRIORITY_LEVELS,
  flowSchemas: BOOTSTRAP_FLOW_SCHEMAS,
};

/** Effects the controller needs: the clock, timers, and how a request that waited is woken. */
export interface FlowControlRuntime {
  clock: Clock;
  setTimer(fn: () => void, ms: number): () => void;
  /** Wakes a request that got its seat after waiting; the default waits for pending I/O first, so a queue draining cannot starve the event loop. */
  wake(fn: () => void): void;
}

const REAL_RUNTIME: FlowControlRuntime = {
  clock: { now: () => performance.now() },
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
  wake: (fn) => setImmediate(fn),
};

export interface PriorityLevelStats {
  priorityLevel: string;
  concurrencyLimit: number;
  executing: number;
  waiting: number;
  dispatched: number;
  rejected: Record<RejectReason | 'time-out', number>;
}

interface Level {
  cfg: PriorityLevelConfiguration;
  /** Absent for exempt levels and when the server has no limit. */
  set?: QueueSet;
  concurrencyLimit: number;
  exemptExecuting: number;
  dispatched: number;
  rejected: Record<RejectReason | 'time-out', number>;
}

/** Each limited level's seats: ceil(server limit x its shares / all limited levels' shares), at least 1. */
export function nominalConcurrencyLimits(serverLimit: number, levels: PriorityLevelConfiguration[]): Map<string, number> {
  const limited = levels.filter((l) => l.type === 'Limited');
  const shares = limited.reduce((n, l) => n + l.nominalConcurrencyShares, 0);
  return new Map(limited.map((l) => [l.name, Math.max(1, Math.ceil((serverLimit * l.nominalConcurrencyShares) / shares))]));
}

export class PriorityAndFairness implements RequestLimiter {
  private readonly classifier: Classifier;
  private readonly levels = new Map<string, Level>();

  constructor(
    private readonly cfg: FlowControlConfig,
    private readonly runtime: FlowControlRuntime = REAL_RUNTIME,
  ) {
    this.classifier = new Classifier(cfg.flowSchemas);
    const limits = nominalConcurrencyLimits(cfg.serverConcurrencyLimit, cfg.priorityLevels);
    for (const pl of cfg.priorityLevels) {
      const concurrencyLimit = limits.get(pl.name) ?? Infinity;
      const limited = pl.type === 'Limited' && cfg.serverConcurrencyLimit > 0;
      const set = limited ? new QueueSet({ concurrencyLimit, ...pl.queuing }, runtime.clock) : undefined;
      this.levels.set(pl.name, { cfg: pl, set, concurrencyLimit: limited ? concurrencyLimit : Infinity, exemptExecuting: 0, dispatched: 0, rejected: { 'queue-full': 0, 'concurrency-limit': 0, 'time-out': 0 } });
    }
    for (const fs of cfg.flowSchemas) {
      if (!this.levels.has(fs.priorityLevel)) throw new Error(`flow schema ${fs.name} refers to unknown priority level ${fs.priorityLevel}`);
    }
  }

  admit(user: UserInfo, attrs: RequestAttributes, call?: CancellableCall): Promise<() => void> {
    const c = this.classifier.classify(user, attrs);
    const level = c && this.levels.get(c.priorityLevel);
    if (!c || !level) return Promise.reject(this.refusal('catch-all', 'concurrency-limit'));
    if (!level.set) {
      level.exemptExecuting++;
      level.dispatched++;
      return Promise.resolve(once(() => level.exemptExecuting--));
    }
    const set = level.set;
    return new Promise((resolve, reject) => {
      let enqueuing = true;
      let stopTimer = () => {};
      const onCancelled = () => {
        if (ticket.cancel()) settle(() => reject(new ApiError(Status.CANCELLED, 'the client cancelled the request while it waited in its priority level queue', 'Cancelled')));
      };
      const settle = (fn: () => void) => {
        stopTimer();
        call?.removeListener('cancelled', onCancelled);
        fn();
      };
      const result = set.enqueue({
        hash: hashFlow(c.flowSchema, c.flow),
        dispatch: () => {
          level.dispatched++;
          const release = once(() => this.untilWritten(call, () => ticket.finish()));
          if (enqueuing) settle(() => resolve(release));
          else this.runtime.wake(() => settle(() => resolve(release)));
        },
      });
      enqueuing = false;
      if ('rejected' in result) {
        level.rejected[result.rejected]++;
        reject(this.refusal(c.priorityLevel, result.rejected));
        return;
      }
      const ticket = result;
      if (ticket.executing) return;
      call?.once('cancelled', onCancelled);
      stopTimer = this.runtime.setTimer(() => {
        if (!ticket.cancel()) return;
        level.rejected['time-out']++;
        settle(() => reject(this.refusal(c.priorityLevel, 'time-out')));
      }, this.cfg.queueWaitTimeoutMs);
    });
  }

  stats(): PriorityLevelStats[] {
    return [...this.levels.values()].map((l) => ({
      priorityLevel: l.cfg.name,
      concurrencyLimit: l.concurrencyLimit,
      executing: l.set ? l.set.executing : l.exemptExecuting,
      waiting: l.set?.waiting ?? 0,
      dispatched: l.dispatched,
      rejected: { ...l.rejected },
    }));
  }

  /**
   * Runs `free` once the call's response has been written out (or its client went away), at most
   * responseWriteTimeoutMs from now: as a Kubernetes handler holds its seat while it writes, so a
   * flood whose answers pile up unread in the server's buffers is still bounded by the seats.
   */
  private untilWritten(call: CancellableCall | undefined, free: () => void): void {
    if (!call || call.cancelled) return free();
    const done = once(() => {
      stop();
      call.removeListener('cancelled', done);
      free();
    });
    const stop = this.runtime.setTimer(done, this.cfg.responseWriteTimeoutMs);
    call.once('cancelled', done);
  }

  private refusal(priorityLevel: string, reason: RejectReason | 'time-out'): TooManyRequestsError {
    const why = reason === 'time-out' ? 'timed out waiting in its queue' : reason === 'queue-full' ? 'its queue is full' : 'every seat is taken';
    return new TooManyRequestsError(`Too many requests, please try again later (priority level "${priorityLevel}": ${why})`, this.cfg.retryAfterSeconds);
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
