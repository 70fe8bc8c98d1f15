// The CronJob controller as Kubernetes' cronjob_controllerv2 and utils.go, on a clock the test
// sets: the most recent unmet schedule time (missed starts, startingDeadlineSeconds, time zones,
// irregular schedules), and reconcile: Job creation with its name, annotation and owner, suspend,
// each concurrency policy, missed deadlines, status from the Jobs, history pruning, events.
import { strict as assert } from 'node:assert';
import { CronJobs, Jobs } from '../../../../lib/api/kinds';
import { parseSchedule } from '../../../../lib/api/cron-schedule';
import { CronJob, Job } from '../../../../lib/gen/kite/batch/v1/types';
import { CronJobController } from '../../../../services/controller-manager/cronjob/cronjob-controller';
import { jobFromTemplate, mostRecentScheduleTime, nextScheduleTimeDuration } from '../../../../services/controller-manager/cronjob/cronjob-utils';
import { preload, testContext, type TestContext } from '../support/context';
import { at, controllerRef, T0 } from '../support/fixtures';

const MIN = 60;
/** T0 (2024-01-01T00:00:00Z) in minutes since the epoch: the suffix of a Job scheduled at T0. */
const T0_MIN = T0 / 60_000;

function cronJob(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}, created = 0): CronJob {
  return CronJob.fromPartial({
    metadata: { name: 'hello', namespace: 'default', uid: 'cj-uid', creationTimestamp: at(created), resourceVersion: '1' },
    spec: {
      schedule: '* * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { app: 'hello' } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
    status: { active: [], lastScheduleTime: '', lastSuccessfulTime: '', ...status },
  } as unknown as Parameters<typeof CronJob.fromPartial>[0]);
}

function job(name: string, o: { finished?: 'Complete' | 'Failed'; started?: number; completed?: number; owner?: CronJob } = {}): Job {
  const owner = o.owner ?? cronJob();
  return Job.fromPartial({
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ownerReferences: [controllerRef(owner, CronJobs)], resourceVersion: '5' },
    status: {
      startTime: o.started === undefined ? '' : at(o.started),
      completionTime: o.completed === undefined ? '' : at(o.completed),
      conditions: o.finished ? [{ type: o.finished, status: 'True', reason: '', message: '', lastProbeTime: '', lastTransitionTime: '' }] : [],
    },
  } as Parameters<typeof Job.fromPartial>[0]);
}

const ref = (name: string) => ({ kind: 'Job', namespace: 'default', name, uid: `uid-${name}`, apiVersion: 'batch/v1', resourceVersion: '5', fieldPath: '' });
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('CronJob schedule times (mostRecentScheduleTime)', () => {
  const every = parseSchedule('* * * * *');

  it('has no unmet time before the first activation after creation', () => {
    const r = mostRecentScheduleTime(cronJob({}, {}, 30), T0 + 50_000, every, true);
    assert.equal(r.mostRecent, undefined);
    assert.equal(r.missed, 'none');
  });

  it('finds the one time due, then the latest of several missed ones', () => {
    assert.equal(iso(mostRecentScheduleTime(cronJob(), T0 + 70_000, every, true).mostRecent), '2024-01-01T00:01:00.000Z');
    const r = mostRecentScheduleTime(cronJob(), T0 + (5 * MIN + 30) * 1000, every, true);
    assert.equal(iso(r.mostRecent), '2024-01-01T00:05:00.000Z');
    assert.equal(r.missed, 'few');
  });

  it('counts starts from status.lastScheduleTime, not the creation time', () => {
    const r = mostRecentScheduleTime(cronJob({}, { lastScheduleTime: at(5 * MIN) }), T0 + (5 * MIN + 40) * 1000, every, true);
    assert.equal(r.mostRecent, undefined);
  });

  it('says many missed past 100 without walking every minute', () => {
    const r = mostRecentScheduleTime(cronJob(), T0 + 3 * 365 * 24 * 3600 * 1000, every, true);
    assert.equal(r.missed, 'many');
    assert.equal(iso(r.mostRecent), '2026-12-31T00:00:00.000Z');
  });

  it('looks back no further than startingDeadlineSeconds', () => {
    const cj = cronJob({ startingDeadlineSeconds: 90 });
    const r = mostRecentScheduleTime(cj, T0 + 500 * MIN * 1000, every, true);
    assert.equal(r.missed, 'few');
    assert.equal(iso(r.mostRecent), '2024-01-01T08:20:00.000Z');
    assert.equal(mostRecentScheduleTime(cj, T0 + 500 * MIN * 1000, every, false).missed, 'many');
  });

  it('is exact for irregular schedules (30 6-16/4 * * 1-5)', () => {
    const r = mostRecentScheduleTime(cronJob(), Date.parse('2024-01-05T15:00:00Z'), parseSchedule('30 6-16/4 * * 1-5'), true);
    assert.equal(iso(r.mostRecent), '2024-01-05T14:30:00.000Z');
  });

  it('evaluates the schedule in spec.timeZone', () => {
    const cj = cronJob({ schedule: '0 9 * * *', timeZone: 'America/New_York' });
    const ny = parseSchedule('0 9 * * *', 'America/New_York');
    const r = mostRecentScheduleTime(cj, Date.parse('2024-01-01T14:30:00Z'), ny, true);
    assert.equal(iso(r.mostRecent), '2024-01-01T14:00:00.000Z');
    assert.equal(mostRecentScheduleTime(cj, Date.parse('2024-01-01T13:59:00Z'), ny, true).mostRecent, undefined);
    const j = jobFromTemplate(cj, r.mostRecent!);
    assert.equal(j.metadata!.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2024-01-01T09:00:00-05:00');
  });

  it('requeues 100 ms after the next schedule time', () => {
    assert.equal(nextScheduleTimeDuration(cronJob(), T0 + 70_000, every), 50_100);
  });
});

describe('CronJobController.reconcile', () => {
  let ctx: TestContext;
  let c: CronJobController;
  beforeEach(() => {
    ctx = testContext();
    c = new CronJobController(ctx);
  });
  const setup = (cj: CronJob, ...jobs: Job[]) => {
    preload(ctx, CronJobs, cj);
    if (jobs.length > 0) preload(ctx, Jobs, ...jobs);
  };
  const status = () => ctx.client.tracked(CronJobs, 'default', 'hello')!.status!;

  it('creates the Job of the schedule time, owned and annotated, records it in status and requeues', async () => {
    const cj = cronJob({ jobTemplate: { metadata: { labels: { app: 'hello' }, annotations: { a: 'b' } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } } });
    setup(cj);
    ctx.setNow(MIN + 10);
    const result = await c.reconcile('default/hello');
    const name = `hello-${T0_MIN + 1}`;
    assert.deepEqual(ctx.client.summary(), [`create jobs default/${name}`, 'updateStatus cronjobs default/hello']);
    const created = ctx.client.calls[0].object as Job;
    assert.deepEqual(created.metadata!.labels, { app: 'hello' });
    assert.deepEqual(created.metadata!.annotations, { a: 'b', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2024-01-01T00:01:00Z' });
    assert.deepEqual(created.metadata!.ownerReferences, [controllerRef(cj, CronJobs)]);
    assert.equal(created.spec!.template!.spec!.containers[0]!.image, 'busybox');
    assert.deepEqual(status().active.map((r) => r.name), [name]);
    assert.equal(status().lastScheduleTime, '2024-01-01T00:01:00Z');
    assert.deepEqual(ctx.events.lines(), [`Normal SuccessfulCreate Created job ${name}`]);
    assert.deepEqual(result, { requeueAfter: 50_100 });
  });

  it('does not start a schedule time twice', async () => {
    setup(cronJob({}, { lastScheduleTime: at(MIN) }));
    ctx.setNow(MIN + 30);
    assert.deepEqual(await c.reconcile('default/hello'), { requeueAfter: 30_100 });
    assert.deepEqual(ctx.client.summary(), []);
  });

  it('starts nothing while suspended', async () => {
    setup(cronJob({ suspend: true }));
    ctx.setNow(10 * MIN);
    assert.equal(await c.reconcile('default/hello'), undefined);
    assert.deepEqual(ctx.client.summary(), []);
  });

  it('Forbid: skips while a Job is active (JobAlreadyActive)', async () => {
    const cj = cronJob({ concurrencyPolicy: 'Forbid' }, { active: [ref('hello-old')], lastScheduleTime: at(MIN) });
    setup(cj, job('hello-old', { owner: cj, started: MIN }));
    ctx.setNow(2 * MIN + 5);
    await c.reconcile('default/hello');
    assert.deepEqual(ctx.client.summary(), []);
    assert.deepEqual(ctx.events.lines(), ['Normal JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid']);
  });

  it('Allow: starts another Job beside the active one', async () => {
    const cj = cronJob({}, { active: [ref('hello-old')], lastScheduleTime: at(MIN) });
    setup(cj, job('hello-old', { owner: cj, started: MIN }));
    ctx.setNow(2 * MIN + 5);
    await c.reconcile('default/hello');
    assert.deepEqual(ctx.client.summary(), [`create jobs default/hello-${T0_MIN + 2}`, 'updateStatus cronjobs default/hello']);
    assert.deepEqual(status().active.map((r) => r.name), ['hello-old', `hello-${T0_MIN + 2}`]);
  });

  it('Replace: deletes the active Job, then starts the new one', async () => {
    const cj = cronJob({ concurrencyPolicy: 'Replace' }, { active: [ref('hello-old')], lastScheduleTime: at(MIN) });
    setup(cj, job('hello-old', { owner: cj, started: MIN }));
    ctx.setNow(2 * MIN + 5);
    await c.reconcile('default/hello');
    assert.deepEqual(ctx.client.summary(), ['delete jobs default/hello-old', `create jobs default/hello-${T0_MIN + 2}`, 'updateStatus cronjobs default/hello']);
    assert.equal(ctx.client.calls[0].options.propagationPolicy, 'Background');
    assert.deepEqual(status().active.map((r) => r.name), [`hello-${T0_MIN + 2}`]);
    assert.deepEqual(ctx.events.lines(), ['Normal SuccessfulDelete Deleted job hello-old', `Normal SuccessfulCreate Created job hello-${T0_MIN + 2}`]);
  });

  it('does not start late past startingDeadlineSeconds, and waits for the next time', async () => {
    setup(cronJob({ schedule: '0 * * * *', startingDeadlineSeconds: 10 }));
    ctx.setNow(3600 + 30);
    assert.deepEqual(await c.reconcile('default/hello'), { requeueAfter: 3570_100 });
    assert.deepEqual(ctx.client.summary(), []);
    ctx.setNow(3600 + 8);
    await c.reconcile('default/hello');
    assert.deepEqual(ctx.client.summary(), [`create jobs default/hello-${T0_MIN + 60}`, 'updateStatus cronjobs default/hello']);
  });

  it('warns of too many missed start times and still starts the latest', async () => {
    setup(cronJob());
    ctx.setNow(200 * MIN + 1);
    await c.reconcile('default/hello');
    assert.deepEqual(ctx.events.lines(), [
      'Warning TooManyMissedTimes too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
      `Normal SuccessfulCreate Created job hello-${T0_MIN + 200}`,
    ]);
  });

  it('drops finished Jobs from active, records lastSuccessfulTime (SawCompletedJob)', async () => {
    const cj = cronJob({}, { active: [ref('hello-a')], lastScheduleTime: at(MIN) });
    setup(cj, job('hello-a', { owner: cj, started: MIN, completed: MIN + 20, finished: 'Complete' }));
    ctx.setNow(MIN + 30);
    await c.reconcile('default/hello');
    assert.deepEqual(ctx.client.summary(), ['updateStatus cronjobs default/hello']);
    assert.deepEqual(status().active, []);
    assert.equal(status().lastSuccessfulTime, at(MIN + 20));
    assert.deepEqual(ctx.events.lines(), ['Normal SawCompletedJob Saw completed job: hello-a, condition: Complete']);
  });

  it('drops an active Job that went missing (MissingJob)', async () => {
    setup(cronJob({}, { active: [ref('hello-gone')], lastScheduleTime: at(MIN) }));
    ctx.setNow(MIN + 30);
    await c.reconcile('default/hello');
    assert.deepEqual(status().active, []);
    assert.deepEqual(ctx.events.lines(), ['Normal MissingJob Active job went missing: hello-gone']);
  });

  it('deletes the oldest finished Jobs beyond each history limit', async () => {
    const cj = cronJob({ successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 }, { lastScheduleTime: at(10 * MIN) });
    setup(
      cj,
      ...[1, 2, 3, 4].map((m) => job(`hello-ok${m}`, { owner: cj, started: m * MIN, completed: m * MIN + 5, finished: 'Complete' })),
      job('hello-bad1', { owner: cj, started: 5 * MIN, finished: 'Failed' }),
      job('hello-bad2', { owner: cj, started: 6 * MIN, finished: 'Failed' }),
      job('hello-running', { owner: cj, started: 7 * MIN }),
    );
    ctx.setNow(10 * MIN + 30);
    await c.reconcile('default/hello');
    assert.deepEqual(ctx.client.summary().filter((s) => s.startsWith('delete')), ['delete jobs default/hello-ok1', 'delete jobs default/hello-ok2', 'delete jobs default/hello-bad1']);
    assert.equal(status().lastSuccessfulTime, at(4 * MIN + 5));
  });

  it('reports an unexpected unfinished Job it owns but does not track (UnexpectedJob)', async () => {
    const cj = cronJob({}, { lastScheduleTime: at(MIN) });
    setup(cj, job('hello-stray', { owner: cj }));
    ctx.setNow(MIN + 30);
    await c.reconcile('default/hello');
    assert.deepEqual(ctx.events.lines(), ['Warning UnexpectedJob Saw a job that the controller did not create or forgot: hello-stray']);
  });
});
