// The CronJob controller against a real apiserver, on a wall clock and a work-queue clock the
// test advances minute by minute (a "* * * * *" schedule): Jobs named <cronjob>-<minutes> with
// the scheduled-timestamp annotation and owner, status.active/lastScheduleTime/lastSuccessfulTime,
// history pruning, Forbid, Replace and suspend, and the events Kubernetes records.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { CronJobs, Jobs } from '../../../lib/api/kinds';
import type { Clientset } from '../../../lib/client/clientset';
import { CronJob, Job } from '../../../lib/gen/kite/batch/v1/types';
import { Namespace } from '../../../lib/gen/kite/core/v1/types';
import { rfc3339 } from '../../../lib/util/time';
import { startControllerManager, type ControllerManager } from '../../../services/controller-manager/manager';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { FakeClock } from '../../support/fake-clock';
import { waitFor } from '../../support/wait';

describe('controller-manager cronjob (against a real apiserver, fake clock)', function () {
  this.timeout(60_000);
  let api: TestApiserver;
  let client: Clientset;
  let stop: AbortController;
  let cm: ControllerManager;
  let ns: string;
  let offset = 0;
  const clock = new FakeClock(1_000_000);
  const now = () => Date.now() + offset;

  before(async () => {
    api = await startTestApiserver();
    client = api.client();
    stop = new AbortController();
    cm = startControllerManager({ clientset: api.client(), controllers: ['cronjob'], options: { now, clock }, signal: stop.signal });
    assert.equal(await cm.synced, true);
  });

  after(async () => {
    stop?.abort();
    await cm?.done;
    await api?.stop();
  });

  beforeEach(async () => {
    ns = `cj-${randomBytes(3).toString('hex')}`;
    await client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
  });

  /** Moves both clocks to 5 s past the next minute; returns that minute (ms since the epoch). */
  const nextMinute = (): number => {
    const t = now();
    const minute = Math.floor(t / 60_000) * 60_000 + 60_000;
    const delta = minute + 5_000 - t;
    offset += delta;
    clock.step(delta);
    return minute;
  };

  const create = (name: string, spec: Record<string, unknown> = {}) =>
    client.resource(CronJobs).create(CronJob.fromPartial({
      metadata: { name, namespace: ns },
      spec: {
        schedule: '* * * * *',
        jobTemplate: { metadata: { labels: { app: name } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
        ...spec,
      },
    } as unknown as Parameters<typeof CronJob.fromPartial>[0]));
  const jobs = async () => (await client.resource(Jobs).list({ namespace: ns })).items.map((j) => j.metadata!.name).sort();
  const cronJob = (name: string) => client.resource(CronJobs).get(name, ns);
  const events = async (reason: string) => (await client.events.list({ namespace: ns })).items.filter((e) => e.reason === reason).map((e) => e.message);
  /** Waits for the controller to have started the Job of `minute`. */
  const started = (name: string, minute: number) =>
    waitFor(`job of ${new Date(minute).toISOString()}`, async () => {
      const cj = await cronJob(name);
      return cj.status?.lastScheduleTime === rfc3339(new Date(minute)) ? cj : undefined;
    });
  /** Marks a Job finished as the Job controller would. */
  const finish = async (jobName: string, type: 'Complete' | 'Failed') => {
    const j = await client.resource(Jobs).get(jobName, ns);
    const t = rfc3339(new Date(now()));
    const conditions = type === 'Complete'
      ? [{ type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: '', lastProbeTime: t, lastTransitionTime: t }, { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: '', lastProbeTime: t, lastTransitionTime: t }]
      : [{ type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: '', lastProbeTime: t, lastTransitionTime: t }, { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: '', lastProbeTime: t, lastTransitionTime: t }];
    j.status = Job.fromPartial({ status: { startTime: j.status?.startTime || t, completionTime: type === 'Complete' ? t : '', succeeded: type === 'Complete' ? 1 : 0, failed: type === 'Failed' ? 1 : 0, conditions } }).status;
    await client.resource(Jobs).updateStatus(j);
  };

  it('starts a Job each minute, tracks it, and keeps successfulJobsHistoryLimit finished ones', async () => {
    const cj = await create('tick', { successfulJobsHistoryLimit: 2 });
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      const minute = nextMinute();
      const name = `tick-${minute / 60_000}`;
      names.push(name);
      const s = await started('tick', minute);
      assert.deepEqual(s.status!.active.map((r) => r.name), [name]);
      const job = await client.resource(Jobs).get(name, ns);
      assert.equal(job.metadata!.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'], rfc3339(new Date(minute)));
      assert.deepEqual(job.metadata!.ownerReferences.map((r) => [r.kind, r.name, r.uid, r.controller]), [['CronJob', 'tick', cj.metadata!.uid, true]]);
      assert.equal(job.metadata!.labels.app, 'tick');
      await finish(name, 'Complete');
      await waitFor('completed job seen', async () => ((await cronJob('tick')).status!.active.length === 0 ? true : undefined));
    }
    await waitFor('history pruned to 2', async () => (JSON.stringify(await jobs()) === JSON.stringify(names.slice(2).sort()) ? true : undefined));
    assert.ok((await cronJob('tick')).status!.lastSuccessfulTime);
    assert.deepEqual((await events('SuccessfulDelete')).sort(), names.slice(0, 2).map((n) => `Deleted job ${n}`).sort());
    assert.equal((await events('SawCompletedJob')).length, 4);
  });

  it('Forbid skips a minute while the Job runs; Replace deletes the running Job and starts the next', async () => {
    await create('lock', { concurrencyPolicy: 'Forbid' });
    const first = nextMinute();
    await started('lock', first);
    nextMinute();
    await waitFor('JobAlreadyActive', async () => ((await events('JobAlreadyActive')).length > 0 ? true : undefined));
    assert.deepEqual(await jobs(), [`lock-${first / 60_000}`]);

    const cj = await cronJob('lock');
    cj.spec!.concurrencyPolicy = 'Replace';
    await client.resource(CronJobs).update(cj);
    const third = nextMinute();
    const s = await started('lock', third);
    assert.deepEqual(s.status!.active.map((r) => r.name), [`lock-${third / 60_000}`]);
    await waitFor('replaced', async () => (JSON.stringify(await jobs()) === JSON.stringify([`lock-${third / 60_000}`]) ? true : undefined));
    assert.deepEqual(await events('SuccessfulDelete'), [`Deleted job lock-${first / 60_000}`]);
  });

  it('starts nothing while suspended, and the next minute after resuming', async () => {
    await create('nap', { suspend: true });
    nextMinute();
    nextMinute();
    assert.deepEqual(await jobs(), []);
    const cj = await cronJob('nap');
    cj.spec!.suspend = false;
    await client.resource(CronJobs).update(cj);
    const s = await waitFor('resumed', async () => {
      const x = await cronJob('nap');
      return x.status?.active.length === 1 ? x : undefined;
    });
    // Resuming runs the most recent missed minute, as Kubernetes (no startingDeadlineSeconds).
    assert.equal(s.status!.lastScheduleTime, rfc3339(new Date(Math.floor(now() / 60_000) * 60_000)));
  });
});
