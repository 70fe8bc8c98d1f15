// The CronJob controller's pure helpers, as Kubernetes' pkg/controller/cronjob/utils.go: the
// most recent unmet schedule time (mostRecentScheduleTime, with its count of missed starts),
// the delay until the next one, the Job a schedule time makes (getJobFromTemplate2) and the
// Job conditions that say it finished.
import { type CronJob, Job } from '../../../lib/gen/kite/batch/v1/types';
import { CronJobs } from '../../../lib/api/kinds';
import { formatRFC3339In, type Schedule } from '../../../lib/api/cron-schedule';
import { newControllerRef } from '../common/controller-ref';

/** Annotation with the scheduled time of a Job a CronJob made (batchv1.CronJobScheduledTimestampAnnotation). */
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** Kubernetes' nextScheduleDelta: requeue a little after the schedule time. */
export const NEXT_SCHEDULE_DELTA_MS = 100;
/** More missed starts than this and the controller warns (TooManyMissedTimes). */
const MANY_MISSED = 100;

export type MissedSchedules = 'none' | 'few' | 'many';

export interface MostRecent {
  /** The time the search started from: last schedule, creation, or the starting deadline. */
  earliest: number;
  /** The latest schedule time at or before now, if any since `earliest`. */
  mostRecent?: number;
  missed: MissedSchedules;
}

/**
 * mostRecentScheduleTime: the latest schedule time in (earliest, now], where earliest is
 * status.lastScheduleTime or the creation time, moved up to now - startingDeadlineSeconds when
 * `includeStartingDeadline`. Counts missed starts by the interval of the first two activations,
 * so a clock off by decades costs no loop over every minute. Throws when two activations are
 * less than a second apart (an impossible schedule).
 */
export function mostRecentScheduleTime(cj: CronJob, now: number, schedule: Schedule, includeStartingDeadline: boolean): MostRecent {
  let earliest = Date.parse(cj.status?.lastScheduleTime || cj.metadata?.creationTimestamp || '') || 0;
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (includeStartingDeadline && deadline !== undefined) {
    const schedulingDeadline = now - deadline * 1000;
    if (schedulingDeadline > earliest) earliest = schedulingDeadline;
  }
  const t1 = schedule.next(earliest);
  const t2 = schedule.next(t1);
  if (now < t1) return { earliest, missed: 'none' };
  if (now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) throw new Error('time difference between two schedules is less than 1 second');
  const elapsed = Math.trunc((now - t1) / 1000);
  const missedCount = Math.trunc(elapsed / between) + 1;
  // Start two intervals before the estimate so irregular schedules (30 6-16/4 * * 1-5) are exact.
  const potentialEarliest = t1 + (missedCount - 2) * between * 1000;
  let mostRecent: number | undefined;
  for (let t = schedule.next(potentialEarliest); t <= now; t = schedule.next(t)) mostRecent = t;
  const missed: MissedSchedules = missedCount > MANY_MISSED ? 'many' : 'few';
  return { earliest, mostRecent, missed };
}

/** Milliseconds from `now` until the next schedule time after the most recent one (plus the delta). */
export function nextScheduleTimeDuration(cj: CronJob, now: number, schedule: Schedule): number {
  let from: number;
  try {
    const r = mostRecentScheduleTime(cj, now, schedule, false);
    from = r.mostRecent ?? r.earliest;
  } catch {
    return 0;
  }
  return schedule.next(from) + NEXT_SCHEDULE_DELTA_MS - now;
}

/** getJobName: `<cronjob>-<scheduled time in minutes since the epoch>`, a lock against doubles. */
export function jobName(cj: CronJob, scheduledTime: number): string {
  return `${cj.metadata!.name}-${Math.floor(scheduledTime / 60_000)}`;
}

/** getJobFromTemplate2: the Job for one schedule time, owned by the CronJob. */
export function jobFromTemplate(cj: CronJob, scheduledTime: number): Job {
  const template = cj.spec?.jobTemplate;
  return Job.fromPartial({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj, scheduledTime),
      namespace: cj.metadata!.namespace,
      labels: { ...template?.metadata?.labels },
      annotations: {
        ...template?.metadata?.annotations,
        [SCHEDULED_TIMESTAMP_ANNOTATION]: formatRFC3339In(scheduledTime, cj.spec?.timeZone || 'UTC'),
      },
      ownerReferences: [newControllerRef(cj, CronJobs)],
    },
    spec: structuredClone(template?.spec),
  });
}

/** The type of a Job's Complete or Failed condition that is True, if it has finished. */
export function finishedCondition(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

/** Go's time.RFC1123Z in UTC ("Mon, 02 Jan 2006 15:04:05 +0000"), for the MissSchedule event. */
export function formatRFC1123Z(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}
