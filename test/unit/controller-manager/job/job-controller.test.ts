// The Job controller's decisions with a fake client and a clock the test sets, as the
// ReplicaSet controller's tests do: pods created up to parallelism, finished pods recorded in
// uncountedTerminatedPods before their finalizers go and counted after, the failure backoff,
// per-index failures (backoffLimitPerIndex, maxFailedIndexes, FailIndex), the success policy,
// managedBy, and the pure helpers (backoff delays, completion index intervals, pod failure policy).
import { strict as assert } from 'node:assert';
import { Jobs, Pods } from '../../../../lib/api/kinds';
import { Job } from '../../../../lib/gen/kite/batch/v1/types';
import type { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { defaultJob, prepareJobForCreate } from '../../../../services/apiserver/registry/validation/job-validation';
import { JobController } from '../../../../services/controller-manager/job/job-controller';
import * as U from '../../../../services/controller-manager/job/job-utils';
import { timeLeft } from '../../../../services/controller-manager/ttlafterfinished/ttl-after-finished-controller';
import { preload, testContext, type TestContext } from '../support/context';
import { pod, T0 } from '../support/fixtures';

function job(name: string, spec: Record<string, unknown>): Job {
  const j = Job.fromPartial({
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
  } as Parameters<typeof Job.fromPartial>[0]);
  prepareJobForCreate(j);
  defaultJob(j);
  return j;
}

function jobPod(j: Job, name: string, phase: string, finishedAtSeconds?: number): Pod {
  const p = pod(name, { labels: j.spec!.template!.metadata!.labels, owner: { obj: j, kind: Jobs }, nodeName: 'n1', phase });
  p.metadata!.finalizers = [U.JOB_TRACKING_FINALIZER];
  if (finishedAtSeconds !== undefined) {
    const at = new Date(T0 + finishedAtSeconds * 1000).toISOString();
    p.status!.containerStatuses = [{ name: 'c', state: { terminated: { exitCode: phase === 'Failed' ? 1 : 0, finishedAt: at } } } as never];
  }
  return p;
}

/** A pod of an Indexed Job's index, with its counted failures before it (job-index-failure-count). */
function indexPod(j: Job, index: number, phase: string, failuresBefore: number, finishedAtSeconds?: number): Pod {
  const p = jobPod(j, `${j.metadata!.name}-${index}-${phase.toLowerCase()}${failuresBefore}`, phase, finishedAtSeconds);
  p.metadata!.annotations = { [U.COMPLETION_INDEX_ANNOTATION]: String(index), [U.INDEX_FAILURE_COUNT_ANNOTATION]: String(failuresBefore) };
  return p;
}

const statusWrites = (ctx: TestContext) => ctx.client.calls.filter((x) => x.verb === 'updateStatus').map((x) => x.object.status);
const conditionsOf = (status: { conditions: { type: string; reason: string }[] }) => status.conditions.map((x) => `${x.type}/${x.reason}`);

describe('JobController.reconcile', () => {
  let ctx: TestContext;
  let c: JobController;
  beforeEach(() => {
    ctx = testContext();
    c = new JobController(ctx);
  });

  it('creates parallelism pods with the tracking finalizer and records the start', async () => {
    const j = job('calc', { completions: 5, parallelism: 2 });
    preload(ctx, Jobs, j);
    await c.reconcile('default/calc');
    assert.deepEqual(ctx.client.summary(), ['create pods default/calc-', 'create pods default/calc-', 'updateStatus jobs default/calc']);
    const created = ctx.client.calls[0].object;
    assert.deepEqual(created.metadata.finalizers, [U.JOB_TRACKING_FINALIZER]);
    assert.equal(created.metadata.ownerReferences[0].kind, 'Job');
    const status = ctx.client.calls[2].object.status;
    assert.equal(status.active, 2);
    assert.ok(status.startTime);
    assert.deepEqual(ctx.events.lines(), ['Normal SuccessfulCreate Created pod: calc-00001', 'Normal SuccessfulCreate Created pod: calc-00002']);
  });

  it('records a finished pod as uncounted, removes its finalizer, then counts it', async () => {
    const j = job('calc', { completions: 1 });
    j.status!.startTime = new Date(T0).toISOString();
    preload(ctx, Jobs, j);
    preload(ctx, Pods, jobPod(j, 'calc-a', 'Succeeded', 1));
    ctx.setNow(2);
    await c.reconcile('default/calc');
    assert.deepEqual(ctx.client.summary(), ['updateStatus jobs default/calc', 'patch pods default/calc-a', 'updateStatus jobs default/calc']);
    assert.deepEqual(ctx.client.calls[0].object.status.uncountedTerminatedPods, { succeeded: ['uid-calc-a'], failed: [] });
    assert.deepEqual(ctx.client.calls[1].options, { metadata: { '$deleteFromPrimitiveList/finalizers': [U.JOB_TRACKING_FINALIZER] } });
    const last = ctx.client.calls[2].object.status;
    assert.equal(last.succeeded, 1);
    assert.deepEqual(last.uncountedTerminatedPods, { succeeded: [], failed: [] });
    assert.deepEqual(last.conditions.map((x: { type: string }) => x.type), ['SuccessCriteriaMet', 'Complete']);
    assert.deepEqual(ctx.events.lines(), ['Normal Completed Job completed']);
  });

  it('counts UIDs left uncounted by a previous run whose pods already lost the finalizer', async () => {
    const j = job('calc', { completions: 2, parallelism: 1 });
    j.status!.startTime = new Date(T0).toISOString();
    j.status!.uncountedTerminatedPods = { succeeded: ['uid-gone'], failed: [] };
    preload(ctx, Jobs, j);
    const running = jobPod(j, 'calc-b', 'Running');
    preload(ctx, Pods, running);
    await c.reconcile('default/calc');
    assert.deepEqual(ctx.client.summary(), ['updateStatus jobs default/calc']);
    const status = ctx.client.calls[0].object.status;
    assert.equal(status.succeeded, 1);
    assert.deepEqual(status.uncountedTerminatedPods, { succeeded: [], failed: [] });
  });

  it('waits out the failure backoff before replacing a failed pod', async () => {
    const j = job('flaky', {});
    j.status!.startTime = new Date(T0).toISOString();
    preload(ctx, Jobs, j);
    preload(ctx, Pods, jobPod(j, 'flaky-a', 'Failed', 0));
    ctx.setNow(3);
    const result = await c.reconcile('default/flaky');
    assert.deepEqual(result, { requeueAfter: 7000 });
    assert.ok(!ctx.client.summary().some((s) => s.startsWith('create')));
    // The informer sees the status just written (the failed pod counted).
    const written = ctx.client.calls.filter((x) => x.verb === 'updateStatus').at(-1)!.object;
    assert.equal(written.status.failed, 1);
    ctx.informers.forKind(Jobs).indexer.add(structuredClone(await ctx.client.resource(Jobs).get('flaky', 'default')));
    ctx.client.clearCalls();
    ctx.setNow(10);
    await c.reconcile('default/flaky');
    assert.ok(ctx.client.summary().includes('create pods default/flaky-'));
  });

  it('replaces a failed index after its own backoff, with the failure count, and keeps the failed pod until then', async () => {
    const j = job('idx', { completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimitPerIndex: 1 });
    j.status!.startTime = new Date(T0).toISOString();
    preload(ctx, Jobs, j);
    preload(ctx, Pods, indexPod(j, 0, 'Failed', 0, 0), indexPod(j, 1, 'Running', 0));
    ctx.setNow(3);
    assert.deepEqual(await c.reconcile('default/idx'), { requeueAfter: 7000 });
    // Recorded as uncounted, but its finalizer stays: the replacement needs its failure count.
    assert.deepEqual(ctx.client.summary(), ['updateStatus jobs default/idx']);
    assert.deepEqual(statusWrites(ctx)[0].uncountedTerminatedPods.failed, ['uid-idx-0-failed0']);
    assert.equal(statusWrites(ctx)[0].failedIndexes, '');
    ctx.informers.forKind(Jobs).indexer.add(structuredClone(await ctx.client.resource(Jobs).get('idx', 'default')));
    ctx.client.clearCalls();
    ctx.setNow(11);
    await c.reconcile('default/idx');
    assert.deepEqual(ctx.client.summary(), ['create pods default/idx-0-', 'updateStatus jobs default/idx', 'patch pods default/idx-0-failed0', 'updateStatus jobs default/idx']);
    assert.equal(ctx.client.calls[0].object.metadata.annotations[U.INDEX_FAILURE_COUNT_ANNOTATION], '1');
    const last = statusWrites(ctx).at(-1);
    assert.equal(last.failed, 1);
    assert.deepEqual(last.uncountedTerminatedPods, { succeeded: [], failed: [] });
  });

  it('fails an index past backoffLimitPerIndex without retrying it, then the Job with FailedIndexes', async () => {
    const j = job('idx', { completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimitPerIndex: 1 });
    j.status!.startTime = new Date(T0).toISOString();
    preload(ctx, Jobs, j);
    preload(ctx, Pods, indexPod(j, 0, 'Failed', 1, 0), indexPod(j, 1, 'Succeeded', 0, 0));
    ctx.setNow(30);
    await c.reconcile('default/idx');
    assert.ok(!ctx.client.summary().some((x) => x.startsWith('create')));
    const last = statusWrites(ctx).at(-1);
    assert.equal(last.failedIndexes, '0');
    assert.equal(last.completedIndexes, '1');
    assert.deepEqual(conditionsOf(last), ['FailureTarget/FailedIndexes', 'Failed/FailedIndexes']);
    assert.deepEqual(ctx.events.lines(), ['Warning FailedIndexes Job has failed indexes']);
  });

  it('keeps running other indexes after a failed one, and fails the Job past maxFailedIndexes', async () => {
    const j = job('idx', { completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimitPerIndex: 0, maxFailedIndexes: 1 });
    j.status!.startTime = new Date(T0).toISOString();
    preload(ctx, Jobs, j);
    const running = indexPod(j, 2, 'Running', 0);
    preload(ctx, Pods, indexPod(j, 0, 'Failed', 0, 0), indexPod(j, 1, 'Running', 0), running);
    ctx.setNow(30);
    await c.reconcile('default/idx');
    assert.ok(!ctx.client.summary().some((x) => x.startsWith('create') || x.startsWith('delete')));
    assert.equal(statusWrites(ctx).at(-1).failedIndexes, '0');
    assert.deepEqual(conditionsOf(statusWrites(ctx).at(-1)), []);

    ctx.informers.forKind(Jobs).indexer.add(structuredClone(await ctx.client.resource(Jobs).get('idx', 'default')));
    const failedToo = indexPod(j, 2, 'Failed', 0, 20);
    failedToo.metadata!.name = running.metadata!.name;
    failedToo.metadata!.uid = running.metadata!.uid;
    ctx.informers.forKind(Pods).indexer.update(failedToo);
    ctx.client.clearCalls();
    await c.reconcile('default/idx');
    const last = statusWrites(ctx).at(-1);
    assert.equal(last.failedIndexes, '0,2');
    assert.deepEqual(conditionsOf(last), ['FailureTarget/MaxFailedIndexesExceeded']);
    assert.ok(ctx.client.summary().includes('delete pods default/idx-1-running0'));
  });

  it('fails an index at once on a FailIndex rule of the pod failure policy', async () => {
    const j = job('idx', {
      completionMode: 'Indexed',
      completions: 2,
      parallelism: 1,
      backoffLimitPerIndex: 3,
      podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [42] } }] },
    });
    j.status!.startTime = new Date(T0).toISOString();
    preload(ctx, Jobs, j);
    const p = indexPod(j, 0, 'Failed', 0, 0);
    p.status!.containerStatuses[0].state!.terminated!.exitCode = 42;
    preload(ctx, Pods, p);
    ctx.setNow(30);
    await c.reconcile('default/idx');
    assert.deepEqual(ctx.client.summary().filter((x) => x.startsWith('create')), ['create pods default/idx-1-']);
    assert.equal(statusWrites(ctx).at(-1).failedIndexes, '0');
  });

  it('meets the success policy early: SuccessCriteriaMet, the other pods deleted uncounted, then Complete', async () => {
    const j = job('sp', { completionMode: 'Indexed', completions: 3, parallelism: 3, successPolicy: { rules: [{ succeededIndexes: '0' }] } });
    j.status!.startTime = new Date(T0).toISOString();
    preload(ctx, Jobs, j);
    preload(ctx, Pods, indexPod(j, 0, 'Succeeded', 0, 0), indexPod(j, 1, 'Running', 0), indexPod(j, 2, 'Running', 0));
    ctx.setNow(5);
    await c.reconcile('default/sp');
    const summary = ctx.client.summary();
    assert.ok(summary.includes('delete pods default/sp-1-running0') && summary.includes('delete pods default/sp-2-running0'));
    const last = statusWrites(ctx).at(-1);
    assert.deepEqual(conditionsOf(last), ['SuccessCriteriaMet/SuccessPolicy']);
    assert.equal(last.conditions[0].message, 'Matched rules at index 0');
    assert.equal(last.failed, 0);

    // The deleted pods are gone: the Job completes with the policy's reason.
    ctx.informers.forKind(Jobs).indexer.add(structuredClone(await ctx.client.resource(Jobs).get('sp', 'default')));
    for (const name of ['sp-1-running0', 'sp-2-running0']) ctx.informers.forKind(Pods).indexer.delete(`default/${name}`);
    ctx.client.clearCalls();
    await c.reconcile('default/sp');
    const done = statusWrites(ctx).at(-1);
    assert.deepEqual(conditionsOf(done), ['SuccessCriteriaMet/SuccessPolicy', 'Complete/SuccessPolicy']);
    assert.equal(done.succeeded, 1);
    assert.ok(done.completionTime);
  });

  it('leaves a Job managed by another controller alone', async () => {
    const j = job('ext', { completions: 1, managedBy: 'example.com/custom-controller' });
    preload(ctx, Jobs, j);
    await c.reconcile('default/ext');
    assert.deepEqual(ctx.client.summary(), []);
    j.spec!.managedBy = U.JOB_CONTROLLER_MANAGER;
    ctx.informers.forKind(Jobs).indexer.update(structuredClone(j));
    await c.reconcile('default/ext');
    assert.ok(ctx.client.summary().includes('create pods default/ext-'));
  });
});

describe('Job controller helpers', () => {
  it('backs off 10 s doubling per failure since the last success, at most 6 minutes', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => U.remainingBackoff({ failuresAfterLastSuccess: n, lastFailureTime: 0 }, 0));
    assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 360_000, 360_000]);
    assert.equal(U.remainingBackoff({ failuresAfterLastSuccess: 0 }, 0), 0);
  });

  it('formats and parses completed indexes as Kubernetes intervals', () => {
    assert.equal(U.formatIndexes([5, 0, 1, 2, 7, 8]), '0-2,5,7,8');
    assert.deepEqual([...U.parseIndexes('0-2,5,9', 6)], [0, 1, 2, 5]);
  });

  it('matches success policy rules on succeeded indexes and counts, in order', () => {
    const j = job('sp', {
      completionMode: 'Indexed',
      completions: 10,
      successPolicy: { rules: [{ succeededIndexes: '0-2,5', succeededCount: 3 }, { succeededCount: 4 }] },
    });
    assert.equal(U.matchSuccessPolicy(j, new Set([0, 1, 7])), undefined);
    assert.equal(U.matchSuccessPolicy(j, new Set([0, 1, 5])), 'Matched rules at index 0');
    assert.equal(U.matchSuccessPolicy(j, new Set([0, 7, 8, 9])), 'Matched rules at index 1');
    j.spec!.successPolicy = { rules: [{ succeededIndexes: '3' }] };
    assert.equal(U.matchSuccessPolicy(j, new Set([2])), undefined);
    assert.equal(U.matchSuccessPolicy(j, new Set([3])), 'Matched rules at index 0');
  });

  it('matches pod failure policy rules on exit codes and pod conditions', () => {
    const j = job('p', {
      podFailurePolicy: {
        rules: [
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
          { action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [1, 2] } },
        ],
      },
    });
    const p = jobPod(j, 'p-a', 'Failed', 0);
    assert.equal(U.matchPodFailurePolicy(j, p), undefined);
    p.status!.containerStatuses[0].state!.terminated!.exitCode = 3;
    assert.deepEqual(U.matchPodFailurePolicy(j, p), { action: 'FailJob', message: 'Container c for pod default/p-a failed with exit code 3 matching FailJob rule at index 1' });
    p.status!.conditions.push({ type: 'DisruptionTarget', status: 'True' } as never);
    assert.equal(U.matchPodFailurePolicy(j, p)?.action, 'Ignore');
  });

  it('times a finished Job\'s TTL from its Complete or Failed condition (ttlafterfinished)', () => {
    const j = job('t', { ttlSecondsAfterFinished: 30 });
    assert.equal(timeLeft(j, T0), undefined);
    j.status!.conditions = [U.newCondition('Complete', 'True', 'CompletionsReached', '', T0)];
    assert.equal(timeLeft(j, T0 + 10_000), 20_000);
    delete j.spec!.ttlSecondsAfterFinished;
    assert.equal(timeLeft(j, T0), undefined);
  });
});
