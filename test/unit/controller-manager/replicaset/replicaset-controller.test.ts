import { strict as assert } from 'node:assert';
import { ForbiddenError, InternalError } from '../../../../lib/api/errors';
import { Pods, ReplicaSets } from '../../../../lib/api/kinds';
import { ReplicaSetController } from '../../../../services/controller-manager/replicaset/replicaset-controller';
import { preload, testContext, type TestContext } from '../support/context';
import { controllerRef, pod, replicaSet } from '../support/fixtures';

describe('ReplicaSetController.reconcile', () => {
  let ctx: TestContext;
  let c: ReplicaSetController;
  beforeEach(() => {
    ctx = testContext();
    c = new ReplicaSetController(ctx);
  });
  const owned = (rs: ReturnType<typeof replicaSet>) => ({ obj: rs, kind: ReplicaSets });

  it('creates the missing pods from the template, owned by the ReplicaSet, then writes status', async () => {
    const rs = replicaSet('web-abc', { replicas: 3, generation: 2, status: { observedGeneration: 1 } });
    preload(ctx, ReplicaSets, rs);
    await c.reconcile('default/web-abc');
    assert.deepEqual(ctx.client.summary(), [
      'create pods default/web-abc-',
      'create pods default/web-abc-',
      'create pods default/web-abc-',
      'updateStatus replicasets default/web-abc',
    ]);
    const created = ctx.client.calls[0].object;
    assert.equal(created.metadata.generateName, 'web-abc-');
    assert.deepEqual(created.metadata.labels, { app: 'web' });
    assert.deepEqual(created.metadata.ownerReferences, [controllerRef(rs, ReplicaSets)]);
    assert.equal(created.spec.containers[0].image, 'nginx');
    const status = ctx.client.calls[3].object.status;
    assert.equal(status.replicas, 0);
    assert.equal(status.observedGeneration, 2);
    assert.deepEqual(ctx.events.lines(), [
      'Normal SuccessfulCreate Created pod: web-abc-00001',
      'Normal SuccessfulCreate Created pod: web-abc-00002',
      'Normal SuccessfulCreate Created pod: web-abc-00003',
    ]);
    assert.deepEqual(c.expectations.pending('default/web-abc'), { adds: 3, deletes: 0 });
  });

  it('does not create again while its creations are not yet observed', async () => {
    const rs = replicaSet('web-abc', { replicas: 2, status: { replicas: 0 } });
    preload(ctx, ReplicaSets, rs);
    await c.reconcile('default/web-abc');
    ctx.client.clearCalls();
    await c.reconcile('default/web-abc');
    assert.deepEqual(ctx.client.summary(), []);
    c.expectations.creationObserved('default/web-abc');
    c.expectations.creationObserved('default/web-abc');
    await c.reconcile('default/web-abc');
    assert.deepEqual(ctx.client.summary(), ['create pods default/web-abc-', 'create pods default/web-abc-']);
  });

  it('deletes the cheapest surplus pods: unscheduled, then pending, then not ready, then newest', async () => {
    const rs = replicaSet('web-abc', { replicas: 2, status: { replicas: 6 } });
    const o = owned(rs);
    preload(ctx, ReplicaSets, rs);
    preload(
      ctx,
      Pods,
      pod('old-ready', { labels: { app: 'web' }, owner: o, nodeName: 'n1', readySince: 10, created: 1 }),
      pod('new-ready', { labels: { app: 'web' }, owner: o, nodeName: 'n2', readySince: 10, created: 5 }),
      pod('not-ready', { labels: { app: 'web' }, owner: o, nodeName: 'n4', ready: false, created: 2 }),
      pod('pending', { labels: { app: 'web' }, owner: o, nodeName: 'n3', phase: 'Pending', created: 3 }),
      pod('unscheduled', { labels: { app: 'web' }, owner: o, created: 4 }),
      pod('older-ready', { labels: { app: 'web' }, owner: o, nodeName: 'n5', readySince: 5, created: 0 }),
    );
    await c.reconcile('default/web-abc');
    assert.deepEqual(ctx.client.summary(), [
      'delete pods default/unscheduled',
      'delete pods default/pending',
      'delete pods default/not-ready',
      'delete pods default/new-ready',
      'updateStatus replicasets default/web-abc',
    ]);
    assert.deepEqual(c.expectations.pending('default/web-abc'), { adds: 0, deletes: 4 });
    c.expectations.deletionObserved('default/web-abc', 'default/pending');
    assert.deepEqual(c.expectations.pending('default/web-abc'), { adds: 0, deletes: 3 });
  });

  it('creates and deletes at most burstReplicas pods per sync', async () => {
    const burst = new ReplicaSetController(ctx, { burstReplicas: 2 });
    const rs = replicaSet('web-abc', { replicas: 5 });
    preload(ctx, ReplicaSets, rs);
    await burst.reconcile('default/web-abc');
    assert.equal(ctx.client.summary().filter((c) => c.startsWith('create pods')).length, 2);
    assert.deepEqual(burst.expectations.pending('default/web-abc'), { adds: 2, deletes: 0 });

    const small = replicaSet('small', { replicas: 0 });
    const o = owned(small);
    preload(ctx, ReplicaSets, small);
    preload(ctx, Pods, ...[1, 2, 3].map((i) => pod(`s${i}`, { labels: { app: 'web' }, owner: o, nodeName: 'n1', readySince: 10, created: i })));
    ctx.client.clearCalls();
    await burst.reconcile('default/small');
    assert.equal(ctx.client.summary().filter((c) => c.startsWith('delete pods')).length, 2);
  });

  it('adopts matching orphans and releases owned pods that no longer match', async () => {
    const rs = replicaSet('web-abc', { replicas: 2, status: { replicas: 2 } });
    preload(ctx, ReplicaSets, rs);
    preload(
      ctx,
      Pods,
      pod('orphan', { labels: { app: 'web' }, nodeName: 'n1', readySince: 0 }),
      pod('relabelled', { labels: { app: 'debug' }, owner: owned(rs), nodeName: 'n1', readySince: 0 }),
      pod('mine', { labels: { app: 'web' }, owner: owned(rs), nodeName: 'n1', readySince: 0 }),
    );
    await c.reconcile('default/web-abc');
    assert.deepEqual(ctx.client.summary(), [
      'update pods default/orphan',
      'update pods default/relabelled',
      'updateStatus replicasets default/web-abc',
    ]);
    assert.deepEqual(ctx.client.calls[0].object.metadata.ownerReferences, [controllerRef(rs, ReplicaSets)]);
    assert.deepEqual(ctx.client.calls[1].object.metadata.ownerReferences, []);
    assert.equal(ctx.client.calls[2].object.status.readyReplicas, 2);
  });

  it('leaves pods of other controllers alone and does not count finished or terminating pods', async () => {
    const rs = replicaSet('web-abc', { replicas: 1, status: { replicas: 1 } });
    const other = replicaSet('web-other');
    preload(ctx, ReplicaSets, rs, other);
    preload(
      ctx,
      Pods,
      pod('theirs', { labels: { app: 'web' }, owner: owned(other), nodeName: 'n1', readySince: 0 }),
      pod('done', { labels: { app: 'web' }, owner: owned(rs), nodeName: 'n1', phase: 'Succeeded' }),
      pod('going', { labels: { app: 'web' }, owner: owned(rs), nodeName: 'n1', readySince: 0, deleting: true }),
    );
    await c.reconcile('default/web-abc');
    assert.deepEqual(ctx.client.summary(), ['create pods default/web-abc-', 'updateStatus replicasets default/web-abc']);
  });

  it('counts ready, available (minReadySeconds) and fully labelled replicas and requeues until available', async () => {
    const rs = replicaSet('web-abc', { replicas: 2, minReadySeconds: 30, status: { replicas: 2 } });
    rs.spec!.template!.metadata!.labels = { app: 'web', tier: 'front' };
    preload(ctx, ReplicaSets, rs);
    preload(
      ctx,
      Pods,
      pod('a', { labels: { app: 'web', tier: 'front' }, owner: owned(rs), nodeName: 'n1', readySince: 0 }),
      pod('b', { labels: { app: 'web' }, owner: owned(rs), nodeName: 'n1', readySince: 50 }),
    );
    ctx.setNow(60);
    const result = await c.reconcile('default/web-abc');
    const status = ctx.client.calls[0].object.status;
    assert.deepEqual(
      { replicas: status.replicas, fully: status.fullyLabeledReplicas, ready: status.readyReplicas, available: status.availableReplicas },
      { replicas: 2, fully: 1, ready: 2, available: 1 },
    );
    assert.deepEqual(result, { requeueAfter: 30_000 });
  });

  it('reports failed creations as the ReplicaFailure condition and fails the sync', async () => {
    const rs = replicaSet('web-abc', { replicas: 3 });
    preload(ctx, ReplicaSets, rs);
    ctx.client.reactors.push((call) => (call.verb === 'create' ? new InternalError('quota exceeded') : undefined));
    await assert.rejects(c.reconcile('default/web-abc'), /quota exceeded/);
    // Slow start: one failed attempt, not three.
    assert.deepEqual(ctx.client.summary(), ['create pods default/web-abc-', 'updateStatus replicasets default/web-abc']);
    const cond = ctx.client.calls[1].object.status.conditions[0];
    assert.deepEqual([cond.type, cond.status, cond.reason, cond.message], ['ReplicaFailure', 'True', 'FailedCreate', 'quota exceeded']);
    assert.deepEqual(ctx.events.lines(), ['Warning FailedCreate Error creating: quota exceeded']);
    // The creations never sent are not waited for.
    assert.ok(c.expectations.satisfied('default/web-abc'));
  });

  it('does nothing in a terminating namespace', async () => {
    preload(ctx, ReplicaSets, replicaSet('web-abc', { replicas: 1, status: { replicas: 0 } }));
    ctx.client.reactors.push((call) =>
      call.verb === 'create' ? new ForbiddenError('unable to create new content in namespace default because it is being terminated') : undefined,
    );
    await c.reconcile('default/web-abc');
    assert.deepEqual(ctx.events.lines(), []);
  });

  it('does not manage replicas of a ReplicaSet being deleted, and forgets a deleted one', async () => {
    preload(ctx, ReplicaSets, replicaSet('web-abc', { replicas: 3, deleting: true }));
    await c.reconcile('default/web-abc');
    assert.deepEqual(ctx.client.summary(), []);
    c.expectations.expectCreations('default/gone', 2);
    await c.reconcile('default/gone');
    assert.equal(c.expectations.pending('default/gone'), undefined);
  });
});
