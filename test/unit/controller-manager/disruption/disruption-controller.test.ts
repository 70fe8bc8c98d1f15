// The disruption controller's decisions with preloaded informers, a fake client and a clock the
// test sets: expected counts for integer and percentage minAvailable and for maxUnavailable
// (through ReplicaSets, Deployments and StatefulSets), healthy pods, disruptionsAllowed, the
// DisruptionAllowed condition, disruptedPods expiring after 2 minutes, SyncFailed when a pod's
// controller cannot be found, and a stale DisruptionTarget condition reset.
import { strict as assert } from 'node:assert';
import { Deployments, PodDisruptionBudgets, Pods, ReplicaSets, StatefulSets } from '../../../../lib/api/kinds';
import { StatefulSet } from '../../../../lib/gen/kite/apps/v1/types';
import type { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { PodDisruptionBudget, type PodDisruptionBudgetStatus } from '../../../../lib/gen/kite/policy/v1/types';
import { preparePodDisruptionBudgetForCreate } from '../../../../services/apiserver/registry/validation/poddisruptionbudget-validation';
import { DisruptionController } from '../../../../services/controller-manager/disruption/disruption-controller';
import { preload, testContext, type TestContext } from '../support/context';
import { at, deployment, pod, replicaSet } from '../support/fixtures';

function budget(spec: Record<string, unknown>, status: Partial<PodDisruptionBudgetStatus> = {}): PodDisruptionBudget {
  const b = PodDisruptionBudget.fromPartial({
    kind: 'PodDisruptionBudget',
    apiVersion: 'policy/v1',
    metadata: { name: 'web-pdb', namespace: 'default', uid: 'uid-pdb', resourceVersion: '1', generation: 1 },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
  } as unknown as Parameters<typeof PodDisruptionBudget.fromPartial>[0]);
  preparePodDisruptionBudgetForCreate(b);
  b.status = { ...b.status!, ...status };
  return b;
}

const written = (ctx: TestContext): PodDisruptionBudgetStatus[] => ctx.client.calls.filter((c) => c.verb === 'updateStatus' && c.resource === 'poddisruptionbudgets').map((c) => c.object.status);
const counts = (s: PodDisruptionBudgetStatus) => ({ expected: s.expectedPods, desired: s.desiredHealthy, healthy: s.currentHealthy, allowed: s.disruptionsAllowed });

describe('DisruptionController.reconcile', () => {
  let ctx: TestContext;
  let c: DisruptionController;
  beforeEach(() => {
    ctx = testContext();
    c = new DisruptionController(ctx);
  });

  /** A ReplicaSet of `replicas` (optionally a Deployment's) and `ready` Ready pods of it, plus `unready` others. */
  function replicas(replicasCount: number, ready: number, unready = 0, viaDeployment = false): Pod[] {
    const d = deployment('web', { replicas: replicasCount });
    const rs = replicaSet('web-abc', { replicas: viaDeployment ? 99 : replicasCount, owner: viaDeployment ? { obj: d, kind: Deployments } : undefined });
    if (viaDeployment) preload(ctx, Deployments, d);
    preload(ctx, ReplicaSets, rs);
    const pods = [
      ...Array.from({ length: ready }, (_, i) => pod(`web-${i}`, { labels: { app: 'web' }, owner: { obj: rs, kind: ReplicaSets }, nodeName: 'n1', readySince: 0 })),
      ...Array.from({ length: unready }, (_, i) => pod(`web-u${i}`, { labels: { app: 'web' }, owner: { obj: rs, kind: ReplicaSets }, nodeName: 'n1', ready: false })),
    ];
    preload(ctx, Pods, ...pods);
    return pods;
  }

  it('an integer minAvailable expects the pods found: 3 Ready over minAvailable 2 allow one disruption (SufficientPods)', async () => {
    replicas(3, 3);
    preload(ctx, PodDisruptionBudgets, budget({ minAvailable: 2 }));
    await c.reconcile('default/web-pdb');
    const [s] = written(ctx);
    assert.deepEqual(counts(s), { expected: 3, desired: 2, healthy: 3, allowed: 1 });
    assert.equal(s.observedGeneration, 1);
    assert.deepEqual(s.conditions.map((x) => [x.type, x.status, x.reason]), [['DisruptionAllowed', 'True', 'SufficientPods']]);
  });

  it('unready pods are not healthy: 2 Ready of 3 over minAvailable 2 allow none (InsufficientPods)', async () => {
    replicas(3, 2, 1);
    preload(ctx, PodDisruptionBudgets, budget({ minAvailable: 2 }));
    await c.reconcile('default/web-pdb');
    const [s] = written(ctx);
    assert.deepEqual(counts(s), { expected: 3, desired: 2, healthy: 2, allowed: 0 });
    assert.deepEqual(s.conditions.map((x) => [x.status, x.reason]), [['False', 'InsufficientPods']]);
  });

  it('a percentage minAvailable is of the Deployment\'s replicas (rounded up), not of the pods found', async () => {
    replicas(4, 3, 0, true);
    preload(ctx, PodDisruptionBudgets, budget({ minAvailable: '50%' }));
    await c.reconcile('default/web-pdb');
    assert.deepEqual(counts(written(ctx)[0]), { expected: 4, desired: 2, healthy: 3, allowed: 1 });
  });

  it('maxUnavailable is taken from the ReplicaSet\'s scale', async () => {
    replicas(5, 5);
    preload(ctx, PodDisruptionBudgets, budget({ maxUnavailable: '30%' }));
    await c.reconcile('default/web-pdb');
    // 30% of 5 rounds up to 2: 3 must stay healthy.
    assert.deepEqual(counts(written(ctx)[0]), { expected: 5, desired: 3, healthy: 5, allowed: 2 });
  });

  it('a StatefulSet\'s replicas count too', async () => {
    const ss = StatefulSet.fromPartial({ metadata: { name: 'db', namespace: 'default', uid: 'uid-db' }, spec: { replicas: 2 } });
    preload(ctx, StatefulSets, ss);
    preload(ctx, Pods, pod('db-0', { labels: { app: 'web' }, owner: { obj: ss, kind: StatefulSets }, nodeName: 'n1', readySince: 0 }));
    preload(ctx, PodDisruptionBudgets, budget({ maxUnavailable: 1 }));
    await c.reconcile('default/web-pdb');
    assert.deepEqual(counts(written(ctx)[0]), { expected: 2, desired: 1, healthy: 1, allowed: 0 });
  });

  it('a pod whose controller is not found fails the sync: nothing allowed, SyncFailed, and the events Kubernetes sends', async () => {
    preload(ctx, Pods, pod('web-x', { labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'gone', uid: 'uid-gone', controller: true, blockOwnerDeletion: true }], nodeName: 'n1', readySince: 0 }));
    preload(ctx, PodDisruptionBudgets, budget({ minAvailable: '50%' }, { disruptionsAllowed: 3 }));
    await assert.rejects(c.reconcile('default/web-pdb'), /found no controllers for pod "web-x"/);
    const [s] = written(ctx);
    assert.equal(s.disruptionsAllowed, 0);
    assert.deepEqual(s.conditions.map((x) => [x.status, x.reason, x.message]), [['False', 'SyncFailed', 'found no controllers for pod "web-x"']]);
    assert.deepEqual(ctx.events.lines(), [
      'Warning NoControllers found no controllers for pod "web-x"',
      'Warning CalculateExpectedPodCountFailed Failed to calculate the number of expected pods: found no controllers for pod "web-x"',
    ]);
  });

  it('a pod just evicted is not healthy for 2 minutes; then it counts again and leaves disruptedPods', async () => {
    replicas(3, 3);
    preload(ctx, PodDisruptionBudgets, budget({ minAvailable: 2 }, { disruptedPods: { 'web-0': at(0) } }));
    ctx.setNow(30);
    const result = await c.reconcile('default/web-pdb');
    assert.deepEqual(counts(written(ctx)[0]), { expected: 3, desired: 2, healthy: 2, allowed: 0 });
    assert.deepEqual(written(ctx)[0].disruptedPods, { 'web-0': at(0) });
    assert.deepEqual(result, { requeueAfter: 90_000 });

    // The informer sees the status written.
    ctx.informers.forKind(PodDisruptionBudgets).indexer.add(await ctx.client.resource(PodDisruptionBudgets).get('web-pdb', 'default'));
    ctx.setNow(121);
    await c.reconcile('default/web-pdb');
    assert.deepEqual(counts(written(ctx)[1]), { expected: 3, desired: 2, healthy: 3, allowed: 1 });
    assert.deepEqual(written(ctx)[1].disruptedPods, {});
    assert.deepEqual(ctx.events.lines(), ['Warning NotDeleted Pod was expected by PDB default/web-pdb to be deleted but it wasn\'t']);
  });

  it('writes nothing when the status is already what it computes', async () => {
    replicas(3, 3);
    preload(ctx, PodDisruptionBudgets, budget({ minAvailable: 2 }));
    await c.reconcile('default/web-pdb');
    const [s] = written(ctx);
    const again = testContext();
    const c2 = new DisruptionController(again);
    const b = budget({ minAvailable: 2 }, s);
    ctx = again;
    replicas(3, 3);
    preload(again, PodDisruptionBudgets, b);
    await c2.reconcile('default/web-pdb');
    assert.deepEqual(written(again), []);
  });

  it('a budget selecting no pod expects none and allows nothing (NoPods)', async () => {
    preload(ctx, PodDisruptionBudgets, budget({ minAvailable: 1 }));
    await c.reconcile('default/web-pdb');
    assert.deepEqual(counts(written(ctx)[0]), { expected: 0, desired: 1, healthy: 0, allowed: 0 });
    assert.deepEqual(ctx.events.lines(), ['Normal NoPods No matching pods found']);
  });

  it('turns a DisruptionTarget condition False on a pod still not deleted 2 minutes later', async () => {
    const p = pod('web-0', { labels: { app: 'web' }, nodeName: 'n1', readySince: 0 });
    p.status!.conditions.push({ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastProbeTime: '', lastTransitionTime: at(0) });
    preload(ctx, Pods, p);
    ctx.setNow(60);
    assert.deepEqual(await c.reconcile('stale-pod:default/web-0'), { requeueAfter: 60_000 });
    ctx.setNow(120);
    await c.reconcile('stale-pod:default/web-0');
    const [call] = ctx.client.calls.filter((x) => x.verb === 'updateStatus');
    assert.equal(call.resource, 'pods');
    assert.deepEqual(call.object.status.conditions.find((x: { type: string }) => x.type === 'DisruptionTarget').status, 'False');
  });
});
