// The Job controller (Kubernetes' pkg/controller/job): runs each Job's pods to completion. It
// creates pods from the template up to spec.parallelism while completions remain, Indexed Jobs
// one per pending completion index; counts finished pods through the batch.kubernetes.io/job-tracking
// finalizer and status.uncountedTerminatedPods, so a pod is counted exactly once even across
// controller restarts; replaces failed pods after an exponential backoff until backoffLimit;
// applies the pod failure policy and activeDeadlineSeconds; for Indexed Jobs counts failures per
// index (backoffLimitPerIndex, maxFailedIndexes, status.failedIndexes) and evaluates the success
// policy; deletes active pods when suspended or finished; sets the conditions 1.32 sets:
// SuccessCriteriaMet then Complete, FailureTarget then Failed, Suspended. Jobs whose
// spec.managedBy names another controller are left alone.
import { isNotFound } from '../../../lib/api/errors';
import { Jobs, objectKey, Pods, splitKey } from '../../../lib/api/kinds';
import { isPodActive, isPodReady } from '../../../lib/api/pods';
import { type Selector } from '../../../lib/api/selectors';
import type { Job, JobCondition, JobStatus } from '../../../lib/gen/kite/batch/v1/types';
import { Pod } from '../../../lib/gen/kite/core/v1/types';
import type { EventRecorder } from '../../../lib/events';
import type { SharedInformer, Lister } from '../../../lib/informer';
import { jsonEqual } from '../../../lib/util/json';
import { rfc3339 } from '../../../lib/util/time';
import type { ReconcileResult } from '../../../lib/workqueue';
import { isForbiddenTerminating } from '../common/errors';
import { claimObjects, controllersSelecting, getControllerOf, resolveControllerRef, selectorOf, newControllerRef, recheckOwner, withControllerRef, withoutOwner } from '../common/controller-ref';
import { ControllerExpectations } from '../common/expectations';
import { QueueController, type ControllerContext } from '../controller';
import * as U from './job-utils';

export interface JobControllerOptions {
  /** Concurrent syncs (--concurrent-job-syncs). */
  workers: number;
  /** The first failure backoff, doubled per failure (Kubernetes' DefaultJobPodFailureBackOff, 10 s). */
  podFailureBackoffMs: number;
  /** The longest failure backoff (MaxJobPodFailureBackOff, 6 min). */
  maxPodFailureBackoffMs: number;
  /** Most pods created per sync (Kubernetes' MaxPodCreateDeletePerSync). */
  burst: number;
}

export const DEFAULT_JOB_OPTIONS: JobControllerOptions = {
  workers: 5,
  podFailureBackoffMs: U.DEFAULT_POD_FAILURE_BACKOFF_MS,
  maxPodFailureBackoffMs: U.MAX_POD_FAILURE_BACKOFF_MS,
  burst: 500,
};

/** Queue keys of pods whose Job is gone, to free them of the tracking finalizer. */
const ORPHAN = 'orphan-pod:';

export class JobController extends QueueController<JobControllerOptions> {
  readonly name = 'job';
  readonly expectations: ControllerExpectations;
  private readonly jobInformer: SharedInformer<Job>;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly jobLister: Lister<Job>;
  private readonly podLister: Lister<Pod>;
  private readonly recorder: EventRecorder = this.ctx.recorder('job-controller');
  /** Failures since the last success, per Job (Kubernetes' podBackoffStore). */
  private readonly backoff = new Map<string, U.BackoffRecord>();
  /** Pod UIDs whose finalizer this controller removed and its cache has not shown yet (finalizerExpectations). */
  private readonly finalizersRemoved = new Map<string, Set<string>>();

  constructor(ctx: ControllerContext, opts: Partial<JobControllerOptions> = {}) {
    super(ctx, 'job-controller', DEFAULT_JOB_OPTIONS, opts);
    this.expectations = new ControllerExpectations(() => ctx.now());
    this.jobInformer = ctx.informers.forKind(Jobs);
    this.podInformer = ctx.informers.forKind(Pods);
    this.jobLister = this.jobInformer.lister();
    this.podLister = this.podInformer.lister();
    this.jobInformer.addEventHandler({
      onAdd: (j) => this.queue.add(objectKey(j)),
      onUpdate: (_o, j) => this.queue.add(objectKey(j)),
      onDelete: (j) => {
        const key = objectKey(j);
        this.expectations.delete(key);
        this.backoff.delete(key);
        this.finalizersRemoved.delete(key);
        this.queue.add(key);
      },
    });
    this.podInformer.addEventHandler({
      onAdd: (p) => this.onPod(p, 'add'),
      onUpdate: (_o, p) => this.onPod(p, 'update'),
      onDelete: (p) => this.onPod(p, 'delete'),
    });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.jobInformer, this.podInformer];
  }

  private jobOf(pod: Pod): Job | undefined {
    return resolveControllerRef(this.jobLister, pod, 'Job');
  }

  private onPod(pod: Pod, what: 'add' | 'update' | 'delete'): void {
    const ref = getControllerOf(pod);
    const job = this.jobOf(pod);
    if (!job) {
      if (ref?.kind === 'Job' && what !== 'delete' && U.hasTrackingFinalizer(pod)) this.queue.add(ORPHAN + objectKey(pod));
      if (!ref && what !== 'delete') {
        for (const j of controllersSelecting(this.jobLister, pod)) this.queue.add(objectKey(j));
      }
      return;
    }
    const key = objectKey(job);
    if (what === 'add' && !pod.metadata!.deletionTimestamp) this.expectations.creationObserved(key);
    if (what === 'delete' || pod.metadata!.deletionTimestamp) this.expectations.deletionObserved(key, objectKey(pod));
    if (what === 'delete' || !U.hasTrackingFinalizer(pod)) this.finalizersRemoved.get(key)?.delete(pod.metadata!.uid);
    this.queue.add(key);
  }

  // ---------- reconcile ----------

  async reconcile(key: string): Promise<ReconcileResult | void> {
    if (key.startsWith(ORPHAN)) return this.freeOrphan(key.slice(ORPHAN.length));
    const job = this.jobLister.get(key);
    if (!job || !U.isManagedByJobController(job)) return;
    const selector = selectorOf(job);
    if (!selector || selector.empty()) return;
    const { namespace } = splitKey(key);
    const pods = await this.claimPods(job, selector, this.podLister.namespace(namespace).list());
    // A finished or deleted Job keeps no pod: its finalizers go.
    if (U.isJobFinished(job) || job.metadata!.deletionTimestamp) {
      this.backoff.delete(key);
      await this.removeFinalizers(key, pods.filter(U.hasTrackingFinalizer));
      return;
    }
    return this.syncJob(key, job, pods);
  }

  private async freeOrphan(podKey: string): Promise<void> {
    const { namespace, name } = splitKey(podKey);
    const pod = this.podLister.namespace(namespace).get(name);
    if (!pod || !U.hasTrackingFinalizer(pod) || this.jobOf(pod)) return;
    await this.removeFinalizers(podKey, [pod]);
  }

  private async claimPods(job: Job, selector: Selector, pods: Pod[]): Promise<Pod[]> {
    const client = this.ctx.client.resource(Pods);
    const { claimed, errors } = await claimObjects({
      owner: job,
      selector,
      candidates: pods,
      canAdopt: () => recheckOwner(() => this.ctx.client.resource(Jobs).get(job.metadata!.name, job.metadata!.namespace), job, 'Job'),
      adopt: (pod) => client.update(withControllerRef(pod, job, Jobs)),
      release: (pod) => client.update(withoutOwner(pod, job.metadata!.uid)),
    });
    if (errors.length > 0) throw errors[0];
    return claimed;
  }

  private async syncJob(key: string, job: Job, pods: Pod[]): Promise<ReconcileResult | void> {
    const now = this.ctx.now();
    const spec = job.spec!;
    const indexed = spec.completionMode === 'Indexed';
    const completions = spec.completions;
    const status: JobStatus = structuredClone(job.status!);
    const uncounted = (status.uncountedTerminatedPods ??= { succeeded: [], failed: [] });
    const removed = this.finalizersRemoved.get(key) ?? new Set<string>();
    const tracked = (p: Pod) => U.hasTrackingFinalizer(p) && !removed.has(p.metadata!.uid);

    // Finished pods not yet recorded: their UIDs (Indexed: their indexes) go to the status first.
    const inUncounted = new Set([...uncounted.succeeded, ...uncounted.failed]);
    const completed = indexed ? U.parseIndexes(status.completedIndexes, completions ?? 0) : new Set<number>();
    const newSucceeded: Pod[] = [];
    const newFailed: Pod[] = [];
    const finishedTracked: Pod[] = [];
    let failJobMessage: string | undefined;
    for (const p of pods) {
      if (!tracked(p)) continue;
      const uid = p.metadata!.uid;
      const succeeded = p.status?.phase === 'Succeeded';
      const failed = !succeeded && U.isPodFailed(p, job);
      if (!succeeded && !failed) continue;
      finishedTracked.push(p);
      if (inUncounted.has(uid)) continue;
      if (succeeded) {
        newSucceeded.push(p);
        const ix = U.completionIndex(p);
        if (!indexed) uncounted.succeeded.push(uid);
        else if (ix !== undefined && ix < (completions ?? 0)) completed.add(ix);
        continue;
      }
      const match = U.matchPodFailurePolicy(job, p);
      if (match?.action === 'Ignore') continue;
      if (match?.action === 'FailJob') failJobMessage ??= match.message;
      uncounted.failed.push(uid);
      newFailed.push(p);
    }
    if (indexed) status.completedIndexes = U.formatIndexes(completed);
    const perIndex = indexed && spec.backoffLimitPerIndex !== undefined;
    const failedIndexes = perIndex ? U.parseIndexes(status.failedIndexes, completions ?? 0) : new Set<number>();
    if (perIndex) {
      for (const p of pods) {
        const ix = U.completionIndex(p);
        if (tracked(p) && ix !== undefined && ix < (completions ?? 0) && U.isIndexFailed(job, p)) failedIndexes.add(ix);
      }
      status.failedIndexes = U.formatIndexes(failedIndexes);
    }
    const record = U.nextBackoffRecord(this.backoff.get(key) ?? { failuresAfterLastSuccess: 0 }, newSucceeded, newFailed, now);
    this.backoff.set(key, record);

    const succeeded = indexed ? completed.size : status.succeeded + uncounted.succeeded.length;
    const failed = status.failed + uncounted.failed.length;
    let active = pods.filter(isPodActive);
    let terminating = pods.filter(U.isPodTerminating).length;
    const events: [string, string, string][] = [];
    let requeueAfter: number | undefined;

    if (!spec.suspend && !status.startTime) status.startTime = rfc3339(new Date(now));
    const finished = this.finishedCondition(job, status, { failJobMessage, failed, succeeded, completed, failedIndexes: perIndex ? failedIndexes : undefined, active: active.length, now });
    // The last failed pod of each index waiting for its replacement keeps its finalizer (and so
    // its failure count) until that replacement exists (getPodsWithDelayedDeletionPerIndex).
    const awaitingReplacement = perIndex && !finished ? this.lastFailedPerIndex(job, pods.filter(tracked), active, completed, failedIndexes) : new Map<number, Pod>();
    if (finished?.interim) status.conditions = U.ensureCondition(status.conditions, finished.interim);
    const needsSync = this.expectations.satisfied(key);

    if (finished) {
      const deleted = await this.deletePods(job, active);
      terminating += deleted.length;
      active = active.filter((p) => !deleted.includes(p));
    } else if (spec.suspend) {
      const before = status.conditions;
      status.conditions = U.ensureCondition(status.conditions, U.newCondition('Suspended', 'True', 'JobSuspended', 'Job suspended', now));
      if (before !== status.conditions) events.push(['Normal', 'Suspended', 'Job suspended']);
      const deleted = await this.deletePods(job, active);
      terminating += deleted.length;
      active = active.filter((p) => !deleted.includes(p));
    } else {
      if (U.findCondition(job, 'Suspended')) {
        status.conditions = U.ensureCondition(status.conditions, U.newCondition('Suspended', 'False', 'JobResumed', 'Job resumed', now));
        status.startTime = rfc3339(new Date(now));
        events.push(['Normal', 'Resumed', 'Job resumed']);
      }
      if (needsSync) {
        const managed = await this.manageJob(job, active, succeeded, completed, terminating, record, now, { failedIndexes, awaitingReplacement });
        active = managed.active;
        terminating += managed.deleted;
        requeueAfter = managed.requeueAfter;
      }
      const deadline = spec.activeDeadlineSeconds;
      if (deadline !== undefined && status.startTime) {
        const left = Date.parse(status.startTime) + deadline * 1000 - now;
        requeueAfter = Math.min(requeueAfter ?? Infinity, Math.max(left, 0) + 1000);
      }
    }

    status.active = active.length;
    status.ready = active.filter(isPodReady).length;
    status.terminating = terminating;

    // Record the newly finished pods before their finalizers go, then count them.
    const delayed = new Set([...awaitingReplacement.values()].filter((p) => !active.some((a) => U.completionIndex(a) === U.completionIndex(p))));
    const toFree = finishedTracked.filter((p) => !removed.has(p.metadata!.uid) && !delayed.has(p));
    let current = job;
    if (toFree.length > 0 && !jsonEqual(status, job.status)) current = await this.writeStatus(current, status);
    const freed = new Set((await this.removeFinalizers(key, toFree)).map((p) => p.metadata!.uid));
    const byUid = new Map(pods.map((p) => [p.metadata!.uid, p]));
    const countable = (uid: string) => freed.has(uid) || !byUid.has(uid) || !U.hasTrackingFinalizer(byUid.get(uid)!) || removed.has(uid);
    const nowCounted = { succeeded: uncounted.succeeded.filter(countable), failed: uncounted.failed.filter(countable) };
    status.succeeded = indexed ? completed.size : status.succeeded + nowCounted.succeeded.length;
    status.failed += nowCounted.failed.length;
    status.uncountedTerminatedPods = {
      succeeded: uncounted.succeeded.filter((u) => !countable(u)),
      failed: uncounted.failed.filter((u) => !countable(u)),
    };

    // The terminal condition waits for every pod to be counted and gone.
    const allCounted = status.uncountedTerminatedPods.succeeded.length + status.uncountedTerminatedPods.failed.length === 0;
    if (finished && allCounted && terminating === 0 && active.length === 0) {
      status.conditions = U.ensureCondition(status.conditions, finished.terminal);
      if (finished.terminal.type === 'Complete') {
        status.completionTime = finished.terminal.lastTransitionTime;
        events.push(['Normal', 'Completed', 'Job completed']);
      } else events.push(['Warning', finished.terminal.reason, finished.terminal.message]);
      requeueAfter = undefined;
    }
    if (!jsonEqual(status, current.status)) current = await this.writeStatus(current, status);
    for (const [type, reason, message] of events) this.recorder.event(job, type as 'Normal' | 'Warning', reason, message);
    if (requeueAfter !== undefined && Number.isFinite(requeueAfter)) return { requeueAfter };
  }

  /**
   * The condition the Job is heading to, if it is done: a FailureTarget or SuccessCriteriaMet
   * already recorded leads to Failed or Complete; otherwise a FailJob rule, the backoff limit,
   * the deadline or enough successes set that interim condition now.
   */
  private finishedCondition(
    job: Job,
    status: JobStatus,
    s: { failJobMessage?: string; failed: number; succeeded: number; completed: Set<number>; failedIndexes?: Set<number>; active: number; now: number },
  ): { interim?: JobCondition; terminal: JobCondition } | undefined {
    const spec = job.spec!;
    const target = U.findCondition(job, 'FailureTarget');
    if (target) return { terminal: U.newCondition('Failed', 'True', target.reason, target.message, s.now) };
    const met = U.findCondition(job, 'SuccessCriteriaMet');
    if (met) return { terminal: U.newCondition('Complete', 'True', met.reason, met.message, s.now) };
    const fail = (reason: string, message: string) => ({
      interim: U.newCondition('FailureTarget', 'True', reason, message, s.now),
      terminal: U.newCondition('Failed', 'True', reason, message, s.now),
    });
    if (s.failJobMessage) return fail('PodFailurePolicy', s.failJobMessage);
    if (s.failed > (spec.backoffLimit ?? 6)) return fail('BackoffLimitExceeded', 'Job has reached the specified backoff limit');
    const deadline = spec.activeDeadlineSeconds;
    if (!spec.suspend && deadline !== undefined && status.startTime && s.now - Date.parse(status.startTime) >= deadline * 1000) {
      return fail('DeadlineExceeded', 'Job was active longer than specified deadline');
    }
    const failedIndexes = s.failedIndexes?.size ?? 0;
    if (spec.maxFailedIndexes !== undefined && failedIndexes > spec.maxFailedIndexes) {
      return fail('MaxFailedIndexesExceeded', 'Job has exceeded the specified maximal number of failed indexes');
    }
    if (failedIndexes > 0 && failedIndexes + s.completed.size >= (spec.completions ?? 0)) return fail('FailedIndexes', 'Job has failed indexes');
    const policy = spec.completionMode === 'Indexed' ? U.matchSuccessPolicy(job, s.completed) : undefined;
    if (policy) {
      return {
        interim: U.newCondition('SuccessCriteriaMet', 'True', 'SuccessPolicy', policy, s.now),
        terminal: U.newCondition('Complete', 'True', 'SuccessPolicy', policy, s.now),
      };
    }
    const complete = spec.completions === undefined ? s.succeeded > 0 && s.active === 0 : s.succeeded >= spec.completions;
    if (complete) {
      const message = 'Reached expected number of succeeded pods';
      return {
        interim: U.newCondition('SuccessCriteriaMet', 'True', 'CompletionsReached', message, s.now),
        terminal: U.newCondition('Complete', 'True', 'CompletionsReached', message, s.now),
      };
    }
    return undefined;
  }

  /** manageJob: deletes pods beyond what is wanted, creates the missing ones once the backoff has passed. */
  private async manageJob(
    job: Job,
    active: Pod[],
    succeeded: number,
    completed: Set<number>,
    terminating: number,
    record: U.BackoffRecord,
    now: number,
    perIndex: { failedIndexes: Set<number>; awaitingReplacement: Map<number, Pod> },
  ): Promise<{ active: Pod[]; deleted: number; requeueAfter?: number }> {
    const spec = job.spec!;
    const key = objectKey(job);
    const parallelism = spec.parallelism ?? 1;
    const indexed = spec.completionMode === 'Indexed';
    const { failedIndexes, awaitingReplacement } = perIndex;
    let wantActive: number;
    if (spec.completions === undefined) wantActive = succeeded > 0 ? active.length : parallelism;
    else wantActive = Math.max(0, Math.min(spec.completions - succeeded - failedIndexes.size, parallelism));

    // Indexed: pods of completed, failed, out-of-range or duplicate indexes go first.
    let excess: Pod[] = [];
    if (indexed) {
      const seen = new Set<number>();
      for (const p of active) {
        const ix = U.completionIndex(p);
        if (ix === undefined || ix >= (spec.completions ?? 0) || completed.has(ix) || failedIndexes.has(ix) || seen.has(ix)) excess.push(p);
        else seen.add(ix);
      }
    }
    const kept = active.filter((p) => !excess.includes(p));
    if (kept.length > wantActive) excess = [...excess, ...kept.slice(wantActive)];
    if (excess.length > 0) {
      const deleted = await this.deletePods(job, excess);
      return { active: active.filter((p) => !deleted.includes(p)), deleted: deleted.length };
    }

    let diff = wantActive - active.length;
    if (U.onlyReplaceFailedPods(job)) diff -= terminating;
    if (diff <= 0) return { active, deleted: 0 };
    const usesPerIndexBackoff = indexed && spec.backoffLimitPerIndex !== undefined;
    const wait = usesPerIndexBackoff ? 0 : U.remainingBackoff(record, now, this.opts.podFailureBackoffMs, this.opts.maxPodFailureBackoffMs);
    if (wait > 0) return { active, deleted: 0, requeueAfter: wait };
    diff = Math.min(diff, this.opts.burst);
    let indexes = indexed ? U.firstPendingIndexes(spec.completions ?? 0, new Set([...completed, ...failedIndexes]), active, diff) : [];
    // backoffLimitPerIndex: each index waits out its own backoff since its last failure.
    let requeueAfter: number | undefined;
    if (usesPerIndexBackoff) {
      indexes = indexes.filter((ix) => {
        const last = awaitingReplacement.get(ix);
        if (!last) return true;
        const left = U.remainingBackoff(
          { failuresAfterLastSuccess: U.indexAbsoluteFailureCount(last) + 1, lastFailureTime: U.finishedTime(last, now) },
          now,
          this.opts.podFailureBackoffMs,
          this.opts.maxPodFailureBackoffMs,
        );
        if (left > 0) requeueAfter = Math.min(requeueAfter ?? Infinity, left);
        return left === 0;
      });
    }
    const n = indexed ? indexes.length : diff;
    this.expectations.expectCreations(key, n);
    const created: Pod[] = [];
    let error: unknown;
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        try {
          const pod = await this.createPod(job, indexed ? indexes[i] : undefined, usesPerIndexBackoff ? awaitingReplacement.get(indexes[i]) : undefined);
          if (pod) created.push(pod);
          else this.expectations.creationObserved(key);
        } catch (err) {
          this.expectations.creationObserved(key);
          error ??= err;
        }
      }),
    );
    if (error) throw error;
    return { active: [...active, ...created], deleted: 0, requeueAfter };
  }

  /** The newest failed pod (most failures, then latest) of each index neither done nor running. */
  private lastFailedPerIndex(job: Job, tracked: Pod[], active: Pod[], completed: Set<number>, failedIndexes: Set<number>): Map<number, Pod> {
    const running = new Set(active.map(U.completionIndex));
    const now = this.ctx.now();
    const out = new Map<number, Pod>();
    for (const p of tracked) {
      const ix = U.completionIndex(p);
      if (ix === undefined || ix >= (job.spec!.completions ?? 0) || !U.isPodFailed(p, job)) continue;
      if (completed.has(ix) || failedIndexes.has(ix) || running.has(ix)) continue;
      const prev = out.get(ix);
      if (!prev || (U.indexAbsoluteFailureCount(prev) <= U.indexAbsoluteFailureCount(p) && U.finishedTime(p, now) >= U.finishedTime(prev, now))) out.set(ix, p);
    }
    return out;
  }

  private async createPod(job: Job, index: number | undefined, replaced?: Pod): Promise<Pod | undefined> {
    const template = job.spec!.template!;
    const name = job.metadata!.name;
    const pod = Pod.fromPartial({
      metadata: {
        generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
        namespace: job.metadata!.namespace,
        labels: { ...template.metadata?.labels },
        annotations: { ...template.metadata?.annotations },
        finalizers: [...(template.metadata?.finalizers ?? []), U.JOB_TRACKING_FINALIZER],
        ownerReferences: [newControllerRef(job, Jobs)],
      },
      spec: structuredClone(template.spec ?? {}),
    });
    if (index !== undefined) {
      if (job.spec!.backoffLimitPerIndex !== undefined) Object.assign(pod.metadata!.annotations, U.replacementFailureAnnotations(job, replaced));
      pod.metadata!.annotations[U.COMPLETION_INDEX_ANNOTATION] = String(index);
      pod.metadata!.labels[U.COMPLETION_INDEX_ANNOTATION] = String(index);
      const spec = pod.spec!;
      if (!spec.hostname) spec.hostname = U.podHostname(name, index);
      const env = { name: U.COMPLETION_INDEX_ENV, value: '', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${U.COMPLETION_INDEX_ANNOTATION}']` } } };
      for (const c of [...spec.initContainers, ...spec.containers]) {
        if (!c.env.some((e) => e.name === U.COMPLETION_INDEX_ENV)) c.env.push(structuredClone(env));
      }
    }
    try {
      const created = await this.ctx.client.resource(Pods).create(pod);
      this.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata!.name}`);
      return created;
    } catch (err) {
      if (isForbiddenTerminating(err)) return undefined;
      this.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  /** deleteJobPods: each pod loses its tracking finalizer (it is not counted), then is deleted. */
  private async deletePods(job: Job, pods: Pod[]): Promise<Pod[]> {
    const key = objectKey(job);
    this.expectations.expectDeletions(key, pods.map(objectKey));
    const deleted: Pod[] = [];
    let error: unknown;
    await Promise.all(
      pods.map(async (pod) => {
        const m = pod.metadata!;
        try {
          await this.removeFinalizers(key, U.hasTrackingFinalizer(pod) ? [pod] : [], true);
          await this.ctx.client.resource(Pods).delete(m.name, { namespace: m.namespace });
          this.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${m.name}`);
          deleted.push(pod);
        } catch (err) {
          this.expectations.deletionObserved(key, objectKey(pod));
          if (isNotFound(err)) {
            deleted.push(pod);
            return;
          }
          this.recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
          error ??= err;
        }
      }),
    );
    if (error) throw error;
    return deleted;
  }

  /** Removes the tracking finalizer (a strategic-merge patch as Kubernetes sends); returns the pods freed. */
  private async removeFinalizers(key: string, pods: Pod[], throwErrors = false): Promise<Pod[]> {
    const freed: Pod[] = [];
    let error: unknown;
    const patch = { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [U.JOB_TRACKING_FINALIZER] } };
    await Promise.all(
      pods.map(async (pod) => {
        try {
          await this.ctx.client.resource(Pods).patch(pod.metadata!.name, patch, { namespace: pod.metadata!.namespace, type: 'strategic' });
          freed.push(pod);
        } catch (err) {
          if (isNotFound(err)) freed.push(pod);
          else error ??= err;
        }
      }),
    );
    if (freed.length > 0) {
      const set = this.finalizersRemoved.get(key) ?? new Set<string>();
      for (const p of freed) set.add(p.metadata!.uid);
      this.finalizersRemoved.set(key, set);
    }
    if (error && (throwErrors || freed.length === 0)) throw error;
    return freed;
  }

  private async writeStatus(job: Job, status: JobStatus): Promise<Job> {
    const next = structuredClone(job);
    next.status = structuredClone(status);
    return this.ctx.client.resource(Jobs).updateStatus(next);
  }
}

