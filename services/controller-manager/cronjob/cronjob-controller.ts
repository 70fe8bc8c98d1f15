// The CronJob controller, as Kubernetes' pkg/controller/cronjob/cronjob_controllerv2.go: for
// each CronJob it reconciles status.active and lastSuccessfulTime from the Jobs it owns, prunes
// finished Jobs beyond the history limits, and, unless suspended, creates the Job of the most
// recent unmet schedule time (named <cronjob>-<minutes since the epoch>, so a time is run once)
// within startingDeadlineSeconds and as concurrencyPolicy allows (Forbid skips while one is
// active, Replace deletes the active ones first). It requeues itself for the next schedule time.
import { isAlreadyExists, isNotFound } from '../../../lib/api/errors';
import { CronJobs, Jobs, objectKey, splitKey } from '../../../lib/api/kinds';
import { parseSchedule, checkTimeZone, type Schedule } from '../../../lib/api/cron-schedule';
import type { CronJob, Job } from '../../../lib/gen/kite/batch/v1/types';
import type { ObjectReference } from '../../../lib/gen/kite/core/v1/types';
import type { EventRecorder } from '../../../lib/events';
import type { Lister, SharedInformer } from '../../../lib/informer';
import type { ReconcileResult } from '../../../lib/workqueue';
import { jsonEqual } from '../../../lib/util/json';
import { rfc3339 } from '../../../lib/util/time';
import { isForbiddenTerminating } from '../common/errors';
import { getControllerOf } from '../common/controller-ref';
import { QueueController, type ControllerContext } from '../controller';
import {
  finishedCondition, formatRFC1123Z, jobFromTemplate, jobName, mostRecentScheduleTime,
  nextScheduleTimeDuration,
} from './cronjob-utils';

export interface CronJobControllerOptions {
  /** Concurrent syncs (--concurrent-cron-job-syncs). */
  workers: number;
}

export const DEFAULT_CRONJOB_OPTIONS: CronJobControllerOptions = { workers: 5 };

export class CronJobController extends QueueController<CronJobControllerOptions> {
  readonly name = 'cronjob';
  private readonly cjInformer: SharedInformer<CronJob>;
  private readonly jobInformer: SharedInformer<Job>;
  private readonly cjLister: Lister<CronJob>;
  private readonly jobLister: Lister<Job>;
  private readonly recorder: EventRecorder = this.ctx.recorder('cronjob-controller');

  constructor(ctx: ControllerContext, opts: Partial<CronJobControllerOptions> = {}) {
    super(ctx, 'cronjob-controller', DEFAULT_CRONJOB_OPTIONS, opts);
    this.cjInformer = ctx.informers.forKind(CronJobs);
    this.jobInformer = ctx.informers.forKind(Jobs);
    this.cjLister = this.cjInformer.lister();
    this.jobLister = this.jobInformer.lister();
    this.cjInformer.addEventHandler({
      onAdd: (cj) => this.queue.add(objectKey(cj)),
      onUpdate: (old, cj) => this.updateCronJob(old, cj),
      onDelete: (cj) => this.queue.add(objectKey(cj)),
    });
    const onJob = (job: Job) => this.enqueueOwner(job);
    this.jobInformer.addEventHandler({
      onAdd: onJob,
      onUpdate: (old, job) => {
        if (old.metadata!.resourceVersion === job.metadata!.resourceVersion) return;
        const oldRef = getControllerOf(old);
        if (oldRef && !jsonEqual(oldRef, getControllerOf(job))) this.enqueueOwner(old);
        this.enqueueOwner(job);
      },
      onDelete: onJob,
    });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.cjInformer, this.jobInformer];
  }

  private enqueueOwner(job: Job): void {
    const ref = getControllerOf(job);
    if (ref?.kind !== 'CronJob') return;
    const cj = this.cjLister.namespace(job.metadata!.namespace).get(ref.name);
    if (cj?.metadata?.uid === ref.uid) this.queue.add(objectKey(cj));
  }

  /** A changed schedule or time zone is looked at again at its next schedule time (updateCronJob). */
  private updateCronJob(old: CronJob, cj: CronJob): void {
    if (old.spec?.schedule !== cj.spec?.schedule || old.spec?.timeZone !== cj.spec?.timeZone) {
      try {
        const schedule = parseSchedule(cj.spec!.schedule, cj.spec?.timeZone);
        this.queue.addAfter(objectKey(cj), Math.max(0, nextScheduleTimeDuration(cj, this.ctx.now(), schedule)));
        return;
      } catch {
        // An unparseable schedule is reported by the sync.
      }
    }
    this.queue.add(objectKey(cj));
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const found = this.cjLister.get(key);
    if (!found) return;
    const { namespace } = splitKey(key);
    const uid = found.metadata!.uid;
    const jobs = this.jobLister.namespace(namespace).list().filter((j) => getControllerOf(j)?.uid === uid);
    const cj = structuredClone(found);
    cj.status ??= { active: [], lastScheduleTime: '', lastSuccessfulTime: '' };
    const cleaned = await this.cleanupFinishedJobs(cj, jobs);
    let requeueAfter: number | undefined;
    let synced = false;
    let syncError: unknown;
    try {
      ({ requeueAfter, updateStatus: synced } = await this.syncCronJob(cj, jobs));
    } catch (err) {
      syncError = err;
      synced = true;
    }
    if ((cleaned || synced) && !jsonEqual(cj.status, found.status)) {
      try {
        await this.ctx.client.resource(CronJobs).updateStatus(cj);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (requeueAfter !== undefined) return { requeueAfter: Math.max(1, requeueAfter) };
    if (syncError) throw syncError;
  }

  /** syncCronJob: reconciles status with the Jobs, then maybe starts the Job of the schedule time. */
  private async syncCronJob(cj: CronJob, jobs: Job[]): Promise<{ requeueAfter?: number; updateStatus: boolean }> {
    const now = this.ctx.now();
    const status = cj.status!;
    let updateStatus = false;
    const children = new Set<string>();
    for (const j of jobs) {
      const uid = j.metadata!.uid;
      children.add(uid);
      const active = status.active.some((r) => r.uid === uid);
      const finished = finishedCondition(j);
      if (!active && !finished) {
        const fresh = await this.getCronJob(cj);
        if (fresh?.status?.active.some((r) => r.uid === uid)) continue;
        this.recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata!.name}`);
      } else if (active && finished) {
        status.active = status.active.filter((r) => r.uid !== uid);
        this.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata!.name}, condition: ${finished}`);
        updateStatus = true;
      }
      if (finished === 'Complete' && j.status?.completionTime) {
        const completed = Date.parse(j.status.completionTime);
        if (!status.lastSuccessfulTime || completed > Date.parse(status.lastSuccessfulTime)) {
          status.lastSuccessfulTime = j.status.completionTime;
          updateStatus = true;
        }
      }
    }
    // An active reference whose Job is gone (and not just late in the cache) is dropped.
    for (const ref of [...status.active]) {
      if (children.has(ref.uid)) continue;
      try {
        await this.ctx.client.resource(Jobs).get(ref.name, ref.namespace);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        status.active = status.active.filter((r) => r.uid !== ref.uid);
        updateStatus = true;
      }
    }
    if (cj.metadata!.deletionTimestamp) return { updateStatus };

    const timeZone = cj.spec?.timeZone;
    if (timeZone !== undefined) {
      try {
        checkTimeZone(timeZone);
      } catch (err) {
        this.recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${timeZone}": ${(err as Error).message}`);
        return { updateStatus };
      }
    }
    if (cj.spec?.suspend) return { updateStatus };

    let schedule: Schedule;
    try {
      schedule = parseSchedule(cj.spec!.schedule, timeZone);
    } catch (err) {
      this.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec!.schedule}" : ${(err as Error).message}`);
      return { updateStatus };
    }
    let scheduled: number | undefined;
    try {
      scheduled = this.nextScheduleTime(cj, now, schedule);
    } catch (err) {
      this.recorder.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec!.schedule} : ${(err as Error).message}`);
      return { updateStatus };
    }
    const requeue = () => ({ requeueAfter: nextScheduleTimeDuration(cj, now, schedule), updateStatus });
    if (scheduled === undefined) return requeue();

    const deadline = cj.spec?.startingDeadlineSeconds;
    if (deadline !== undefined && scheduled + deadline * 1000 < now) {
      this.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatRFC1123Z(scheduled)}`);
      return requeue();
    }
    const name = jobName(cj, scheduled);
    if (status.active.some((r) => r.name === name) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === scheduled)) {
      return requeue();
    }
    const policy = cj.spec?.concurrencyPolicy || 'Allow';
    if (policy === 'Forbid' && status.active.length > 0) {
      this.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return requeue();
    }
    if (policy === 'Replace') {
      for (const ref of [...status.active]) {
        let job: Job;
        try {
          job = await this.ctx.client.resource(Jobs).get(ref.name, ref.namespace);
        } catch (err) {
          this.recorder.event(cj, 'Warning', 'FailedGet', `Get job: ${(err as Error).message}`);
          throw err;
        }
        if (!(await this.deleteJob(cj, job))) throw new Error(`could not replace job ${ref.namespace}/${ref.name}`);
        updateStatus = true;
      }
    }

    const request = jobFromTemplate(cj, scheduled);
    let created: Job;
    try {
      created = await this.ctx.client.resource(Jobs).create(request);
      this.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata!.name}`);
    } catch (err) {
      if (isForbiddenTerminating(err)) throw err;
      if (!isAlreadyExists(err)) {
        this.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
        throw err;
      }
      // Made by another actor (or by us before a restart): adopt it only if it is ours and not yet tracked.
      created = await this.ctx.client.resource(Jobs).get(name, cj.metadata!.namespace);
      if (getControllerOf(created)?.uid !== cj.metadata!.uid) return { updateStatus };
      if (status.active.some((r) => r.uid === created.metadata!.uid)) return { updateStatus };
    }
    status.active = [...status.active, jobRef(created)];
    status.lastScheduleTime = rfc3339(new Date(scheduled));
    updateStatus = true;
    return { requeueAfter: nextScheduleTimeDuration(cj, now, schedule), updateStatus };
  }

  /** nextScheduleTime: the unmet schedule time to start now, warning when too many were missed. */
  private nextScheduleTime(cj: CronJob, now: number, schedule: Schedule): number | undefined {
    const { mostRecent, missed } = mostRecentScheduleTime(cj, now, schedule, true);
    if (mostRecent === undefined || mostRecent > now) return undefined;
    if (missed === 'many') {
      this.recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    return mostRecent;
  }

  /** cleanupFinishedJobs: deletes the oldest finished Jobs beyond each history limit. */
  private async cleanupFinishedJobs(cj: CronJob, jobs: Job[]): Promise<boolean> {
    const successfulLimit = cj.spec?.successfulJobsHistoryLimit;
    const failedLimit = cj.spec?.failedJobsHistoryLimit;
    if (successfulLimit === undefined && failedLimit === undefined) return false;
    const successful = jobs.filter((j) => finishedCondition(j) === 'Complete');
    const failed = jobs.filter((j) => finishedCondition(j) === 'Failed');
    let updated = false;
    if (successfulLimit !== undefined && (await this.removeOldestJobs(cj, successful, successfulLimit))) updated = true;
    if (failedLimit !== undefined && (await this.removeOldestJobs(cj, failed, failedLimit))) updated = true;
    return updated;
  }

  private async removeOldestJobs(cj: CronJob, jobs: Job[], limit: number): Promise<boolean> {
    const surplus = jobs.length - limit;
    if (surplus <= 0) return false;
    let updated = false;
    for (const job of [...jobs].sort(byJobStartTime).slice(0, surplus)) {
      if (await this.deleteJob(cj, job)) updated = true;
    }
    return updated;
  }

  /** deleteJob: deletes a Job (its pods in the background) and its active reference. */
  private async deleteJob(cj: CronJob, job: Job): Promise<boolean> {
    const m = job.metadata!;
    try {
      await this.ctx.client.resource(Jobs).delete(m.name, { namespace: m.namespace, propagationPolicy: 'Background' });
    } catch (err) {
      if (!isNotFound(err)) {
        this.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
        return false;
      }
    }
    cj.status!.active = cj.status!.active.filter((r) => r.uid !== m.uid);
    this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${m.name}`);
    return true;
  }

  private async getCronJob(cj: CronJob): Promise<CronJob | undefined> {
    try {
      return await this.ctx.client.resource(CronJobs).get(cj.metadata!.name, cj.metadata!.namespace);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

/** byJobStartTime: oldest start first, Jobs not started last, ties by name. */
function byJobStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime ? Date.parse(a.status.startTime) : undefined;
  const sb = b.status?.startTime ? Date.parse(b.status.startTime) : undefined;
  if (sa === undefined && sb !== undefined) return 1;
  if (sa !== undefined && sb === undefined) return -1;
  if (sa !== undefined && sb !== undefined && sa !== sb) return sa - sb;
  return a.metadata!.name.localeCompare(b.metadata!.name);
}

/** getRef: the ObjectReference of a Job for status.active. */
function jobRef(job: Job): ObjectReference {
  const m = job.metadata!;
  return { kind: 'Job', namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: 'batch/v1', resourceVersion: m.resourceVersion, fieldPath: '' };
}
