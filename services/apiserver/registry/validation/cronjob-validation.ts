// The CronJob's write path, as Kubernetes' pkg/apis/batch/v1 defaults (SetDefaults_CronJob) and
// pkg/apis/batch/validation (ValidateCronJobCreate, ValidateCronJobUpdate, ValidateJobTemplateSpec)
// do it, with their paths and messages: a standard cron schedule without TZ=/CRON_TZ= (the
// timeZone field names an IANA zone instead), a known concurrencyPolicy, non-negative limits and
// deadline, a Job template whose selector is generated, and names of at most 52 characters.
import type { FieldCause } from '../../../../lib/api/errors';
import { checkTimeZone, parseSchedule } from '../../../../lib/api/cron-schedule';
import type { CronJob, CronJobSpec, JobTemplateSpec } from '../../../../lib/gen/kite/batch/v1/types';
import { defaultPodSpec } from '../defaults';
import { validateJobSpec } from './job-validation';
import { validateMeta } from './validation';
import * as v from './validation-helpers';

/** DNS1035LabelMaxLength (63) less the 11 characters of the controller's "-<minutes>" suffix. */
const MAX_CRONJOB_NAME = 52;
/** validTimeZoneCharacters: each "/"-separated part of a time zone name. */
const TIME_ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** SetDefaults_CronJob, and the pod defaults of the Job template. */
export function defaultCronJob(cj: CronJob): void {
  const spec = cj.spec;
  if (!spec) return;
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  const podSpec = spec.jobTemplate?.spec?.template?.spec;
  if (podSpec) defaultPodSpec(podSpec);
}

/** ValidateCronJobCreate. */
export function validateCronJob(cj: CronJob): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, cj.metadata, true, 'subdomain');
  const name = cj.metadata?.name ?? '';
  if (name.length > MAX_CRONJOB_NAME) c.add('metadata.name', `Invalid value: ${JSON.stringify(name)}: must be no more than 52 characters`);
  validateCronJobSpec(c, cj.spec, undefined);
  return c.list;
}

/** ValidateCronJobUpdate: a schedule that already had TZ= may keep it. */
export function validateCronJobUpdate(cj: CronJob, old: CronJob): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, cj.metadata, true, 'subdomain');
  validateCronJobSpec(c, cj.spec, old.spec);
  return c.list;
}

function validateCronJobSpec(c: v.Causes, spec: CronJobSpec | undefined, oldSpec: CronJobSpec | undefined): void {
  if (!spec) {
    c.add('spec', 'Required value');
    return;
  }
  if (!spec.schedule) c.add('spec.schedule', 'Required value');
  else validateScheduleFormat(c, spec.schedule, !!oldSpec?.schedule.includes('TZ'), spec.timeZone);
  validateTimeZone(c, spec.timeZone);
  if (!spec.concurrencyPolicy) c.add('spec.concurrencyPolicy', 'Required value');
  else c.notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']);
  validateJobTemplateSpec(c, spec.jobTemplate, 'spec.jobTemplate');
  v.nonNegative(c, 'spec.successfulJobsHistoryLimit', spec.successfulJobsHistoryLimit);
  v.nonNegative(c, 'spec.failedJobsHistoryLimit', spec.failedJobsHistoryLimit);
  v.nonNegative(c, 'spec.startingDeadlineSeconds', spec.startingDeadlineSeconds);
}

function validateScheduleFormat(c: v.Causes, schedule: string, allowTZ: boolean, timeZone: string | undefined): void {
  const shown = JSON.stringify(schedule);
  try {
    parseSchedule(schedule);
  } catch (err) {
    c.add('spec.schedule', `Invalid value: ${shown}: ${(err as Error).message}`);
  }
  if (allowTZ && schedule.includes('TZ') && timeZone !== undefined) {
    c.add('spec.schedule', `Invalid value: ${shown}: cannot use both timeZone field and TZ or CRON_TZ in schedule`);
  } else if (!allowTZ && schedule.includes('TZ')) {
    c.add('spec.schedule', `Invalid value: ${shown}: cannot use TZ or CRON_TZ in schedule, use timeZone field instead`);
  }
}

function validateTimeZone(c: v.Causes, timeZone: string | undefined): void {
  if (timeZone === undefined) return;
  const shown = JSON.stringify(timeZone);
  if (timeZone === '') {
    c.add('spec.timeZone', `Invalid value: ${shown}: timeZone must be nil or non-empty string`);
    return;
  }
  for (const part of timeZone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TIME_ZONE_PART.test(part)) {
      c.add('spec.timeZone', `Invalid value: ${shown}: unknown time zone ${timeZone}`);
      return;
    }
  }
  if (timeZone.toLowerCase() === 'local') {
    c.add('spec.timeZone', `Invalid value: ${shown}: timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones`);
    return;
  }
  try {
    checkTimeZone(timeZone);
  } catch (err) {
    c.add('spec.timeZone', `Invalid value: ${shown}: ${(err as Error).message}`);
  }
}

/** ValidateJobTemplateSpec: the Job spec's rules; its selector is always generated. */
function validateJobTemplateSpec(c: v.Causes, template: JobTemplateSpec | undefined, path: string): void {
  const spec = template?.spec;
  if (!spec) {
    c.add(`${path}.spec.template`, 'Required value');
    return;
  }
  const inner = new v.Causes();
  validateJobSpec(inner, spec, `${path}.spec`);
  // The Job's own validation requires a selector; a template must not have one.
  for (const cause of inner.list) if (!(cause.field === `${path}.spec.selector` && cause.message === 'Required value')) c.list.push(cause);
  if (spec.selector) c.add(`${path}.spec.selector`, `Invalid value: ${JSON.stringify(spec.selector)}: \`selector\` will be auto-generated`);
  if (spec.manualSelector) c.add(`${path}.spec.manualSelector`, 'Unsupported value: true: supported values: "nil", "false"');
}
