import { strict as assert } from 'node:assert';
import { FakeClock } from '../../../support/fake-clock';
import { type QueuedPodInfo, SchedulingQueue } from '../../../../services/scheduler/queue/scheduling-queue';
import { makePod } from '../fixtures';

function setup(opts = {}) {
  const clock = new FakeClock(1000);
  const q = new SchedulingQueue(clock, opts);
  return { clock, q };
}

async function popKey(q: SchedulingQueue): Promise<string> {
  return (await q.pop())!.podInfo.key;
}

/** Pops the pod and fails its attempt as unschedulable (or with an error). */
async function fail(q: SchedulingQueue, error = false): Promise<QueuedPodInfo> {
  const p = (await q.pop())!;
  q.addUnschedulableIfNotPresent(p.podInfo.key, q.schedulingCycle(), { error, plugins: ['NodeResourcesFit'] });
  q.done(p.podInfo.key);
  return p;
}

describe('SchedulingQueue', () => {
  it('pops higher priority first, then first in first out', async () => {
    const { clock, q } = setup();
    q.add(makePod('low-1'));
    clock.step(1);
    q.add(makePod('high', { priority: 100 }));
    clock.step(1);
    q.add(makePod('low-2'));
    assert.deepEqual([await popKey(q), await popKey(q), await popKey(q)], ['default/high', 'default/low-1', 'default/low-2']);
  });

  it('pop waits for a pod and returns undefined after close', async () => {
    const { q } = setup();
    const waiting = q.pop();
    q.add(makePod('p'));
    assert.equal((await waiting)?.podInfo.key, 'default/p');
    const pending = q.pop();
    q.close();
    assert.equal(await pending, undefined);
    assert.equal(await q.pop(), undefined);
  });

  it('backs off exponentially from 1 s to a 10 s cap', () => {
    const { q } = setup();
    const info = (attempts: number) => ({ attempts }) as QueuedPodInfo;
    assert.deepEqual([1, 2, 3, 4, 5, 6, 10].map((a) => q.backoffDuration(info(a))), [1000, 2000, 4000, 8000, 10000, 10000, 10000]);
    const custom = new SchedulingQueue(new FakeClock(), { initialBackoffMs: 100, maxBackoffMs: 250 });
    assert.deepEqual([1, 2, 3].map((a) => custom.backoffDuration(info(a))), [100, 200, 250]);
  });

  it('parks unschedulable pods until a cluster event, then retries them after their backoff', async () => {
    const { clock, q } = setup();
    q.add(makePod('p'));
    await fail(q);
    assert.deepEqual(q.pending(), { active: 0, backoff: 0, unschedulable: 1, gated: 0 });
    clock.step(500);
    q.moveAllToActiveOrBackoffQueue('NodeAdd');
    assert.deepEqual(q.pending(), { active: 0, backoff: 1, unschedulable: 0, gated: 0 }, 'still inside its 1 s backoff');
    clock.step(499);
    q.flushBackoffQCompleted();
    assert.equal(q.pending().backoff, 1);
    clock.step(1);
    q.flushBackoffQCompleted();
    assert.deepEqual(q.pending(), { active: 1, backoff: 0, unschedulable: 0, gated: 0 });
  });

  it('moves a pod whose backoff is over straight to activeQ on an event', async () => {
    const { clock, q } = setup();
    q.add(makePod('p'));
    await fail(q);
    clock.step(1000);
    q.moveAllToActiveOrBackoffQueue('AssignedPodDelete');
    assert.deepEqual(q.pending(), { active: 1, backoff: 0, unschedulable: 0, gated: 0 });
  });

  it('the backoff grows with each failed attempt', async () => {
    const { clock, q } = setup();
    q.add(makePod('p'));
    for (const expected of [1000, 2000, 4000]) {
      await fail(q, true);
      clock.step(expected - 1);
      q.flushBackoffQCompleted();
      assert.equal(q.pending().active, 0, `still backing off before ${expected} ms`);
      clock.step(1);
      q.flushBackoffQCompleted();
      assert.equal(q.pending().active, 1, `retried after ${expected} ms`);
    }
  });

  it('sends a pod that failed while an event happened to backoffQ, not unschedulable', async () => {
    const { q } = setup();
    q.add(makePod('p'));
    const p = (await q.pop())!;
    q.moveAllToActiveOrBackoffQueue('NodeAdd'); // e.g. a node arrived during the attempt
    q.addUnschedulableIfNotPresent(p.podInfo.key, q.schedulingCycle(), { error: false, plugins: [] });
    assert.deepEqual(q.pending(), { active: 0, backoff: 1, unschedulable: 0, gated: 0 });
  });

  it('errors go to backoffQ', async () => {
    const { q } = setup();
    q.add(makePod('p'));
    await fail(q, true);
    assert.deepEqual(q.pending(), { active: 0, backoff: 1, unschedulable: 0, gated: 0 });
  });

  it('flushes pods unschedulable for longer than the maximum stay', async () => {
    const { clock, q } = setup({ maxUnschedulableMs: 60_000 });
    q.add(makePod('p'));
    await fail(q);
    clock.step(60_000);
    q.flushUnschedulablePodsLeftover();
    assert.equal(q.pending().unschedulable, 1);
    clock.step(1);
    q.flushUnschedulablePodsLeftover();
    assert.deepEqual(q.pending(), { active: 1, backoff: 0, unschedulable: 0, gated: 0 });
  });

  it('runs both flushes on timers once started', async () => {
    const { clock, q } = setup({ maxUnschedulableMs: 5000, unschedulableFlushIntervalMs: 2000 });
    q.run();
    q.add(makePod('a'));
    q.add(makePod('b'));
    const a = (await q.pop())!;
    q.addUnschedulableIfNotPresent(a.podInfo.key, q.schedulingCycle(), { error: true, plugins: [] });
    const b = (await q.pop())!;
    q.addUnschedulableIfNotPresent(b.podInfo.key, q.schedulingCycle(), { error: false, plugins: [] });
    clock.step(1000);
    assert.deepEqual(q.pending(), { active: 1, backoff: 0, unschedulable: 1, gated: 0 }, 'a left backoff at 1 s');
    clock.step(5000);
    assert.deepEqual(q.pending(), { active: 2, backoff: 0, unschedulable: 0, gated: 0 }, 'b flushed after 5 s');
    q.close();
    assert.equal(clock.timerCount(), 0);
  });

  it('retries an unschedulable pod when its spec changes, not when only its status does', async () => {
    const { clock, q } = setup();
    const pod = makePod('p', { cpu: '8' });
    q.add(pod);
    await fail(q);
    clock.step(2000);
    const statusOnly = { ...pod, metadata: { ...pod.metadata!, resourceVersion: '7' }, status: { ...pod.status!, conditions: [] } };
    q.update(pod, statusOnly);
    assert.equal(q.pending().unschedulable, 1);
    const resized = makePod('p', { cpu: '1' });
    q.update(statusOnly, resized);
    assert.deepEqual(q.pending(), { active: 1, backoff: 0, unschedulable: 0, gated: 0 });
    assert.equal((await q.pop())!.podInfo.requests.milliCPU, 1000, 'the latest version is scheduled');
  });

  it('keeps the latest version of an in-flight pod and drops it if deleted meanwhile', async () => {
    const { q } = setup();
    q.add(makePod('p', { cpu: '8' }));
    q.add(makePod('gone'));
    const p = (await q.pop())!;
    q.update(makePod('p', { cpu: '8' }), makePod('p', { cpu: '2' }));
    assert.equal(q.pending().active, 1, 'an in-flight pod is not queued twice');
    q.addUnschedulableIfNotPresent(p.podInfo.key, q.schedulingCycle(), { error: false, plugins: [] });
    assert.equal(q.inFlightPod('default/p')!.podInfo.requests.milliCPU, 2000);
    q.done('default/p');
    const g = (await q.pop())!;
    q.delete(makePod('gone'));
    q.addUnschedulableIfNotPresent(g.podInfo.key, q.schedulingCycle(), { error: false, plugins: [] });
    assert.deepEqual(q.pending(), { active: 0, backoff: 0, unschedulable: 1, gated: 0 }, 'only p was requeued');
  });

  it('delete removes a pod from every queue', async () => {
    const { q } = setup();
    q.add(makePod('a'));
    q.add(makePod('b'));
    await fail(q);
    q.delete(makePod('a'));
    q.delete(makePod('b'));
    assert.deepEqual(q.pending(), { active: 0, backoff: 0, unschedulable: 0, gated: 0 });
  });
});
