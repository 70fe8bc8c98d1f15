// `describe cronjob` as kubectl's describeCronJob prints it: the schedule and policies, the job
// template and the active Jobs (kubectl's own output is compared in
// test/integration/kubectl/describe-storage-kubectl.test.ts).
import { strict as assert } from 'node:assert';
import { CronJob } from '../../../../lib/gen/kite/batch/v1/types';
import { describeCronJob } from '../../../../services/kitectl/describers/cronjob';

describe('describe cronjob', () => {
  it('prints the schedule, policies, job template and active jobs', () => {
    const cj = CronJob.fromPartial({
      metadata: { name: 'hello', namespace: 'd', labels: { a: 'b' } },
      spec: {
        schedule: '*/1 * * * *', concurrencyPolicy: 'Allow', suspend: true, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1,
        jobTemplate: { spec: { selector: {}, completions: 4, template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } },
      },
      status: { active: [{ name: 'hello-1' }, { name: 'hello-2' }], lastScheduleTime: '2026-01-01T00:00:00Z' },
    });
    const lines = describeCronJob(cj, undefined).split('\n');
    assert.deepEqual(lines.slice(0, 13), [
      'Name:                          hello',
      'Namespace:                     d',
      'Labels:                        a=b',
      'Annotations:                   <none>',
      'Schedule:                      */1 * * * *',
      'Concurrency Policy:            Allow',
      'Suspend:                       True',
      'Successful Job History Limit:  3',
      'Failed Job History Limit:      1',
      'Starting Deadline Seconds:     <unset>',
      'Selector:                      ',
      'Parallelism:                   <unset>',
      'Completions:                   4',
    ]);
    assert.equal(lines[13], 'Pod Template:');
    assert.match(lines.at(-3)!, /^Last Schedule Time:\s+\w{3}, 01 Jan 2026 \d\d:00:00 [+-]\d{4}$/);
    assert.match(lines.at(-2)!, /^Active Jobs:\s+hello-1, hello-2$/);
  });

  it('says <unset> for what the spec leaves out', () => {
    const out = describeCronJob(CronJob.fromPartial({ metadata: { name: 'x', namespace: 'd' }, spec: { schedule: '@daily' } }), []);
    assert.match(out, /\nSuspend:\s+<unset>\nSuccessful Job History Limit:\s+<unset>\nFailed Job History Limit:\s+<unset>\nStarting Deadline Seconds:\s+<unset>\nSelector:\s+<unset>\n/);
    assert.match(out, /\nLast Schedule Time:\s+<unset>\nActive Jobs:\s+<none>\nEvents:\s+<none>\n$/);
  });
});
