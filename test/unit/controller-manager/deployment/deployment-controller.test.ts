import { strict as assert } from 'node:assert';
import { Deployments, Pods, ReplicaSets } from '../../../../lib/api/kinds';
import type { Deployment, ReplicaSet } from '../../../../lib/gen/kite/apps/v1/types';
import { DeploymentController } from '../../../../services/controller-manager/deployment/deployment-controller';
import { DESIRED_REPLICAS, MAX_REPLICAS, REVISION, REVISION_HISTORY } from '../../../../services/controller-manager/deployment/deployment-util';
import { computeHash } from '../../../../services/controller-manager/deployment/template-hash';
import { preload, testContext, type TestContext } from '../support/context';
import { at, controllerRef, deployment, pod, replicaSet } from '../support/fixtures';

/** A ReplicaSet of `d` as the controller makes them, for `image`. */
function ownedRS(
  d: Deployment,
  image: string,
  o: { replicas: number; available?: number; revision?: number; created?: number; desired?: number; statusReplicas?: number },
): ReplicaSet {
  const hash = computeHash({ ...d.spec!.template!, spec: { ...d.spec!.template!.spec!, containers: [{ ...d.spec!.template!.spec!.containers[0], image }] } });
  const labels = { app: 'web', 'pod-template-hash': hash };
  const rs = replicaSet(`web-${hash}`, {
    replicas: o.replicas,
    labels,
    image,
    created: o.created ?? 0,
    owner: { obj: d, kind: Deployments },
    annotations: {
      [REVISION]: String(o.revision ?? 1),
      [DESIRED_REPLICAS]: String(o.desired ?? d.spec!.replicas),
      [MAX_REPLICAS]: String((o.desired ?? d.spec!.replicas!) + 1),
    },
    status: { replicas: o.statusReplicas ?? o.replicas, readyReplicas: o.available ?? o.replicas, availableReplicas: o.available ?? o.replicas },
  });
  rs.spec!.template!.metadata!.labels = labels;
  return rs;
}

function lastStatus(ctx: TestContext) {
  const calls = ctx.client.calls.filter((c) => c.verb === 'updateStatus' && c.resource === 'deployments');
  return calls[calls.length - 1]?.object.status;
}

function cond(status: any, type: string) {
  const c = status.conditions.find((x: any) => x.type === type);
  return c && `${c.status} ${c.reason}`;
}

describe('DeploymentController.reconcile', () => {
  let ctx: TestContext;
  let c: DeploymentController;
  beforeEach(() => {
    ctx = testContext();
    c = new DeploymentController(ctx);
  });

  it('creates the first ReplicaSet with the full count, revision 1 and the pod-template-hash', async () => {
    const d = deployment('web', { replicas: 3 });
    preload(ctx, Deployments, d);
    await c.reconcile('default/web');
    const hash = computeHash(d.spec!.template);
    assert.deepEqual(ctx.client.summary(), [
      'create replicasets default/web-' + hash,
      'update deployments default/web',
      'updateStatus deployments default/web',
      'updateStatus deployments default/web',
    ]);
    const rs = ctx.client.calls[0].object;
    assert.equal(rs.spec.replicas, 3);
    assert.deepEqual(rs.spec.selector.matchLabels, { app: 'web', 'pod-template-hash': hash });
    assert.deepEqual(rs.spec.template.metadata.labels, { app: 'web', 'pod-template-hash': hash });
    assert.deepEqual(rs.metadata.labels, { app: 'web', 'pod-template-hash': hash });
    assert.deepEqual(rs.metadata.ownerReferences, [controllerRef(d, Deployments)]);
    assert.deepEqual(rs.metadata.annotations, { [REVISION]: '1', [DESIRED_REPLICAS]: '3', [MAX_REPLICAS]: '4' });
    assert.equal(ctx.client.calls[1].object.metadata.annotations[REVISION], '1');
    assert.equal(cond(ctx.client.calls[2].object.status, 'Progressing'), 'True NewReplicaSetCreated');
    const status = lastStatus(ctx);
    assert.equal(status.observedGeneration, 1);
    assert.equal(cond(status, 'Available'), 'False MinimumReplicasUnavailable');
    assert.deepEqual(ctx.events.lines(), [`Normal ScalingReplicaSet Scaled up replica set web-${hash} to 3 from 0`]);
  });

  it('reports a finished rollout: Available and NewReplicaSetAvailable, with replica counts', async () => {
    const d = deployment('web', { replicas: 3, annotations: { [REVISION]: '1' } });
    const rs = ownedRS(d, 'nginx', { replicas: 3 });
    d.status = { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 0, conditions: [] };
    d.status.conditions.push({ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: '', lastUpdateTime: at(0), lastTransitionTime: at(0) });
    preload(ctx, Deployments, d);
    preload(ctx, ReplicaSets, rs);
    await c.reconcile('default/web');
    assert.deepEqual(ctx.client.summary(), ['updateStatus deployments default/web']);
    const status = lastStatus(ctx);
    assert.deepEqual(
      [status.replicas, status.updatedReplicas, status.readyReplicas, status.availableReplicas, status.unavailableReplicas],
      [3, 3, 3, 3, 0],
    );
    assert.equal(cond(status, 'Available'), 'True MinimumReplicasAvailable');
    assert.equal(cond(status, 'Progressing'), 'True NewReplicaSetAvailable');
  });

  describe('rolling update (3 replicas: maxSurge 1, maxUnavailable 0)', () => {
    let d: Deployment;
    let old: ReplicaSet;
    beforeEach(() => {
      d = deployment('web', { replicas: 3, image: 'nginx:2', generation: 2, annotations: { [REVISION]: '1' } });
      d.status!.conditions = [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: '', lastUpdateTime: at(0), lastTransitionTime: at(0) }];
      old = ownedRS(d, 'nginx', { replicas: 3, revision: 1 });
    });

    it('starts by creating the new ReplicaSet with the surge only', async () => {
      preload(ctx, Deployments, d);
      preload(ctx, ReplicaSets, old);
      await c.reconcile('default/web');
      const created = ctx.client.calls[0];
      assert.equal(created.verb, 'create');
      assert.equal(created.object.spec.replicas, 1);
      assert.equal(created.object.metadata.annotations[REVISION], '2');
      assert.equal(ctx.client.calls[1].object.metadata.annotations[REVISION], '2');
      assert.ok(!ctx.client.summary().some((s) => s.startsWith('update replicasets')), 'old one untouched while the surge pod is unavailable');
    });

    it('does not scale the old one down until the new pod is available', async () => {
      const neu = ownedRS(d, 'nginx:2', { replicas: 1, available: 0, revision: 2, created: 10 });
      preload(ctx, Deployments, d);
      preload(ctx, ReplicaSets, old, neu);
      await c.reconcile('default/web');
      assert.deepEqual(ctx.client.summary(), ['update deployments default/web', 'updateStatus deployments default/web']);
    });

    it('then scales the old one down by what became available, and the new one up', async () => {
      const neu = ownedRS(d, 'nginx:2', { replicas: 1, available: 1, revision: 2, created: 10 });
      d.metadata!.annotations[REVISION] = '2';
      preload(ctx, Deployments, d);
      preload(ctx, ReplicaSets, old, neu);
      await c.reconcile('default/web');
      assert.deepEqual(ctx.client.summary(), ['update replicasets default/' + old.metadata!.name, 'updateStatus deployments default/web']);
      assert.equal(ctx.client.calls[0].object.spec.replicas, 2);
      ctx.client.clearCalls();
      const c2 = new DeploymentController((ctx = testContext()));
      const oldScaled = ownedRS(d, 'nginx', { replicas: 2, revision: 1 });
      preload(ctx, Deployments, d);
      preload(ctx, ReplicaSets, oldScaled, neu);
      await c2.reconcile('default/web');
      assert.equal(ctx.client.calls[0].verb, 'update');
      assert.equal(ctx.client.calls[0].name, neu.metadata!.name);
      assert.equal(ctx.client.calls[0].object.spec.replicas, 2);
    });

    it('removes unavailable old replicas first, even beyond the availability budget', async () => {
      const sick = ownedRS(d, 'nginx', { replicas: 3, available: 1, revision: 1 });
      const neu = ownedRS(d, 'nginx:2', { replicas: 1, available: 1, revision: 2, created: 10 });
      d.metadata!.annotations[REVISION] = '2';
      preload(ctx, Deployments, d);
      preload(ctx, ReplicaSets, sick, neu);
      await c.reconcile('default/web');
      // all 4, minAvailable 3, new unavailable 0: at most 1 may go; it is an unhealthy one.
      assert.equal(ctx.client.calls[0].object.spec.replicas, 2);
    });

    it('counts the new ReplicaSet\'s unavailable replicas against the budget: nothing old goes while they start', async () => {
      const sick = ownedRS(d, 'nginx', { replicas: 3, available: 1, revision: 1 });
      const neu = ownedRS(d, 'nginx:2', { replicas: 1, available: 0, revision: 2, created: 10 });
      d.metadata!.annotations[REVISION] = '2';
      preload(ctx, Deployments, d);
      preload(ctx, ReplicaSets, sick, neu);
      await c.reconcile('default/web');
      // all 4, minAvailable 3, new unavailable 1: 4 - 3 - 1 = 0 may go, unhealthy or not.
      assert.ok(!ctx.client.summary().some((call) => call.startsWith('update replicasets')), ctx.client.summary().join('; '));
    });
  });

  it('rolls back by reusing the ReplicaSet whose template matches, with the next revision', async () => {
    const d = deployment('web', { replicas: 2, image: 'nginx', annotations: { [REVISION]: '2' } });
    const v1 = ownedRS(d, 'nginx', { replicas: 0, revision: 1, created: 0, desired: 2 });
    const v2 = ownedRS(d, 'nginx:2', { replicas: 2, revision: 2, created: 10, desired: 2 });
    preload(ctx, Deployments, d);
    preload(ctx, ReplicaSets, v1, v2);
    await c.reconcile('default/web');
    const first = ctx.client.calls[0];
    assert.equal(`${first.verb} ${first.name}`, `update ${v1.metadata!.name}`);
    assert.equal(first.object.metadata.annotations[REVISION], '3');
    assert.equal(first.object.metadata.annotations[REVISION_HISTORY], '1');
    assert.ok(!ctx.client.summary().some((s) => s.startsWith('create')), 'no new ReplicaSet');
  });

  it('Recreate: scales old ReplicaSets to zero and waits for their pods before creating the new one', async () => {
    const d = deployment('web', { replicas: 2, image: 'nginx:2', strategy: 'Recreate', annotations: { [REVISION]: '1' } });
    const old = ownedRS(d, 'nginx', { replicas: 2, revision: 1 });
    preload(ctx, Deployments, d);
    preload(ctx, ReplicaSets, old);
    await c.reconcile('default/web');
    assert.deepEqual(ctx.client.summary(), ['update replicasets default/' + old.metadata!.name, 'updateStatus deployments default/web']);
    assert.equal(ctx.client.calls[0].object.spec.replicas, 0);

    // Scaled down, but a pod is still terminating: wait.
    ctx = testContext();
    c = new DeploymentController(ctx);
    const drained = ownedRS(d, 'nginx', { replicas: 0, statusReplicas: 0, revision: 1 });
    preload(ctx, Deployments, d);
    preload(ctx, ReplicaSets, drained);
    preload(ctx, Pods, pod('web-old-1', { labels: drained.metadata!.labels, owner: { obj: drained, kind: ReplicaSets }, nodeName: 'n1', deleting: true }));
    await c.reconcile('default/web');
    assert.ok(!ctx.client.summary().some((s) => s.startsWith('create')));

    // Gone: now the new ReplicaSet, at full size.
    ctx = testContext();
    c = new DeploymentController(ctx);
    preload(ctx, Deployments, d);
    preload(ctx, ReplicaSets, drained);
    await c.reconcile('default/web');
    assert.equal(ctx.client.calls[0].verb, 'create');
    assert.equal(ctx.client.calls[0].object.spec.replicas, 2);
  });

  it('resizes ReplicaSets in proportion when only spec.replicas changed mid-rollout', async () => {
    const d = deployment('web', { replicas: 6, image: 'nginx:2', annotations: { [REVISION]: '2' } });
    const old = ownedRS(d, 'nginx', { replicas: 2, revision: 1, desired: 3 });
    const neu = ownedRS(d, 'nginx:2', { replicas: 2, revision: 2, created: 10, desired: 3 });
    preload(ctx, Deployments, d);
    preload(ctx, ReplicaSets, old, neu);
    await c.reconcile('default/web');
    // Allowed 6 + 2 surge = 8, now 4: each of the two (max-replicas 4) doubles.
    const sizes = Object.fromEntries(ctx.client.calls.filter((x) => x.verb === 'update' && x.resource === 'replicasets').map((x) => [x.name, x.object.spec.replicas]));
    assert.deepEqual(sizes, { [old.metadata!.name]: 4, [neu.metadata!.name]: 4 });
  });

  it('prunes old empty ReplicaSets beyond revisionHistoryLimit, oldest revisions first', async () => {
    const d = deployment('web', { replicas: 1, revisionHistoryLimit: 1, annotations: { [REVISION]: '4' } });
    const cur = ownedRS(d, 'nginx', { replicas: 1, revision: 4, created: 40, desired: 1 });
    const r1 = ownedRS(d, 'nginx:1', { replicas: 0, revision: 1, created: 10, desired: 1 });
    const r2 = ownedRS(d, 'nginx:2', { replicas: 0, revision: 2, created: 20, desired: 1 });
    const r3 = ownedRS(d, 'nginx:3', { replicas: 0, revision: 3, created: 30, desired: 1 });
    d.status = { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 0, conditions: [] };
    preload(ctx, Deployments, d);
    preload(ctx, ReplicaSets, r3, cur, r1, r2);
    await c.reconcile('default/web');
    assert.deepEqual(
      ctx.client.summary().filter((s) => s.startsWith('delete')),
      [`delete replicasets default/${r1.metadata!.name}`, `delete replicasets default/${r2.metadata!.name}`],
    );
  });

  it('marks a paused Deployment and does not roll it', async () => {
    const d = deployment('web', { replicas: 3, image: 'nginx:2', paused: true, annotations: { [REVISION]: '1' } });
    const old = ownedRS(d, 'nginx', { replicas: 3, revision: 1 });
    preload(ctx, Deployments, d);
    preload(ctx, ReplicaSets, old);
    await c.reconcile('default/web');
    assert.ok(!ctx.client.summary().some((s) => s.startsWith('create')));
    assert.equal(cond(ctx.client.calls[0].object.status, 'Progressing'), 'Unknown DeploymentPaused');
  });

  it('reports ProgressDeadlineExceeded when the rollout made no progress in time, else asks to be requeued', async () => {
    const d = deployment('web', { replicas: 1, progressDeadlineSeconds: 60, annotations: { [REVISION]: '1' } });
    const rs = ownedRS(d, 'nginx', { replicas: 1, available: 0 });
    d.status = {
      observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 0, availableReplicas: 0, unavailableReplicas: 1,
      conditions: [
        { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastUpdateTime: at(0), lastTransitionTime: at(0) },
        { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: '', lastUpdateTime: at(0), lastTransitionTime: at(0) },
      ],
    };
    preload(ctx, Deployments, d);
    preload(ctx, ReplicaSets, rs);
    ctx.setNow(30);
    assert.deepEqual(await c.reconcile('default/web'), { requeueAfter: 31_000 });
    assert.deepEqual(ctx.client.summary(), []);
    ctx.setNow(61);
    await c.reconcile('default/web');
    assert.equal(cond(lastStatus(ctx), 'Progressing'), 'False ProgressDeadlineExceeded');
  });

  it('adopts a matching orphan ReplicaSet', async () => {
    const d = deployment('web', { replicas: 1 });
    const orphan = replicaSet('web-orphan', { replicas: 1, labels: { app: 'web' } });
    preload(ctx, Deployments, d);
    preload(ctx, ReplicaSets, orphan);
    await c.reconcile('default/web');
    assert.equal(ctx.client.summary()[0], 'update replicasets default/web-orphan');
    assert.deepEqual(ctx.client.calls[0].object.metadata.ownerReferences, [controllerRef(d, Deployments)]);
  });
});

describe('DeploymentController.reconcile: rolling update arithmetic (Kubernetes rolloutRolling)', () => {
  let ctx: TestContext;
  beforeEach(() => {
    ctx = testContext();
  });

  /** The ReplicaSet updates made, as name -> replicas, in order. */
  function scaled(): string[] {
    return ctx.client.calls.filter((x) => x.verb === 'update' && x.resource === 'replicasets').map((x) => `${x.name}=${x.object.spec.replicas}`);
  }

  async function run(d: Deployment, ...rss: ReplicaSet[]): Promise<void> {
    preload(ctx, Deployments, d);
    preload(ctx, ReplicaSets, ...rss);
    await new DeploymentController(ctx).reconcile('default/web');
  }

  const name = (rs: ReplicaSet) => rs.metadata!.name;

  /** replicas, updatedReplicas, readyReplicas and availableReplicas of the status last written. */
  const counts = () => {
    const s = lastStatus(ctx);
    return [s.replicas, s.updatedReplicas, s.readyReplicas, s.availableReplicas];
  };

  it('maxUnavailable without surge: an old replica goes first, nothing new yet', async () => {
    const d = deployment('web', { replicas: 4, image: 'nginx:2', maxSurge: 0, maxUnavailable: 1, annotations: { [REVISION]: '2' } });
    const old = ownedRS(d, 'nginx', { replicas: 4, revision: 1 });
    const neu = ownedRS(d, 'nginx:2', { replicas: 0, revision: 2, created: 10 });
    await run(d, neu, old);
    assert.deepEqual(scaled(), [`${name(old)}=3`]);
    assert.deepEqual(counts(), [4, 0, 4, 4], 'the status counts the pods the ReplicaSets report');
  });

  it('scales old ReplicaSets down oldest first, by no more than the availability budget', async () => {
    // 4 available, at least 2 must stay: 2 go, the oldest ReplicaSet's first
    const d = deployment('web', { replicas: 4, image: 'nginx:2', maxSurge: 0, maxUnavailable: 2, annotations: { [REVISION]: '3' } });
    const v1 = ownedRS(d, 'nginx:0', { replicas: 1, revision: 1, created: 0 });
    const v2 = ownedRS(d, 'nginx:1', { replicas: 3, revision: 2, created: 5 });
    const neu = ownedRS(d, 'nginx:2', { replicas: 0, revision: 3, created: 10 });
    await run(d, neu, v2, v1);
    assert.deepEqual(scaled(), [`${name(v1)}=0`, `${name(v2)}=2`]);
  });

  it('removes unavailable old replicas oldest first, within the budget', async () => {
    // budget 2: v1 has 1 unavailable, v2 has 2; one of each goes, and nothing available is touched
    const d = deployment('web', { replicas: 4, image: 'nginx:2', maxSurge: 0, maxUnavailable: 2, annotations: { [REVISION]: '3' } });
    const v1 = ownedRS(d, 'nginx:0', { replicas: 2, available: 1, revision: 1, created: 0 });
    const v2 = ownedRS(d, 'nginx:1', { replicas: 2, available: 0, revision: 2, created: 5 });
    const neu = ownedRS(d, 'nginx:2', { replicas: 0, revision: 3, created: 10 });
    await run(d, neu, v2, v1);
    assert.deepEqual(scaled(), [`${name(v1)}=1`, `${name(v2)}=1`]);
  });

  it('scales the new ReplicaSet up and leaves the old ones to the next sync', async () => {
    const d = deployment('web', { replicas: 4, image: 'nginx:2', maxSurge: 1, maxUnavailable: 1, annotations: { [REVISION]: '2' } });
    const old = ownedRS(d, 'nginx', { replicas: 4, revision: 1 });
    const neu = ownedRS(d, 'nginx:2', { replicas: 0, revision: 2, created: 10 });
    await run(d, neu, old);
    assert.deepEqual(scaled(), [`${name(neu)}=1`]);
    assert.deepEqual(counts(), [4, 0, 4, 4], 'the status counts the pods the ReplicaSets report');
  });

  it('scales a new ReplicaSet above the desired count down to it', async () => {
    const d = deployment('web', { replicas: 3, annotations: { [REVISION]: '1' } });
    const rs = ownedRS(d, 'nginx', { replicas: 5, revision: 1 });
    await run(d, rs);
    assert.deepEqual(scaled(), [`${name(rs)}=3`]);
  });

  it('prunes history only once the rollout is complete', async () => {
    const d = deployment('web', { replicas: 3, revisionHistoryLimit: 0, annotations: { [REVISION]: '2' } });
    const cur = ownedRS(d, 'nginx', { replicas: 3, available: 2, revision: 2, created: 10 });
    const empty = ownedRS(d, 'nginx:1', { replicas: 0, revision: 1, created: 0 });
    d.status = { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1, conditions: [] };
    await run(d, cur, empty);
    assert.deepEqual(ctx.client.summary().filter((s) => s.startsWith('delete')), []);
  });
});
