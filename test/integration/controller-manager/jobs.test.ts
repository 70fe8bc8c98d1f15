// The Job controller against a real apiserver, with no kubelet: the test finishes pods through
// the status subresource as a kubelet would. Completions and parallelism, the failure backoff and
// backoffLimit, Indexed Jobs (backoffLimitPerIndex, successPolicy), suspend, activeDeadlineSeconds,
// the pod failure policy, and the tracking finalizers that keep counts exact across a controller
// restart; the TTL-after-finished controller deleting finished Jobs.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import type { Clientset } from '../../../lib/client/clientset';
import { Job } from '../../../lib/gen/kite/batch/v1/types';
import { Namespace, type Pod } from '../../../lib/gen/kite/core/v1/types';
import { startControllerManager, type ControllerManager } from '../../../services/controller-manager/manager';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';

const FINALIZER = 'batch.kubernetes.io/job-tracking';
const INDEX = 'batch.kubernetes.io/job-completion-index';
const FAILURES = 'batch.kubernetes.io/job-index-failure-count';

describe('Job controller (against a real apiserver)', function () {
  this.timeout(60_000);
  let api: TestApiserver;
  let client: Clientset;
  let stop: AbortController;
  let cm: ControllerManager;
  let ns: string;

  const startCm = async () => {
    stop = new AbortController();
    cm = startControllerManager({ clientset: api.client(), controllers: ['job', 'ttl-after-finished', 'garbagecollector'], options: { job: { podFailureBackoffMs: 100 } }, signal: stop.signal });
    assert.equal(await cm.synced, true);
  };
  const stopCm = async () => {
    stop.abort();
    await cm.done;
  };

  before(async () => {
    api = await startTestApiserver();
    client = api.client();
    await startCm();
  });

  after(async () => {
    await stopCm();
    await api?.stop();
  });

  beforeEach(async () => {
    ns = `job-${randomBytes(3).toString('hex')}`;
    await client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
  });

  const createJob = (name: string, spec: Record<string, unknown>) =>
    client.jobs.create(
      Job.fromPartial({
        metadata: { name, namespace: ns },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } }, ...spec },
      } as Parameters<typeof Job.fromPartial>[0]),
    );
  const podsOf = async (job: string) => (await client.pods.list({ namespace: ns, labelSelector: `batch.kubernetes.io/job-name=${job}` })).items;
  const activePods = async (job: string) => (await podsOf(job)).filter((p) => !p.status?.phase.match(/Succeeded|Failed/) && !p.metadata!.deletionTimestamp);
  /** What a kubelet reports when the pod's container exits. */
  const finish = async (pod: Pod, phase: 'Succeeded' | 'Failed', exitCode = phase === 'Succeeded' ? 0 : 1) => {
    const cur = await client.pods.get(pod.metadata!.name, ns);
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    cur.status = {
      ...cur.status!,
      phase,
      containerStatuses: [{ name: 'main', ready: false, restartCount: 0, image: 'busybox', imageID: '', containerID: 'containerd://x', started: false, state: { terminated: { exitCode, reason: phase === 'Succeeded' ? 'Completed' : 'Error', startedAt: at, finishedAt: at, message: '', signal: 0, containerID: '' } } } as never],
    };
    await client.pods.updateStatus(cur);
  };
  const waitActive = (job: string, n: number) =>
    waitFor(`${n} active pods of ${job}`, async () => {
      const pods = await activePods(job);
      return pods.length === n ? pods : undefined;
    });
  const waitCondition = (job: string, type: string) =>
    waitFor(`${job} ${type}`, async () => {
      const j = await client.jobs.get(job, ns);
      return j.status?.conditions.some((c) => c.type === type && c.status === 'True') ? j : undefined;
    });
  const conditions = (j: Job) => j.status!.conditions.filter((c) => c.status === 'True').map((c) => `${c.type}:${c.reason}`);

  it('runs completions with parallelism, tracks pods with finalizers and completes', async () => {
    const job = await createJob('calc', { completions: 3, parallelism: 2 });
    const first = await waitActive('calc', 2);
    for (const p of first) {
      assert.ok(p.metadata!.finalizers.includes(FINALIZER));
      assert.match(p.metadata!.name, /^calc-[a-z0-9]{5}$/);
      assert.deepEqual(p.metadata!.ownerReferences.map((r) => `${r.kind}/${r.name}/${r.uid}/${r.controller}/${r.blockOwnerDeletion}`), [`Job/calc/${job.metadata!.uid}/true/true`]);
      assert.equal(p.metadata!.labels['controller-uid'], job.metadata!.uid);
    }
    await finish(first[0], 'Succeeded');
    await finish(first[1], 'Succeeded');
    // One completion remains: one more pod, not two.
    const last = await waitActive('calc', 1);
    await finish(last[0], 'Succeeded');
    const done = await waitCondition('calc', 'Complete');
    assert.deepEqual(conditions(done), ['SuccessCriteriaMet:CompletionsReached', 'Complete:CompletionsReached']);
    assert.equal(done.status!.succeeded, 3);
    assert.equal(done.status!.failed, 0);
    assert.equal(done.status!.active, 0);
    assert.ok(done.status!.startTime && done.status!.completionTime);
    assert.deepEqual(done.status!.uncountedTerminatedPods, { succeeded: [], failed: [] });
    const pods = await podsOf('calc');
    assert.equal(pods.length, 3);
    assert.ok(pods.every((p) => !p.metadata!.finalizers.includes(FINALIZER)));
    const events = await waitFor('Completed event', async () => {
      const evs = (await client.events.list({ namespace: ns })).items.filter((e) => e.involvedObject?.name === 'calc');
      return evs.some((e) => e.reason === 'Completed') ? evs : undefined;
    });
    assert.equal(events.filter((e) => e.reason === 'SuccessfulCreate').length, 3);
    assert.equal(events.find((e) => e.reason === 'Completed')!.message, 'Job completed');
  });

  it('replaces failed pods after a backoff and fails at the backoff limit', async () => {
    await createJob('flaky', { backoffLimit: 1 });
    const [first] = await waitActive('flaky', 1);
    await finish(first, 'Failed');
    const [second] = await waitFor('a replacement pod', async () => {
      const pods = await activePods('flaky');
      return pods.length === 1 && pods[0].metadata!.name !== first.metadata!.name ? pods : undefined;
    });
    await finish(second, 'Failed');
    const failed = await waitCondition('flaky', 'Failed');
    assert.deepEqual(conditions(failed), ['FailureTarget:BackoffLimitExceeded', 'Failed:BackoffLimitExceeded']);
    assert.equal(failed.status!.conditions.find((c) => c.type === 'Failed')!.message, 'Job has reached the specified backoff limit');
    assert.equal(failed.status!.failed, 2);
    assert.equal((await podsOf('flaky')).length, 2);
  });

  it('runs an Indexed Job: one pod per index with its annotation, label, env and hostname', async () => {
    await createJob('idx', { completionMode: 'Indexed', completions: 3, parallelism: 2 });
    const pods = await waitActive('idx', 2);
    const byIndex = new Map(pods.map((p) => [p.metadata!.annotations[INDEX], p]));
    assert.deepEqual([...byIndex.keys()].sort(), ['0', '1']);
    const p1 = byIndex.get('1')!;
    assert.equal(p1.metadata!.labels[INDEX], '1');
    assert.match(p1.metadata!.name, /^idx-1-[a-z0-9]{5}$/);
    assert.equal(p1.spec!.hostname, 'idx-1');
    assert.deepEqual(p1.spec!.containers[0].env.find((e) => e.name === 'JOB_COMPLETION_INDEX')?.valueFrom?.fieldRef?.fieldPath, `metadata.annotations['${INDEX}']`);
    await finish(p1, 'Succeeded');
    const next = await waitFor('index 2 created', async () => {
      const act = await activePods('idx');
      return act.find((p) => p.metadata!.annotations[INDEX] === '2');
    });
    const j = await client.jobs.get('idx', ns);
    assert.equal(j.status!.completedIndexes, '1');
    await finish(byIndex.get('0')!, 'Succeeded');
    await finish(next, 'Succeeded');
    const done = await waitCondition('idx', 'Complete');
    assert.equal(done.status!.completedIndexes, '0-2');
    assert.equal(done.status!.succeeded, 3);
  });

  it('fails an index past backoffLimitPerIndex and ends the Indexed Job Failed with its failedIndexes', async () => {
    await createJob('per', { completionMode: 'Indexed', completions: 2, parallelism: 2, backoffLimitPerIndex: 1 });
    const pods = await waitActive('per', 2);
    const byIndex = new Map(pods.map((p) => [p.metadata!.annotations[INDEX], p]));
    assert.equal(byIndex.get('0')!.metadata!.annotations[FAILURES], '0');
    await finish(byIndex.get('0')!, 'Failed');
    const retry = await waitFor('index 0 retried', async () => (await activePods('per')).find((p) => p.metadata!.annotations[INDEX] === '0' && p.metadata!.name !== byIndex.get('0')!.metadata!.name));
    assert.equal(retry.metadata!.annotations[FAILURES], '1');
    await finish(byIndex.get('1')!, 'Succeeded');
    await finish(retry, 'Failed');
    const failed = await waitCondition('per', 'Failed');
    assert.deepEqual(conditions(failed), ['FailureTarget:FailedIndexes', 'Failed:FailedIndexes']);
    assert.equal(failed.status!.conditions.find((c) => c.type === 'Failed')!.message, 'Job has failed indexes');
    assert.equal(failed.status!.failedIndexes, '0');
    assert.equal(failed.status!.completedIndexes, '1');
    assert.deepEqual([failed.status!.failed, failed.status!.succeeded], [2, 1]);
    // The failed index was not retried a third time.
    assert.equal((await podsOf('per')).length, 3);
  });

  it('completes an Indexed Job early when its successPolicy is met, deleting the other pods', async () => {
    await createJob('early', { completionMode: 'Indexed', completions: 3, parallelism: 3, successPolicy: { rules: [{ succeededIndexes: '0' }] } });
    const pods = await waitActive('early', 3);
    await finish(pods.find((p) => p.metadata!.annotations[INDEX] === '0')!, 'Succeeded');
    const done = await waitCondition('early', 'Complete');
    assert.deepEqual(conditions(done), ['SuccessCriteriaMet:SuccessPolicy', 'Complete:SuccessPolicy']);
    assert.equal(done.status!.conditions.find((c) => c.type === 'Complete')!.message, 'Matched rules at index 0');
    assert.deepEqual([done.status!.succeeded, done.status!.failed, done.status!.active, done.status!.completedIndexes], [1, 0, 0, '0']);
    await waitFor('the other pods deleted', async () => (await podsOf('early')).length === 1);
  });

  it('suspends (no pods, Suspended condition) and resumes', async () => {
    await createJob('later', { suspend: true, parallelism: 2, completions: 4 });
    const suspended = await waitCondition('later', 'Suspended');
    assert.deepEqual(suspended.status!.conditions.map((c) => `${c.type}=${c.status}:${c.reason}:${c.message}`), ['Suspended=True:JobSuspended:Job suspended']);
    assert.equal((await podsOf('later')).length, 0);
    assert.equal(suspended.status!.startTime, '');
    await client.jobs.patch('later', { spec: { suspend: false } }, { namespace: ns, type: 'merge' });
    await waitActive('later', 2);
    const resumed = await client.jobs.get('later', ns);
    assert.equal(resumed.status!.conditions.find((c) => c.type === 'Suspended')?.reason, 'JobResumed');
    await client.jobs.patch('later', { spec: { suspend: true } }, { namespace: ns, type: 'merge' });
    await waitFor('pods deleted on suspend', async () => (await podsOf('later')).length === 0);
    const again = await waitCondition('later', 'Suspended');
    assert.equal(again.status!.active, 0);
  });

  it('fails a Job past its activeDeadlineSeconds and deletes its pods', async () => {
    // Long enough for both pods to be seen active on a loaded machine before the deadline fails the Job.
    await createJob('slow', { activeDeadlineSeconds: 5, parallelism: 2, completions: 2 });
    await waitActive('slow', 2);
    const failed = await waitCondition('slow', 'Failed');
    assert.deepEqual(conditions(failed), ['FailureTarget:DeadlineExceeded', 'Failed:DeadlineExceeded']);
    assert.equal(failed.status!.conditions.find((c) => c.type === 'Failed')!.message, 'Job was active longer than specified deadline');
    assert.equal((await podsOf('slow')).length, 0);
  });

  it('fails the Job at once when a pod failure policy FailJob rule matches an exit code', async () => {
    await createJob('policy', { backoffLimit: 6, podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] } });
    const [pod] = await waitActive('policy', 1);
    await finish(pod, 'Failed', 42);
    const failed = await waitCondition('policy', 'Failed');
    assert.deepEqual(conditions(failed), ['FailureTarget:PodFailurePolicy', 'Failed:PodFailurePolicy']);
    assert.equal(
      failed.status!.conditions.find((c) => c.type === 'Failed')!.message,
      `Container main for pod ${ns}/${pod.metadata!.name} failed with exit code 42 matching FailJob rule at index 0`,
    );
  });

  it('counts pods that finished while the controller was down, exactly once', async () => {
    await createJob('restart', { completions: 2, parallelism: 2 });
    const pods = await waitActive('restart', 2);
    await stopCm();
    await finish(pods[0], 'Succeeded');
    await finish(pods[1], 'Failed');
    // Still held by the finalizer: the pods cannot go uncounted.
    assert.ok((await podsOf('restart')).every((p) => p.metadata!.finalizers.includes(FINALIZER)));
    await startCm();
    const j = await waitFor('counted after restart', async () => {
      const x = await client.jobs.get('restart', ns);
      return x.status!.succeeded === 1 && x.status!.failed === 1 ? x : undefined;
    });
    assert.deepEqual(j.status!.uncountedTerminatedPods, { succeeded: [], failed: [] });
    const [replacement] = await waitActive('restart', 1);
    await finish(replacement, 'Succeeded');
    const done = await waitCondition('restart', 'Complete');
    assert.equal(done.status!.succeeded, 2);
    assert.equal(done.status!.failed, 1);
  });

  it('deletes a finished Job and its pods once ttlSecondsAfterFinished has passed', async () => {
    await createJob('brief', { ttlSecondsAfterFinished: 1 });
    await createJob('kept', {});
    for (const name of ['brief', 'kept']) {
      const [p] = await waitActive(name, 1);
      await finish(p, 'Succeeded');
      await waitCondition(name, 'Complete');
    }
    await waitFor('the Job deleted', async () => {
      try {
        await client.jobs.get('brief', ns);
        return false;
      } catch {
        return true;
      }
    });
    await waitFor('its pod collected', async () => (await podsOf('brief')).length === 0);
    assert.equal((await client.jobs.get('kept', ns)).metadata!.name, 'kept');
  });

  it('deletes the pods with the Job (garbage collector, background propagation)', async () => {
    await createJob('gone', { parallelism: 2, completions: 2 });
    await waitActive('gone', 2);
    await client.jobs.delete('gone', { namespace: ns, propagationPolicy: 'Background' });
    await waitFor('pods collected', async () => (await podsOf('gone')).length === 0);
  });
});
