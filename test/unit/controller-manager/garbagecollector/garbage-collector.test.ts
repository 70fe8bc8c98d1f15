import { strict as assert } from 'node:assert';
import { Deployments, Pods, ReplicaSets } from '../../../../lib/api/kinds';
import { GarbageCollector } from '../../../../services/controller-manager/garbagecollector/garbage-collector';
import { preload, testContext, type TestContext } from '../support/context';
import { at, controllerRef, deployment, pod, replicaSet } from '../support/fixtures';

function deletingWith<T extends { metadata?: any }>(obj: T, finalizer: string): T {
  obj.metadata.deletionTimestamp = at(10);
  obj.metadata.finalizers = [finalizer];
  return obj;
}

describe('GarbageCollector.reconcile', () => {
  let ctx: TestContext;
  let gc: GarbageCollector;
  beforeEach(() => {
    ctx = testContext();
    gc = new GarbageCollector(ctx);
    ctx.client.recordReads = true;
  });
  const rs = () => replicaSet('web-abc');
  const ownedPod = (name: string, owner = rs()) => pod(name, { labels: { app: 'web' }, owner: { obj: owner, kind: ReplicaSets } });

  it('deletes a dependent whose owner is gone, after confirming with a live read', async () => {
    preload(ctx, Pods, ownedPod('p'));
    await gc.reconcile('Pod:default/p');
    assert.deepEqual(ctx.client.summary(), ['get replicasets default/web-abc', 'delete pods default/p']);
    assert.deepEqual(ctx.client.calls[1].options, { propagationPolicy: 'Background', preconditions: { uid: 'uid-p' } });
  });

  it('leaves dependents of live owners alone, whether or not the cache has seen the owner yet', async () => {
    preload(ctx, ReplicaSets, rs());
    preload(ctx, Pods, ownedPod('p'));
    await gc.reconcile('Pod:default/p');
    assert.deepEqual(ctx.client.summary(), []);

    ctx = testContext();
    gc = new GarbageCollector(ctx);
    ctx.client.recordReads = true;
    ctx.client.seed(ReplicaSets, rs());
    preload(ctx, Pods, ownedPod('p'));
    await gc.reconcile('Pod:default/p');
    assert.deepEqual(ctx.client.summary(), ['get replicasets default/web-abc']);
  });

  it('collects a dependent whose owner name now belongs to another object', async () => {
    const reborn = rs();
    reborn.metadata!.uid = 'uid-new';
    ctx.client.seed(ReplicaSets, reborn);
    preload(ctx, Pods, ownedPod('p'));
    await gc.reconcile('Pod:default/p');
    assert.deepEqual(ctx.client.summary(), ['get replicasets default/web-abc', 'delete pods default/p']);
  });

  it('only drops the reference to a gone owner when another owner remains', async () => {
    const alive = replicaSet('alive');
    preload(ctx, ReplicaSets, alive);
    const p = pod('p', { ownerReferences: [controllerRef(rs(), ReplicaSets), { ...controllerRef(alive, ReplicaSets), controller: false }] });
    preload(ctx, Pods, p);
    await gc.reconcile('Pod:default/p');
    assert.deepEqual(ctx.client.summary(), ['get replicasets default/web-abc', 'update pods default/p']);
    assert.deepEqual(ctx.client.calls[1].object.metadata.ownerReferences.map((r: any) => r.name), ['alive']);
  });

  it('foreground: deletes the dependents of an owner waiting for them, then removes its finalizer', async () => {
    const owner = deletingWith(rs(), 'foregroundDeletion');
    preload(ctx, ReplicaSets, owner);
    preload(ctx, Pods, ownedPod('p1', owner), ownedPod('p2', owner));
    await gc.reconcile('ReplicaSet:default/web-abc');
    assert.deepEqual(ctx.client.summary(), [], 'blocked while dependents exist');
    assert.equal(gc.queue.len(), 2, 'dependents queued');
    await gc.reconcile('Pod:default/p1');
    assert.deepEqual(ctx.client.summary(), ['delete pods default/p1']);

    ctx.informers.forKind(Pods).indexer.delete('default/p1');
    ctx.informers.forKind(Pods).indexer.delete('default/p2');
    ctx.client.clearCalls();
    await gc.reconcile('ReplicaSet:default/web-abc');
    assert.deepEqual(ctx.client.summary(), ['update replicasets default/web-abc']);
    assert.deepEqual(ctx.client.calls[0].object.metadata.finalizers, []);
  });

  it('foreground: a waiting owner\'s dependent that has dependents of its own is deleted in the foreground too', async () => {
    const d = deletingWith(deployment('web'), 'foregroundDeletion');
    const child = replicaSet('web-abc', { owner: { obj: d, kind: Deployments } });
    preload(ctx, Deployments, d);
    preload(ctx, ReplicaSets, child);
    preload(ctx, Pods, ownedPod('p', child));
    await gc.reconcile('ReplicaSet:default/web-abc');
    assert.deepEqual(ctx.client.summary(), ['delete replicasets default/web-abc']);
    assert.equal(ctx.client.calls[0].options.propagationPolicy, 'Foreground');
  });

  it('orphan: removes the references to the owner from its dependents, then the finalizer', async () => {
    const owner = deletingWith(rs(), 'orphan');
    preload(ctx, ReplicaSets, owner);
    preload(ctx, Pods, ownedPod('p1', owner), ownedPod('p2', owner));
    await gc.reconcile('ReplicaSet:default/web-abc');
    assert.deepEqual(ctx.client.summary(), ['update pods default/p1', 'update pods default/p2', 'update replicasets default/web-abc']);
    assert.deepEqual(ctx.client.calls[0].object.metadata.ownerReferences, []);
    assert.deepEqual(ctx.client.calls[2].object.metadata.finalizers, []);
  });

  it('does nothing for objects without owners or already being deleted', async () => {
    preload(ctx, Pods, pod('free'), (() => {
      const p = ownedPod('going');
      p.metadata!.deletionTimestamp = at(5);
      return p;
    })());
    await gc.reconcile('Pod:default/free');
    await gc.reconcile('Pod:default/going');
    await gc.reconcile('Pod:default/missing');
    assert.deepEqual(ctx.client.summary(), []);
  });
});
