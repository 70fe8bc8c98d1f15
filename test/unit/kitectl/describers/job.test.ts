// `describe job` as kubectl's describeJob prints it: the counts, times and, for Indexed Jobs,
// the completed indexes (kubectl's own output is compared in test/integration/kubectl/job-kubectl.test.ts).
import { strict as assert } from 'node:assert';
import { Job } from '../../../../lib/gen/kite/batch/v1/types';
import { describeJob } from '../../../../services/kitectl/describers/job';

describe('describe job', () => {
  it('prints an Indexed Job with its deadline, ready pods and completed indexes', () => {
    const job = Job.fromPartial({
      metadata: { name: 'idx', namespace: 'batch' },
      spec: {
        parallelism: 2, completions: 5, completionMode: 'Indexed', suspend: false, backoffLimit: 6, activeDeadlineSeconds: 600,
        ttlSecondsAfterFinished: 100, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } },
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      },
      status: { active: 2, ready: 1, succeeded: 3, failed: 1, completedIndexes: '0,2-3' },
    });
    const lines = describeJob(job, undefined).split('\n');
    assert.deepEqual(lines.slice(0, 14), [
      'Name:                        idx',
      'Namespace:                   batch',
      'Selector:                    batch.kubernetes.io/controller-uid=u-1',
      'Labels:                      <none>',
      'Annotations:                 <none>',
      'Parallelism:                 2',
      'Completions:                 5',
      'Completion Mode:             Indexed',
      'Suspend:                     false',
      'Backoff Limit:               6',
      'TTL Seconds After Finished:  100',
      'Active Deadline Seconds:     600s',
      'Pods Statuses:               2 Active (1 Ready) / 3 Succeeded / 1 Failed',
      'Completed Indexes:           0,2-3',
    ]);
    assert.equal(lines[14], 'Pod Template:');
  });

  it('prints <unset> completions for a work-queue Job and <none> for no completed index', () => {
    const out = describeJob(Job.fromPartial({ metadata: { name: 'q', namespace: 'd' }, spec: { parallelism: 3, completionMode: 'Indexed' }, status: {} }), undefined);
    assert.match(out, /\nCompletions:\s+<unset>\n/);
    assert.match(out, /\nPods Statuses:\s+0 Active \/ 0 Succeeded \/ 0 Failed\n/);
    assert.match(out, /\nCompleted Indexes:\s+<none>\n/);
  });

  it('caps a long completed index list after 50 characters, at the next comma', () => {
    const even = Array.from({ length: 40 }, (_, i) => 2 * i).join(',');
    const out = describeJob(Job.fromPartial({ metadata: { name: 'x', namespace: 'd' }, spec: { completions: 80, completionMode: 'Indexed' }, status: { completedIndexes: even } }), undefined);
    assert.match(out, /\nCompleted Indexes:\s+0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32,34,36,\.\.\.\n/);
  });
});
