// Keeps one ProbeWorker per probe of every running container, and answers the pod syncer's
// questions: is this container ready, has it started, must it be killed. A result change asks
// for a sync of the pod (readiness drives the Ready condition, liveness restarts).
import { sidecarsOf } from '../../../lib/api/pods';
import type { ContainerStatus, Pod } from '../../../lib/gen/kite/core/v1/types';
import { realClock, type Clock } from '../../../lib/util/clock';
import type { EventRecorder } from '../../../lib/events';
import type { Prober } from './prober';
import { ProbeWorker, type ContainerRun, type ProbeKind, type ProbeResult } from './probe-worker';

export interface ProbeManagerOptions {
  prober: Prober;
  recorder: EventRecorder;
  /** A probe result of the pod changed. */
  onChange: (podUid: string) => void;
  clock?: Clock;
  wallNow?: () => number;
}

const KINDS: ProbeKind[] = ['startup', 'liveness', 'readiness'];

export class ProbeManager {
  /** By "uid/container/kind". */
  private readonly workers = new Map<string, ProbeWorker>();
  private readonly clock: Clock;
  private readonly wallNow: () => number;

  constructor(private readonly opts: ProbeManagerOptions) {
    this.clock = opts.clock ?? realClock;
    this.wallNow = opts.wallNow ?? Date.now;
  }

  /**
   * Called after every sync with the pod's running containers by name. `reported` is the pod's
   * status as last written: after a kubelet restart, a container it already reported ready or
   * started keeps that verdict instead of starting over from "not ready".
   */
  syncPod(pod: Pod, running: ReadonlyMap<string, ContainerRun>, reported: readonly ContainerStatus[] = []): void {
    const uid = pod.metadata!.uid;
    const wanted = new Set<string>();
    // Sidecars are probed as app containers are (plain init containers may have no probes).
    for (const container of [...sidecarsOf(pod), ...(pod.spec?.containers ?? [])]) {
      for (const kind of KINDS) {
        const probe = kind === 'liveness' ? container.livenessProbe : kind === 'readiness' ? container.readinessProbe : container.startupProbe;
        if (!probe) continue;
        const key = `${uid}/${container.name}/${kind}`;
        wanted.add(key);
        let worker = this.workers.get(key);
        if (!worker) {
          worker = new ProbeWorker(kind, pod, container, probe, {
            prober: this.opts.prober,
            recorder: this.opts.recorder,
            clock: this.clock,
            wallNow: this.wallNow,
            started: (id) => this.started(id),
            onResult: (w) => this.resultChanged(uid, w),
          });
          this.workers.set(key, worker);
        }
        const run = running.get(container.name);
        worker.setRun(pod, run, run ? seedFor(kind, run.id, reported.find((s) => s.name === container.name)) : undefined);
      }
    }
    for (const [key, worker] of this.workers) {
      if (key.startsWith(`${uid}/`) && !wanted.has(key)) {
        worker.stop();
        this.workers.delete(key);
      }
    }
  }

  removePod(uid: string): void {
    for (const [key, worker] of this.workers) {
      if (key.startsWith(`${uid}/`)) {
        worker.stop();
        this.workers.delete(key);
      }
    }
  }

  /** Readiness of a running container: its readiness probe's result, true when it has none. */
  ready(containerId: string): boolean {
    return this.result(containerId, 'readiness') !== 'failure' && this.result(containerId, 'readiness') !== 'unknown';
  }

  /** Whether the container's startup probe passed (true when it has none). */
  started(containerId: string): boolean {
    const r = this.result(containerId, 'startup');
    return r === undefined || r === 'success';
  }

  /** Why the container must be killed, if a probe says so. */
  verdict(containerId: string): 'LivenessProbe' | 'StartupProbe' | undefined {
    if (this.result(containerId, 'liveness') === 'failure') return 'LivenessProbe';
    if (this.result(containerId, 'startup') === 'failure') return 'StartupProbe';
    return undefined;
  }

  stop(): void {
    for (const w of this.workers.values()) w.stop();
    this.workers.clear();
  }

  private result(containerId: string, kind: ProbeKind): ProbeResult | undefined {
    for (const w of this.workers.values()) if (w.kind === kind && w.containerId === containerId) return w.result;
    return undefined;
  }

  private resultChanged(uid: string, worker: ProbeWorker): void {
    // Liveness and readiness were waiting for the startup probe.
    if (worker.kind === 'startup' && worker.result === 'success') {
      for (const [key, w] of this.workers) if (key.startsWith(`${uid}/${worker.container.name}/`) && w !== worker) w.kick();
    }
    this.opts.onChange(uid);
  }
}

/** The verdict a kubelet restart must not lose: ready and started as reported for this very container. */
function seedFor(kind: ProbeKind, containerId: string, reported: ContainerStatus | undefined): ProbeResult | undefined {
  if (!reported || !reported.containerID.endsWith(containerId)) return undefined;
  if (kind === 'readiness' && reported.ready) return 'success';
  if (kind === 'startup' && reported.started) return 'success';
  return undefined;
}
