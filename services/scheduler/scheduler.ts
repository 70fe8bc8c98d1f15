// The scheduler: informer handlers feed it pods and nodes (addPod ... deleteNode), and run()
// loops scheduleOne(): pop a pending pod, pick a node synchronously (the cache is the snapshot),
// assume the pod there, and bind asynchronously through the backend while the next pod is
// scheduled. Failures requeue the pod (backoff or unschedulable), set PodScheduled=False and
// record a FailedScheduling event; success records a Scheduled event.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Node, Pod, PodCondition } from '../../lib/gen/kite/core/v1/types';
import { logger } from '../../lib/log';
import { type Clock, realClock, type Timer } from '../../lib/util/clock';
import type { SchedulerBackend } from './backend';
import { SchedulerCache } from './cache/scheduler-cache';
import { FitError } from './fit-error';
import { CycleState } from './framework/cycle-state';
import { Framework } from './framework/framework';
import { PodInfo, podKey } from './framework/pod-info';
import type { Profile } from './framework/profile';
import type { Registry } from './framework/registry';
import type { VolumeHandle } from './framework/volume-handle';
import type { SchedulerListers } from './framework/listers';
import type { PodDisruptionBudget } from '../../lib/gen/kite/policy/v1/types';
import { DEFAULT_SCHEDULER_NAME, defaultProfile, inTreeRegistry } from './plugins';
import { isPodTerminal as isTerminal } from '../../lib/api/pods';
import { assignedPodUpdateEvents, isAssigned, isDeleting, nodeUpdateEvents } from './pod-state';
import { Nominator } from './nominator';
import { type QueuedPodInfo, SchedulingQueue, type SchedulingQueueOptions } from './queue/scheduling-queue';
import { SchedulingAlgorithm } from './schedule-pod';

const log = logger('scheduler');

export interface SchedulerOptions {
  backend: SchedulerBackend;
  /** Defaults to defaultProfile(). */
  profile?: Profile;
  /** Defaults to inTreeRegistry(); merge out-of-tree plugins into it. */
  registry?: Registry;
  clock?: Clock;
  queue?: SchedulingQueueOptions;
  /** How long a bound-but-unconfirmed assumed pod keeps its place (0 = forever). */
  assumedPodTtlMs?: number;
  /** Bind calls in flight before scheduleOne() waits for one to finish. */
  maxInFlightBindings?: number;
  /** Uniform in [0, 1), for tie-breaking; injectable for deterministic tests. */
  rng?: () => number;
  /** PersistentVolumeClaims, PersistentVolumes and StorageClasses for the VolumeBinding plugin. */
  volumes?: VolumeHandle;
  /** The PodDisruptionBudgets preemption respects (the scheduler's informer). */
  podDisruptionBudgets?: () => PodDisruptionBudget[];
  /** Namespaces, Services, ReplicaSets and StatefulSets for InterPodAffinity and PodTopologySpread. */
  listers?: SchedulerListers;
}

export const POD_SCHEDULED = 'PodScheduled';

export class Scheduler {
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue;
  readonly framework: Framework;
  private readonly backend: SchedulerBackend;
  private readonly clock: Clock;
  private readonly algorithm: SchedulingAlgorithm;
  private readonly nominator = new Nominator();
  private readonly maxInFlightBindings: number;
  private readonly bindings = new Set<Promise<void>>();
  private bindingSlotWaiters: (() => void)[] = [];
  private cleanupTimer: Timer | undefined;
  private stopped = false;

  constructor(opts: SchedulerOptions) {
    this.backend = opts.backend;
    this.clock = opts.clock ?? realClock;
    this.cache = new SchedulerCache(this.clock, opts.assumedPodTtlMs);
    this.framework = new Framework(opts.profile ?? defaultProfile(), opts.registry ?? inTreeRegistry(), {
      backend: opts.backend,
      volumes: opts.volumes,
      snapshot: this.cache,
      listers: opts.listers,
      preemption: {
        nodeInfos: () => this.cache.nodeInfos(),
        runFilters: (state, pod, node) => this.nominator.runFilters(this.framework, state, pod, node),
        runPreFilterExtensionAddPod: (state, pod, podToAdd, node) => this.framework.runPreFilterExtensionAddPod(state, pod, podToAdd, node),
        runPreFilterExtensionRemovePod: (state, pod, podToRemove, node) => this.framework.runPreFilterExtensionRemovePod(state, pod, podToRemove, node),
        nominatedPodsForNode: (name) => this.nominator.nominatedPodsForNode(name),
        nominatedNodeName: (pod) => this.nominator.nominatedNodeName(pod),
        podDisruptionBudgets: () => opts.podDisruptionBudgets?.() ?? [],
      },
    });
    this.queue = new SchedulingQueue(this.clock, {
      ...opts.queue,
      isPodWorthRequeuing: (pod, rejectors, event, oldObj, newObj) => this.framework.queueingHints.isPodWorthRequeuing(pod, rejectors, event, oldObj, newObj),
      preEnqueue: (pod) => this.framework.runPreEnqueuePlugins(pod),
    });
    this.algorithm = new SchedulingAlgorithm(this.cache, opts.rng, this.nominator);
    this.maxInFlightBindings = opts.maxInFlightBindings ?? 512;
  }

  // ---- informer handlers ----

  addPod(pod: Pod): void {
    if (isAssigned(pod)) {
      this.queue.delete(pod);
      this.nominator.deleteNominatedPod(pod);
      if (isTerminal(pod)) return;
      this.cache.addPod(PodInfo.of(pod));
      this.queue.moveAllToActiveOrBackoffQueue('AssignedPodAdd', undefined, pod);
    } else if (this.wantsToSchedule(pod)) {
      this.nominator.updateFromPod(pod);
      this.queue.add(pod);
    }
  }

  updatePod(oldPod: Pod, newPod: Pod): void {
    const key = podKey(newPod);
    if (isAssigned(newPod)) {
      const confirmed = !isAssigned(oldPod);
      if (confirmed) {
        this.queue.delete(newPod);
        this.nominator.deleteNominatedPod(newPod);
      }
      if (isTerminal(newPod)) {
        this.cache.removePod(key);
        this.queue.moveAllToActiveOrBackoffQueue('AssignedPodDelete', newPod);
      } else {
        this.cache.updatePod(PodInfo.of(newPod));
        if (confirmed) this.queue.moveAllToActiveOrBackoffQueue('AssignedPodAdd', undefined, newPod);
        else for (const e of assignedPodUpdateEvents(oldPod, newPod)) this.queue.moveAllToActiveOrBackoffQueue(e, oldPod, newPod);
      }
    } else if (!this.wantsToSchedule(newPod)) {
      this.queue.delete(newPod);
      this.nominator.deleteNominatedPod(newPod);
    } else if (!this.cache.isAssumed(key)) {
      // An assumed pod is being bound; its pending copy's updates must not schedule it twice.
      this.nominator.updateFromPod(newPod, oldPod);
      this.queue.update(oldPod, newPod);
    }
  }

  deletePod(pod: Pod): void {
    if (isAssigned(pod)) {
      this.cache.removePod(podKey(pod));
      this.queue.moveAllToActiveOrBackoffQueue('AssignedPodDelete', pod);
    } else {
      this.queue.delete(pod);
      this.nominator.deleteNominatedPod(pod);
    }
  }

  addNode(node: Node): void {
    this.cache.addNode(node);
    this.queue.moveAllToActiveOrBackoffQueue('NodeAdd', undefined, node);
  }

  updateNode(oldNode: Node, newNode: Node): void {
    this.cache.updateNode(newNode);
    for (const e of nodeUpdateEvents(oldNode, newNode)) this.queue.moveAllToActiveOrBackoffQueue(e, oldNode, newNode);
  }

  deleteNode(node: Node): void {
    this.cache.removeNode(node.metadata?.name ?? '');
    this.queue.moveAllToActiveOrBackoffQueue('NodeDelete', node);
  }

  /** A PersistentVolumeClaim, PersistentVolume or StorageClass was added or changed: pods waiting for volumes may fit now. */
  volumeObjectChanged(event: 'PvcChange' | 'PvChange' | 'StorageClassChange'): void {
    this.queue.moveAllToActiveOrBackoffQueue(event);
  }

  // ---- the scheduling loop ----

  /** Schedules pods until stop(); resolves when stopped. */
  async run(): Promise<void> {
    this.queue.run();
    const cleanup = (): void => {
      if (this.stopped) return;
      this.cache.cleanupExpiredAssumedPods();
      this.cleanupTimer = this.clock.setTimer(cleanup, 1000);
    };
    this.cleanupTimer = this.clock.setTimer(cleanup, 1000);
    while (await this.scheduleOne()) {
      // Let informer events and bind responses in between cycles.
      await yieldToEventLoop();
    }
  }

  stop(): void {
    this.stopped = true;
    this.cleanupTimer?.cancel();
    this.queue.close();
  }

  /** Resolves when every bind started so far has finished (tests, shutdown). */
  async waitForBindings(): Promise<void> {
    while (this.bindings.size > 0) await Promise.allSettled([...this.bindings]);
  }

  /** One scheduling cycle: waits for a pending pod; false once the queue is closed. */
  async scheduleOne(): Promise<boolean> {
    while (this.bindings.size >= this.maxInFlightBindings) {
      await new Promise<void>((resolve) => this.bindingSlotWaiters.push(resolve));
    }
    const q = await this.queue.pop();
    if (!q) return false;
    this.schedulingCycle(q);
    return true;
  }

  private wantsToSchedule(pod: Pod): boolean {
    const name = pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME;
    return name === this.framework.schedulerName && !isTerminal(pod) && !isDeleting(pod);
  }

  private schedulingCycle(q: QueuedPodInfo): void {
    const pod = q.podInfo;
    const cycle = this.queue.schedulingCycle();
    if (isDeleting(pod.pod) || this.cache.isAssumed(pod.key)) {
      this.queue.done(pod.key);
      return;
    }
    const state = new CycleState();
    let assumed: PodInfo;
    try {
      assumed = pod.assignedTo(this.algorithm.schedulePod(this.framework, state, pod).nodeName);
      this.cache.assumePod(assumed);
    } catch (err) {
      if (err instanceof FitError) this.handleFitError(q, cycle, state, err);
      else this.handleFailure(q, cycle, err);
      this.queue.done(pod.key);
      return;
    }
    const reserved = this.framework.runReservePlugins(state, assumed, assumed.nodeName);
    if (!reserved.isSuccess()) {
      this.framework.runUnreservePlugins(state, assumed, assumed.nodeName);
      this.cache.forgetPod(assumed.key);
      this.handleFailure(q, cycle, new Error(`running Reserve plugin "${reserved.plugin}": ${reserved.message()}`));
      this.queue.done(pod.key);
      return;
    }
    const binding = this.bindingCycle(q, cycle, state, assumed).finally(() => {
      this.bindings.delete(binding);
      this.bindingSlotWaiters.shift()?.();
    });
    this.bindings.add(binding);
  }

  private async bindingCycle(q: QueuedPodInfo, cycle: number, state: CycleState, assumed: PodInfo): Promise<void> {
    const preBind = await this.framework.runPreBindPlugins(state, assumed, assumed.nodeName);
    const status = preBind.isSuccess() ? await this.framework.runBindPlugins(state, assumed, assumed.nodeName) : preBind;
    if (status.isSuccess()) {
      this.cache.finishBinding(assumed.key);
      log.debug({ pod: assumed.key, node: assumed.nodeName }, 'bound pod');
      this.emitEvent(assumed.pod, 'Normal', 'Scheduled', `Successfully assigned ${assumed.key} to ${assumed.nodeName}`);
    } else {
      this.framework.runUnreservePlugins(state, assumed, assumed.nodeName);
      this.cache.forgetPod(assumed.key);
      // The forgotten placement freed room that other pods may have been refused for.
      this.queue.moveAllToActiveOrBackoffQueue('AssignedPodDelete', assumed.pod);
      const err = preBind.isSuccess()
        ? new Error(`Binding rejected: running Bind plugin "${status.plugin}": ${status.message()}`)
        : new Error(`running PreBind plugin "${status.plugin}": ${status.message()}`);
      this.handleFailure(q, cycle, err);
    }
    this.queue.done(assumed.key);
  }

  /** No node fits: PostFilter (preemption) may make room and nominate a node for the pod. */
  private handleFitError(q: QueuedPodInfo, cycle: number, state: CycleState, err: FitError): void {
    const { result, status } = this.framework.runPostFilterPlugins(state, q.podInfo, err.diagnosis);
    const msg = status.message();
    if (result) this.nominator.addNominatedPod(q.podInfo.pod, result.nominatedNodeName);
    this.handleFailure(q, cycle, msg ? err.withPostFilterMessage(msg) : err, result?.nominatedNodeName);
  }

  /** Requeues the pod and reports why (event, PodScheduled=False, and a new nominatedNodeName if given). */
  private handleFailure(q: QueuedPodInfo, cycle: number, err: unknown, nominatedNodeName?: string): void {
    const key = q.podInfo.key;
    const fit = err instanceof FitError;
    const message = err instanceof Error ? err.message : String(err);
    this.queue.addUnschedulableIfNotPresent(key, cycle, {
      error: !fit,
      plugins: fit ? err.diagnosis.unschedulablePlugins : [],
    });
    const latest = this.queue.inFlightPod(key);
    if (!latest) return; // deleted or bound meanwhile: nothing left to report on
    const pod = latest.podInfo.pod;
    if (fit) log.debug({ pod: key, reason: message }, 'unable to schedule pod');
    else log.warn({ pod: key, err: message }, 'error scheduling pod');
    this.emitEvent(pod, 'Warning', 'FailedScheduling', message);
    const reason = fit ? 'Unschedulable' : 'SchedulerError';
    const nominationChanged = nominatedNodeName !== undefined && nominatedNodeName !== (pod.status?.nominatedNodeName ?? '');
    if (hasCondition(pod, reason, message) && !nominationChanged) return;
    const condition: PodCondition = {
      type: POD_SCHEDULED,
      status: 'False',
      reason,
      message,
      lastProbeTime: '',
      lastTransitionTime: new Date().toISOString(),
    };
    this.callBackend('set PodScheduled condition', key, () => this.backend.setPodCondition(pod, condition, nominationChanged ? nominatedNodeName : undefined));
  }

  private emitEvent(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.callBackend('record event', podKey(pod), () => this.backend.recordEvent(pod, type, reason, message));
  }

  /** Backend side effects other than bind are best effort: failures are logged, never thrown. */
  private callBackend(what: string, key: string, fn: () => void | Promise<void>): void {
    const fail = (e: unknown): void => log.warn({ pod: key, err: e instanceof Error ? e.message : String(e) }, `failed to ${what}`);
    try {
      fn()?.catch(fail);
    } catch (e) {
      fail(e);
    }
  }
}

/** The pod already says PodScheduled=False for this reason and message: skip a redundant write. */
function hasCondition(pod: Pod, reason: string, message: string): boolean {
  return (pod.status?.conditions ?? []).some(
    (c) => c.type === POD_SCHEDULED && c.status === 'False' && c.reason === reason && c.message === message,
  );
}
