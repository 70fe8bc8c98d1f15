// The StatefulSet controller against fake informers: OrderedReady and Parallel creation, scale
// down from the highest ordinal, failed pods made again under their name, claims per ordinal made
// before the pod, the retention policy's owner references, and a partitioned rolling update.
import { strict as assert } from 'node:assert';
import { ControllerRevisions, PersistentVolumeClaims, Pods, StatefulSets } from '../../../../lib/api/kinds';
import { StatefulSet } from '../../../../lib/gen/kite/apps/v1/types';
import { PersistentVolumeClaim, type Pod } from '../../../../lib/gen/kite/core/v1/types';
import { newRevision } from '../../../../services/controller-manager/history/history';
import { StatefulSetController } from '../../../../services/controller-manager/statefulset/statefulset-controller';
import { preload, testContext, type TestContext } from '../support/context';
import { controllerRef, pod } from '../support/fixtures';

const KEY = 'default/web';

function statefulSet(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): StatefulSet {
  return StatefulSet.fromPartial({
    kind: 'StatefulSet',
    apiVersion: 'apps/v1',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', generation: 1, resourceVersion: '1' },
    spec: {
      replicas: 3,
      serviceName: 'nginx',
      podManagementPolicy: 'OrderedReady',
      selector: { matchLabels: { app: 'nginx' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1' }] } },
      ...spec,
    },
    status: { observedGeneration: 1, ...status },
  } as unknown as Parameters<typeof StatefulSet.fromPartial>[0]);
}

const WWW = [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }];

/** A pod of the set at `revision`, healthy unless told otherwise. */
function member(set: StatefulSet, ordinal: number, revision: string, o: { ready?: boolean; phase?: string; deleting?: boolean } = {}): Pod {
  const name = `web-${ordinal}`;
  const p = pod(name, {
    labels: { app: 'nginx', 'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': name, 'apps.kubernetes.io/pod-index': String(ordinal) },
    owner: { obj: set, kind: StatefulSets },
    nodeName: 'n1',
    phase: o.phase ?? 'Running',
    ready: o.ready ?? true,
    deleting: o.deleting,
    hostname: name,
    subdomain: 'nginx',
  });
  for (const t of set.spec!.volumeClaimTemplates) {
    p.spec!.volumes.push({ name: t.metadata!.name, persistentVolumeClaim: { claimName: `${t.metadata!.name}-${name}`, readOnly: false } } as never);
  }
  return p;
}

function claim(name: string, ownerReferences: unknown[] = []): PersistentVolumeClaim {
  return PersistentVolumeClaim.fromPartial({
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', labels: { app: 'nginx' }, ownerReferences } as never,
    spec: { accessModes: ['ReadWriteOnce'] },
  });
}

describe('StatefulSetController.reconcile', () => {
  let ctx: TestContext;
  let c: StatefulSetController;
  beforeEach(() => {
    ctx = testContext();
    c = new StatefulSetController(ctx);
  });

  /** The revision name the set's current template gets. */
  function revisionOf(set: StatefulSet) {
    return newRevision(set, StatefulSets, set.spec!.template, 1, 0);
  }

  it('OrderedReady: makes the revision, then web-0 only (its claim first), with identity, hostname, subdomain and volume', async () => {
    const set = statefulSet({ volumeClaimTemplates: WWW });
    preload(ctx, StatefulSets, set);
    await c.reconcile(KEY);
    const rev = revisionOf(set).metadata!.name;
    assert.deepEqual(ctx.client.summary(), [
      `create controllerrevisions default/${rev}`,
      'create persistentvolumeclaims default/www-web-0',
      'create pods default/web-0',
      'updateStatus statefulsets default/web',
    ]);
    const claimMade = ctx.client.calls[1].object;
    assert.deepEqual(claimMade.metadata.labels, { app: 'nginx' });
    assert.equal(claimMade.status, undefined);
    const made = ctx.client.calls[2].object;
    assert.deepEqual(made.metadata.labels, {
      app: 'nginx', 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0', 'controller-revision-hash': rev,
    });
    assert.deepEqual(made.metadata.ownerReferences, [controllerRef(set, StatefulSets)]);
    assert.equal(made.spec.hostname, 'web-0');
    assert.equal(made.spec.subdomain, 'nginx');
    assert.deepEqual(made.spec.volumes.map((v: any) => [v.name, v.persistentVolumeClaim?.claimName]), [['www', 'www-web-0']]);
    assert.deepEqual(ctx.events.lines(), [
      'Normal SuccessfulCreate create Claim www-web-0 Pod web-0 in StatefulSet web success',
      'Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful',
    ]);
    const status = ctx.client.calls[3].object.status;
    assert.deepEqual([status.currentRevision, status.updateRevision, status.replicas], [rev, rev, 0]);
  });

  it('OrderedReady: waits for web-0 to be Running and Ready before web-1', async () => {
    const set = statefulSet();
    const rev = revisionOf(set);
    preload(ctx, ControllerRevisions, rev);
    preload(ctx, StatefulSets, set);
    preload(ctx, Pods, member(set, 0, rev.metadata!.name, { ready: false }));
    await c.reconcile(KEY);
    assert.deepEqual(ctx.client.summary().filter((s) => s.startsWith('create')), []);
    ctx.informers.forKind(Pods).indexer.update(member(set, 0, rev.metadata!.name));
    await c.reconcile(KEY);
    assert.deepEqual(ctx.client.summary().filter((s) => s.startsWith('create')), ['create pods default/web-1']);
  });

  it('OrderedReady with minReadySeconds: waits for web-0 to be available, and looks again after minReadySeconds', async () => {
    const set = statefulSet({ minReadySeconds: 10, replicas: 2 });
    const rev = revisionOf(set);
    preload(ctx, ControllerRevisions, rev);
    preload(ctx, StatefulSets, set);
    const web0 = member(set, 0, rev.metadata!.name);
    web0.status!.conditions[0].lastTransitionTime = '2024-01-01T00:00:00Z';
    preload(ctx, Pods, web0);
    ctx.setNow(5);
    assert.deepEqual(await c.reconcile(KEY), { requeueAfter: 10_000 });
    assert.deepEqual(ctx.client.summary().filter((s) => s.startsWith('create')), []);
    const status = ctx.client.calls.find((x) => x.verb === 'updateStatus')!.object.status;
    assert.deepEqual([status.readyReplicas, status.availableReplicas], [1, 0]);
    ctx.setNow(11);
    await c.reconcile(KEY);
    assert.deepEqual(ctx.client.summary().filter((s) => s.startsWith('create')), ['create pods default/web-1']);
  });

  it('starts ordinals at spec.ordinals.start', async () => {
    const set = statefulSet({ ordinals: { start: 5 }, podManagementPolicy: 'Parallel', replicas: 2 });
    preload(ctx, StatefulSets, set);
    await c.reconcile(KEY);
    assert.deepEqual(ctx.client.summary().filter((s) => s.startsWith('create pods')), ['create pods default/web-5', 'create pods default/web-6']);
  });

  it('Parallel: creates every missing pod at once', async () => {
    const set = statefulSet({ podManagementPolicy: 'Parallel' });
    preload(ctx, StatefulSets, set);
    await c.reconcile(KEY);
    assert.deepEqual(ctx.client.summary().filter((s) => s.startsWith('create pods')), [
      'create pods default/web-0', 'create pods default/web-1', 'create pods default/web-2',
    ]);
  });

  it('scales down from the highest ordinal, one at a time (OrderedReady), all at once (Parallel)', async () => {
    const set = statefulSet({ replicas: 1 });
    const rev = revisionOf(set).metadata!.name;
    preload(ctx, ControllerRevisions, revisionOf(set));
    preload(ctx, StatefulSets, set);
    preload(ctx, Pods, member(set, 0, rev), member(set, 1, rev), member(set, 2, rev));
    await c.reconcile(KEY);
    assert.deepEqual(ctx.client.summary().filter((s) => s.startsWith('delete')), ['delete pods default/web-2']);
    assert.deepEqual(ctx.events.lines(), ['Normal SuccessfulDelete delete Pod web-2 in StatefulSet web successful']);

    const ctx2 = testContext();
    const c2 = new StatefulSetController(ctx2);
    const parallel = statefulSet({ replicas: 1, podManagementPolicy: 'Parallel' });
    preload(ctx2, ControllerRevisions, revisionOf(parallel));
    preload(ctx2, StatefulSets, parallel);
    preload(ctx2, Pods, member(parallel, 0, rev), member(parallel, 1, rev), member(parallel, 2, rev));
    await c2.reconcile(KEY);
    assert.deepEqual(ctx2.client.summary().filter((s) => s.startsWith('delete')).sort(), ['delete pods default/web-1', 'delete pods default/web-2']);
  });

  it('deletes a failed pod and, once it is gone, makes it again under the same name', async () => {
    const set = statefulSet({ replicas: 1 });
    const rev = revisionOf(set).metadata!.name;
    preload(ctx, ControllerRevisions, revisionOf(set));
    preload(ctx, StatefulSets, set);
    const failed = member(set, 0, rev, { phase: 'Failed', ready: false });
    preload(ctx, Pods, failed);
    await c.reconcile(KEY);
    assert.deepEqual(ctx.client.summary().filter((s) => !s.startsWith('updateStatus')), ['delete pods default/web-0']);
    ctx.informers.forKind(Pods).indexer.delete(failed);
    ctx.client.clearCalls();
    await c.reconcile(KEY);
    assert.deepEqual(ctx.client.summary().filter((s) => !s.startsWith('updateStatus')), ['create pods default/web-0']);
  });

  it('keeps the claims of a deleted pod and makes the pod again with the same claim', async () => {
    const set = statefulSet({ replicas: 1, volumeClaimTemplates: WWW });
    preload(ctx, ControllerRevisions, revisionOf(set));
    preload(ctx, StatefulSets, set);
    preload(ctx, PersistentVolumeClaims, claim('www-web-0'));
    await c.reconcile(KEY);
    assert.deepEqual(ctx.client.summary(), ['create pods default/web-0', 'updateStatus statefulsets default/web']);
    assert.equal(ctx.client.calls[0].object.spec.volumes[0].persistentVolumeClaim.claimName, 'www-web-0');
  });

  it('whenDeleted Delete: the claims are owned by the StatefulSet; whenScaled Delete: a condemned pod owns its claim', async () => {
    const set = statefulSet({ replicas: 1, volumeClaimTemplates: WWW, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } });
    const rev = revisionOf(set).metadata!.name;
    preload(ctx, ControllerRevisions, revisionOf(set));
    preload(ctx, StatefulSets, set);
    const web1 = member(set, 1, rev);
    preload(ctx, Pods, member(set, 0, rev), web1);
    preload(ctx, PersistentVolumeClaims, claim('www-web-0'), claim('www-web-1'));
    await c.reconcile(KEY);
    const updates = ctx.client.calls.filter((x) => x.verb === 'update' && x.resource === 'persistentvolumeclaims');
    assert.deepEqual(updates.map((u) => [u.name, u.object.metadata.ownerReferences]), [
      ['www-web-0', [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'uid-web' }]],
      ['www-web-1', [{ apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: 'uid-web-1' }]],
    ]);
    assert.ok(ctx.client.summary().includes('delete pods default/web-1'));
  });

  it('Retain/Retain takes the retention references off a claim', async () => {
    const set = statefulSet({ replicas: 1, volumeClaimTemplates: WWW });
    const rev = revisionOf(set).metadata!.name;
    preload(ctx, ControllerRevisions, revisionOf(set));
    preload(ctx, StatefulSets, set);
    preload(ctx, Pods, member(set, 0, rev));
    preload(ctx, PersistentVolumeClaims, claim('www-web-0', [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'uid-web' }]));
    await c.reconcile(KEY);
    const update = ctx.client.calls.find((x) => x.verb === 'update' && x.resource === 'persistentvolumeclaims');
    assert.deepEqual(update?.object.metadata.ownerReferences, []);
  });

  it('RollingUpdate with a partition: deletes from the highest ordinal down to the partition, one healthy step at a time', async () => {
    const old = statefulSet();
    const oldRev = revisionOf(old);
    const set = statefulSet(
      {
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } },
        template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:2' }] } },
      },
      { currentRevision: oldRev.metadata!.name, updateRevision: oldRev.metadata!.name, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3 },
    );
    const updateRev = newRevision(set, StatefulSets, set.spec!.template, 2, 0).metadata!.name;
    const o = oldRev.metadata!.name;
    preload(ctx, ControllerRevisions, oldRev);
    preload(ctx, StatefulSets, set);
    preload(ctx, Pods, member(set, 0, o), member(set, 1, o), member(set, 2, o));
    await c.reconcile(KEY);
    assert.deepEqual(ctx.client.summary().filter((s) => !s.startsWith('updateStatus')), [
      `create controllerrevisions default/${updateRev}`,
      'delete pods default/web-2',
    ]);
    const status = ctx.client.calls.find((x) => x.verb === 'updateStatus')!.object.status;
    assert.deepEqual([status.currentRevision, status.updateRevision, status.currentReplicas, status.updatedReplicas], [o, updateRev, 2, 0]);

    // web-2 came back at the update revision but is not ready: nothing else goes.
    const pods = ctx.informers.forKind(Pods).indexer;
    const revs = ctx.informers.forKind(ControllerRevisions).indexer;
    revs.add(ctx.client.tracked(ControllerRevisions, 'default', updateRev)!);
    pods.update(member(set, 2, updateRev, { ready: false }));
    ctx.client.clearCalls();
    await c.reconcile(KEY);
    assert.deepEqual(ctx.client.summary().filter((s) => s.startsWith('delete')), []);

    // Ready: web-1 goes next; web-0 is below the partition and keeps the old revision.
    pods.update(member(set, 2, updateRev));
    ctx.client.clearCalls();
    await c.reconcile(KEY);
    assert.deepEqual(ctx.client.summary().filter((s) => s.startsWith('delete')), ['delete pods default/web-1']);
    pods.update(member(set, 1, updateRev));
    ctx.client.clearCalls();
    await c.reconcile(KEY);
    assert.deepEqual(ctx.client.summary().filter((s) => s.startsWith('delete')), []);
  });

  it('a missing pod below the partition is made from the current revision', async () => {
    const old = statefulSet();
    const oldRev = revisionOf(old);
    const set = statefulSet(
      {
        replicas: 2,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } },
        template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:2' }] } },
      },
      { currentRevision: oldRev.metadata!.name },
    );
    preload(ctx, ControllerRevisions, oldRev);
    preload(ctx, StatefulSets, set);
    await c.reconcile(KEY);
    const made = ctx.client.calls.find((x) => x.verb === 'create' && x.resource === 'pods')!.object;
    assert.equal(made.metadata.name, 'web-0');
    assert.equal(made.metadata.labels['controller-revision-hash'], oldRev.metadata!.name);
    assert.equal(made.spec.containers[0].image, 'nginx:1');
  });

  it('OnDelete leaves pods of the old revision alone', async () => {
    const old = statefulSet();
    const oldRev = revisionOf(old);
    const set = statefulSet(
      { updateStrategy: { type: 'OnDelete' }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:2' }] } } },
      { currentRevision: oldRev.metadata!.name },
    );
    const o = oldRev.metadata!.name;
    preload(ctx, ControllerRevisions, oldRev);
    preload(ctx, StatefulSets, set);
    preload(ctx, Pods, member(set, 0, o), member(set, 1, o), member(set, 2, o));
    await c.reconcile(KEY);
    assert.deepEqual(ctx.client.summary().filter((s) => s.startsWith('delete')), []);
  });
});
