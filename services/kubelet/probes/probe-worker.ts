// One probe (liveness, readiness or startup) of one container, probed every periodSeconds as
// Kubernetes' prober worker does: nothing before initialDelaySeconds, a result only changes after
// successThreshold / failureThreshold consecutive outcomes, liveness and readiness wait for the
// startup probe, and after a liveness or startup failure the worker holds until the container is
// replaced. Each new container instance starts over from the kind's initial result.
import type { Container, Pod, Probe } from '../../../lib/gen/kite/core/v1/types';
import type { Clock, Timer } from '../../../lib/util/clock';
import type { EventRecorder } from '../../../lib/events';
import type { Prober } from './prober';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';
export type ProbeResult = 'success' | 'failure' | 'unknown';

/** Readiness starts failed (not ready until proven), liveness successful, startup unknown. */
export const INITIAL_RESULT: Record<ProbeKind, ProbeResult> = { liveness: 'success', readiness: 'failure', startup: 'unknown' };

const EVENT_NAME: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

/** The running container instance a worker probes. */
export interface ContainerRun {
  id: string;
  /** Epoch ms. */
  startedAt: number;
  podIP: string;
}

export interface ProbeWorkerDeps {
  prober: Prober;
  recorder: EventRecorder;
  clock: Clock;
  /** Wall-clock epoch ms (container start times are wall-clock). */
  wallNow: () => number;
  /** Whether the container's startup probe passed (true when it has none). */
  started: (containerId: string) => boolean;
  /** The worker's result changed. */
  onResult: (worker: ProbeWorker) => void;
}

export class ProbeWorker {
  private run: ContainerRun | undefined;
  private resultValue: ProbeResult;
  private lastOutcome: boolean | undefined;
  private streak = 0;
  private onHold = false;
  private timer: Timer | undefined;
  private stopped = false;

  constructor(
    readonly kind: ProbeKind,
    private pod: Pod,
    readonly container: Container,
    readonly probe: Probe,
    private readonly deps: ProbeWorkerDeps,
  ) {
    this.resultValue = INITIAL_RESULT[kind];
  }

  get result(): ProbeResult {
    return this.resultValue;
  }

  get containerId(): string | undefined {
    return this.run?.id;
  }

  /** Tells the worker which container instance runs now (undefined: none). `seed` replaces the initial result. */
  setRun(pod: Pod, run: ContainerRun | undefined, seed?: ProbeResult): void {
    this.pod = pod;
    if (run?.id === this.run?.id) {
      if (run) this.run = run;
      return;
    }
    this.run = run;
    this.resultValue = seed ?? INITIAL_RESULT[this.kind];
    this.lastOutcome = undefined;
    this.streak = 0;
    this.onHold = false;
    this.timer?.cancel();
    this.timer = undefined;
    if (run) this.schedule(Math.max(0, run.startedAt + this.probe.initialDelaySeconds * 1000 - this.deps.wallNow()));
  }

  /** Probes soon (e.g. once the startup probe passed). */
  kick(): void {
    if (!this.run || this.stopped) return;
    this.timer?.cancel();
    this.schedule(Math.max(0, this.run.startedAt + this.probe.initialDelaySeconds * 1000 - this.deps.wallNow()));
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimer(() => void this.tick(), ms);
  }

  private periodMs(): number {
    return Math.max(1, this.probe.periodSeconds || 10) * 1000;
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    const run = this.run;
    if (!run || this.stopped) return;
    if (this.kind === 'startup' && this.resultValue === 'success') return;
    const waiting = this.onHold || (this.kind !== 'startup' && !this.deps.started(run.id));
    const early = this.deps.wallNow() < run.startedAt + this.probe.initialDelaySeconds * 1000;
    if (waiting || early) {
      this.schedule(this.periodMs());
      return;
    }
    const outcome = await this.deps.prober.probe(this.probe, { pod: this.pod, container: this.container, containerId: run.id, podIP: run.podIP });
    // The container was replaced or the pod forgotten while probing: this outcome is stale.
    if (this.run?.id !== run.id || this.stopped) return;
    if (!outcome.success) {
      this.deps.recorder.event(this.pod, 'Warning', 'Unhealthy', `${EVENT_NAME[this.kind]} probe failed: ${outcome.message.trim()}`);
    }
    this.observe(outcome.success);
    this.schedule(this.periodMs());
  }

  /** Counts consecutive outcomes and changes the result once a threshold is reached. */
  private observe(success: boolean): void {
    if (success === this.lastOutcome) this.streak++;
    else {
      this.lastOutcome = success;
      this.streak = 1;
    }
    const threshold = success ? this.probe.successThreshold || 1 : this.probe.failureThreshold || 3;
    if (this.streak < threshold) return;
    const next: ProbeResult = success ? 'success' : 'failure';
    if (next !== this.resultValue) {
      this.resultValue = next;
      this.deps.onResult(this);
    }
    if (!success && this.kind !== 'readiness') {
      this.onHold = true;
      this.streak = 0;
    }
  }
}
