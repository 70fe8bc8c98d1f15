// Leader election over a Lease (client-go's leaderelection): candidates try to acquire the lock
// every retryPeriod; the holder renews it every retryPeriod and steps down when it could not
// renew for renewDeadline; others take over once the holder has not renewed for leaseDuration.
// Expiry is judged on the local clock from when the record last changed, so clock skew between
// machines does not matter.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { isNotFound } from '../api/errors';
import { logger as newLogger, type Logger } from '../log';
import { rfc3339Micro } from '../util/time';
import { LeaseLock, type LeaderElectionRecord, type LeaseClient } from './lease-lock';

export interface LeaderCallbacks {
  /** Called on becoming leader; `signal` aborts when leadership ends. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called when leadership ends (lost, or stopped by the run signal) after having led. */
  onStoppedLeading?(): void;
  /** Called when a different holder is observed (including ourselves). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectionConfig {
  client: LeaseClient;
  /** Lease namespace; default kube-system. */
  namespace?: string;
  /** Lease name, e.g. "kube-controller-manager". */
  name: string;
  /** Unique per candidate; default <hostname>_<uuid>. */
  identity?: string;
  /** How long a non-renewed lease blocks others (default 15 s). */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying a failed renewal before stepping down (default 10 s). */
  renewDeadlineMs?: number;
  /** Time between attempts (default 2 s). */
  retryPeriodMs?: number;
  /** On stop, give the lease up so another candidate takes over at once (default true). */
  releaseOnCancel?: boolean;
  callbacks: LeaderCallbacks;
  /** Monotonic milliseconds; injectable for tests. */
  now?: () => number;
  logger?: Logger;
}

/** client-go's JitterFactor: waits between acquire attempts are stretched by up to 120%. */
const JITTER = 1.2;

export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

export class LeaderElector {
  readonly identity: string;
  private readonly lock: LeaseLock;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly releaseOnCancel: boolean;
  private readonly now: () => number;
  private readonly log: Logger;
  private observed: LeaderElectionRecord | undefined;
  private observedRaw = '';
  private observedAt = 0;
  private reportedLeader = '';

  constructor(private readonly cfg: LeaderElectionConfig) {
    this.identity = cfg.identity ?? defaultIdentity();
    this.leaseDurationMs = cfg.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.renewDeadlineMs = cfg.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.retryPeriodMs = cfg.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    this.releaseOnCancel = cfg.releaseOnCancel ?? true;
    this.now = cfg.now ?? (() => performance.now());
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new Error('leaseDuration must be greater than renewDeadline');
    if (this.renewDeadlineMs <= JITTER * this.retryPeriodMs) throw new Error('renewDeadline must be greater than retryPeriod*1.2');
    if (this.retryPeriodMs <= 0) throw new Error('retryPeriod must be greater than zero');
    this.lock = new LeaseLock(cfg.client, cfg.namespace ?? 'kube-system', cfg.name);
    this.log = (cfg.logger ?? newLogger('leaderelection')).child({ lease: this.lock.describe(), identity: this.identity });
  }

  isLeader(): boolean {
    return this.observed?.holderIdentity === this.identity;
  }

  /**
   * client-go's leader-election watchdog (HealthzAdaptor), the leaderElection check of the
   * scheduler's and controller-manager's /healthz: fails while this candidate believes it leads
   * but has not renewed for the lease duration plus `toleranceMs` (its renewal loop is stuck).
   */
  check(toleranceMs: number): void {
    if (this.isLeader() && this.now() - this.observedAt > this.leaseDurationMs + toleranceMs) {
      throw new Error(`failed election to renew leadership on lease ${this.cfg.name}`);
    }
  }

  /** The identity of the last observed holder ("" if none). */
  getLeader(): string {
    return this.observed?.holderIdentity ?? '';
  }

  /**
   * Campaigns until leading, leads until leadership is lost or `signal` aborts, then resolves
   * (after onStoppedLeading). Never rejects.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.acquire(signal))) return;
    const leading = new AbortController();
    const stop = () => leading.abort();
    signal.addEventListener('abort', stop, { once: true });
    let led: Promise<void> = Promise.resolve();
    try {
      led = Promise.resolve()
        .then(() => this.cfg.callbacks.onStartedLeading(leading.signal))
        .catch((err) => this.log.error({ err }, 'onStartedLeading failed'));
      await this.renewLoop(leading.signal);
    } finally {
      signal.removeEventListener('abort', stop);
      leading.abort();
      await led;
      if (this.releaseOnCancel && signal.aborted) await this.release();
      this.cfg.callbacks.onStoppedLeading?.();
    }
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    this.log.info('attempting to acquire leader lease');
    while (!signal.aborted) {
      if (await this.attempt(this.renewDeadlineMs)) {
        this.log.info('successfully acquired lease');
        return true;
      }
      if (!(await pause(this.retryPeriodMs * (1 + Math.random() * JITTER), signal))) break;
    }
    return false;
  }

  /** Renews every retryPeriod; returns when a renewal could not succeed within renewDeadline or on abort. */
  private async renewLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (!(await pause(this.retryPeriodMs, signal))) return;
      const deadline = this.now() + this.renewDeadlineMs;
      let renewed = false;
      while (!signal.aborted && this.now() < deadline) {
        if (await this.attempt(deadline - this.now())) {
          renewed = true;
          break;
        }
        if (!(await pause(Math.min(this.retryPeriodMs, deadline - this.now()), signal))) return;
      }
      if (signal.aborted) return;
      if (!renewed) {
        this.log.warn('failed to renew lease within the renew deadline; leadership lost');
        return;
      }
    }
  }

  /**
   * One tryAcquireOrRenew given up after `timeoutMs`, as client-go bounds the renewal by the
   * renew deadline and the components' leader-election client times its requests out at it: a
   * call hanging on a dead apiserver neither keeps a leader past its deadline nor a candidate from
   * its next try.
   */
  private async attempt(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        this.log.warn({ timeoutMs }, 'lease request timed out');
        resolve(false);
      }, Math.max(0, timeoutMs));
    });
    try {
      return await Promise.race([this.tryAcquireOrRenew(), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private leaseValid(): boolean {
    return this.observedAt + this.leaseDurationMs > this.now();
  }

  private setObserved(record: LeaderElectionRecord, raw = JSON.stringify(record)): void {
    this.observed = record;
    this.observedRaw = raw;
    this.observedAt = this.now();
    if (record.holderIdentity !== this.reportedLeader) {
      this.reportedLeader = record.holderIdentity;
      if (record.holderIdentity) {
        this.log.info({ leader: record.holderIdentity }, 'new leader elected');
        this.cfg.callbacks.onNewLeader?.(record.holderIdentity);
      }
    }
  }

  /** One attempt, as client-go's tryAcquireOrRenew: true if we hold the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const stamp = rfc3339Micro();
    const record: LeaderElectionRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.leaseDurationMs / 1000)),
      acquireTime: stamp,
      renewTime: stamp,
      leaseTransitions: 0,
    };
    // Fast path: the leader assumes the record it wrote last is still current.
    if (this.isLeader() && this.leaseValid() && this.observed) {
      record.acquireTime = this.observed.acquireTime;
      record.leaseTransitions = this.observed.leaseTransitions;
      try {
        await this.lock.update(record);
        this.setObserved(record);
        return true;
      } catch (err) {
        this.log.debug({ err: (err as Error).message }, 'optimistic renewal failed; reading the lease');
      }
    }
    let current: { record: LeaderElectionRecord; raw: string };
    try {
      current = await this.lock.get();
    } catch (err) {
      if (!isNotFound(err)) {
        this.log.warn({ err: (err as Error).message }, 'error retrieving lease');
        return false;
      }
      try {
        await this.lock.create(record);
        this.setObserved(record);
        return true;
      } catch (createErr) {
        this.log.debug({ err: (createErr as Error).message }, 'error creating lease');
        return false;
      }
    }
    if (current.raw !== this.observedRaw) this.setObserved(current.record, current.raw);
    if (current.record.holderIdentity && this.leaseValid() && !this.isLeader()) return false;
    if (this.isLeader()) {
      record.acquireTime = current.record.acquireTime;
      record.leaseTransitions = current.record.leaseTransitions;
    } else {
      record.leaseTransitions = current.record.leaseTransitions + 1;
    }
    try {
      await this.lock.update(record);
      this.setObserved(record);
      return true;
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'failed to update lease');
      return false;
    }
  }

  /** Gives the lease up (holder "", duration 1 s) so a waiting candidate acquires it at once. */
  private async release(): Promise<void> {
    if (!this.isLeader() || !this.observed) return;
    const stamp = rfc3339Micro();
    const record: LeaderElectionRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: stamp,
      renewTime: stamp,
      leaseTransitions: this.observed.leaseTransitions,
    };
    try {
      await this.lock.update(record);
      this.setObserved(record);
      this.log.info('released lease');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'failed to release lease');
    }
  }
}

/** Sleeps `ms`; false if `signal` aborted first. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await sleep(Math.max(0, ms), undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
