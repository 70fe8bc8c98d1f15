// The CronJob's write path as Kubernetes' SetDefaults_CronJob and ValidateCronJobCreate /
// ValidateCronJobUpdate: the schedule parsed as robfig/cron's ParseStandard (five fields or a
// descriptor, TZ=/CRON_TZ= refused), timeZone from the IANA database, concurrencyPolicy, limits,
// the Job template and the 52-character name limit, with Kubernetes' paths and messages.
import assert from 'node:assert/strict';
import { CronJob } from '../../../../../lib/gen/kite/batch/v1/types';
import { defaultCronJob, validateCronJob, validateCronJobUpdate } from '../../../../../services/apiserver/registry/validation/cronjob-validation';

function cronJob(spec: Record<string, unknown> = {}, name = 'hello', restartPolicy = 'OnFailure'): CronJob {
  const cj = CronJob.fromPartial({
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: { spec: { template: { spec: { restartPolicy, containers: [{ name: 'hello', image: 'busybox' }] } } } },
      ...spec,
    },
  } as Parameters<typeof CronJob.fromPartial>[0]);
  defaultCronJob(cj);
  return cj;
}

const lines = (cj: CronJob) => validateCronJob(cj).map((c) => `${c.field}: ${c.message}`);

describe('CronJob defaults (SetDefaults_CronJob)', () => {
  it('defaults concurrencyPolicy Allow, suspend false, 3 successful and 1 failed Jobs kept', () => {
    const s = cronJob().spec!;
    assert.deepEqual([s.concurrencyPolicy, s.suspend, s.successfulJobsHistoryLimit, s.failedJobsHistoryLimit], ['Allow', false, 3, 1]);
    const kept = cronJob({ concurrencyPolicy: 'Forbid', suspend: true, successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 5 }).spec!;
    assert.deepEqual([kept.concurrencyPolicy, kept.suspend, kept.successfulJobsHistoryLimit, kept.failedJobsHistoryLimit], ['Forbid', true, 0, 5]);
  });
});

describe('CronJob validation (ValidateCronJobCreate)', () => {
  it('accepts standard schedules and the descriptors ParseStandard knows', () => {
    for (const schedule of ['* * * * *', '30 6-16/4 * * 1-5', '0 0 1 1 *', '@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']) {
      assert.deepEqual(lines(cronJob({ schedule })), [], schedule);
    }
  });

  it('refuses bad schedules with robfig/cron\'s messages', () => {
    assert.deepEqual(lines(cronJob({ schedule: '* * * *' })), ['spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: * * * *']);
    assert.deepEqual(lines(cronJob({ schedule: '0 * * * * *' })), ['spec.schedule: Invalid value: "0 * * * * *": expected exactly 5 fields, found 6: 0 * * * * *']);
    assert.deepEqual(lines(cronJob({ schedule: '@every-day' })), ['spec.schedule: Invalid value: "@every-day": unrecognized descriptor: @every-day']);
    assert.equal(lines(cronJob({ schedule: '61 * * * *' })).length, 1);
    assert.deepEqual(lines(cronJob({ schedule: '' })), ['spec.schedule: Required value']);
  });

  it('refuses TZ and CRON_TZ in the schedule on create, pointing at timeZone', () => {
    assert.deepEqual(lines(cronJob({ schedule: 'TZ=UTC 0 * * * *' })), ['spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
    assert.deepEqual(lines(cronJob({ schedule: 'CRON_TZ=Europe/Paris 0 * * * *' })), ['spec.schedule: Invalid value: "CRON_TZ=Europe/Paris 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
  });

  it('keeps an old TZ schedule on update, unless timeZone is set too', () => {
    const old = cronJob({ schedule: 'TZ=UTC 0 * * * *' });
    assert.deepEqual(validateCronJobUpdate(cronJob({ schedule: 'TZ=UTC 5 * * * *' }), old), []);
    assert.deepEqual(validateCronJobUpdate(cronJob({ schedule: 'TZ=UTC 5 * * * *', timeZone: 'UTC' }), old).map((c) => c.message), ['Invalid value: "TZ=UTC 5 * * * *": cannot use both timeZone field and TZ or CRON_TZ in schedule']);
  });

  it('validates timeZone against the IANA database', () => {
    assert.deepEqual(lines(cronJob({ timeZone: 'America/New_York' })), []);
    assert.deepEqual(lines(cronJob({ timeZone: 'Etc/UTC' })), []);
    assert.deepEqual(lines(cronJob({ timeZone: 'Mars/Olympus_Mons' })), ['spec.timeZone: Invalid value: "Mars/Olympus_Mons": unknown time zone Mars/Olympus_Mons']);
    assert.deepEqual(lines(cronJob({ timeZone: '' })), ['spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string']);
    assert.deepEqual(lines(cronJob({ timeZone: 'Local' })), ['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones']);
    assert.deepEqual(lines(cronJob({ timeZone: '../etc/passwd' })), ['spec.timeZone: Invalid value: "../etc/passwd": unknown time zone ../etc/passwd']);
  });

  it('checks concurrencyPolicy, the history limits and startingDeadlineSeconds', () => {
    assert.deepEqual(lines(cronJob({ concurrencyPolicy: 'Sometimes' })), ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']);
    assert.deepEqual(lines(cronJob({ successfulJobsHistoryLimit: -1, failedJobsHistoryLimit: -2, startingDeadlineSeconds: -3 })), [
      'spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
      'spec.failedJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0',
      'spec.startingDeadlineSeconds: Invalid value: -3: must be greater than or equal to 0',
    ]);
    assert.deepEqual(lines(cronJob({ startingDeadlineSeconds: 0 })), []);
  });

  it('validates the Job template: restartPolicy OnFailure or Never, no selector', () => {
    assert.deepEqual(lines(cronJob({}, 'hello', 'Never')), []);
    assert.deepEqual(lines(cronJob({}, 'hello', 'Always')), ['spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
    assert.deepEqual(lines(cronJob({}, 'hello', '')), ['spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
    const selected = cronJob();
    selected.spec!.jobTemplate!.spec!.selector = { matchLabels: { a: 'b' }, matchExpressions: [] };
    assert.ok(lines(selected).includes('spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"},"matchExpressions":[]}: `selector` will be auto-generated'));
  });

  it('limits names to 52 characters (63 less the controller\'s -<minutes> suffix)', () => {
    assert.deepEqual(lines(cronJob({}, 'a'.repeat(52))), []);
    assert.deepEqual(lines(cronJob({}, 'a'.repeat(53))), [`metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`]);
  });
});
