// The eviction subresource's decisions (services/apiserver/registry/pod-eviction.ts) on real pod
// and PodDisruptionBudget registries: which pods go without a budget check, what a budget allows
// or refuses, its status written as checkAndDecrement does, and the refusal as Kubernetes' 429.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { fromServiceError, ForbiddenError, InternalError, NotFoundError, TooManyRequestsError, toServiceError } from '../../../../lib/api/errors';
import { PodDisruptionBudgets, Pods } from '../../../../lib/api/kinds';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { PodDisruptionBudget, type PodDisruptionBudgetStatus } from '../../../../lib/gen/kite/policy/v1/types';
import { statusOf } from '../../../../services/apiserver/http/status';
import { DEFAULT_DEFAULTING } from '../../../../services/apiserver/registry/defaults';
import { budgetRefusal, evictPod } from '../../../../services/apiserver/registry/pod-eviction';
import { Registry } from '../../../../services/apiserver/registry/registry';
import { ServiceAllocators } from '../../../../services/apiserver/registry/service-allocators';
import { strategies } from '../../../../services/apiserver/registry/strategies';
import { SqliteStorage } from '../../../../services/apiserver/storage';

type Budget = Partial<PodDisruptionBudgetStatus> & { name?: string; generation?: number; unhealthyPodEvictionPolicy?: string; selector?: Record<string, string> };

/** A budget over the pods labelled app=web as the disruption controller last wrote it. */
const budget = ({ name, generation, unhealthyPodEvictionPolicy, selector, ...status }: Budget = {}): PodDisruptionBudget =>
  PodDisruptionBudget.fromPartial({
    metadata: { name: name ?? 'web-pdb', namespace: 'default', generation: generation ?? 1 },
    spec: { minAvailable: 2, selector: { matchLabels: selector ?? { app: 'web' } }, unhealthyPodEvictionPolicy },
    status: { observedGeneration: 1, disruptionsAllowed: 1, desiredHealthy: 2, currentHealthy: 3, expectedPods: 3, ...status },
  });

describe('pods/eviction', () => {
  let dir: string;
  let storage: SqliteStorage;
  let pods: Registry<Pod>;
  let pdbs: Registry<PodDisruptionBudget>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-eviction-'));
    storage = new SqliteStorage({ path: join(dir, 'kite.db') });
    const byKind = strategies({ defaulting: DEFAULT_DEFAULTING, allocators: new ServiceAllocators('10.96.0.0/16', '30000-32767') });
    pods = new Registry(Pods, storage, byKind.get(Pods)!, { maxObjectBytes: 1024 * 1024, watchCacheSize: 100 });
    pdbs = new Registry(PodDisruptionBudgets, storage, byKind.get(PodDisruptionBudgets)!, { maxObjectBytes: 1024 * 1024, watchCacheSize: 100 });
  });
  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A pod on a node in `phase`, Ready or not. */
  const pod = async (name: string, phase: string, ready = true): Promise<Pod> => {
    const created = await pods.create('default', Pod.fromPartial({ metadata: { name, labels: { app: 'web' } }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] } }));
    const conditions = [{ type: 'Ready', status: ready ? 'True' : 'False', lastProbeTime: '', lastTransitionTime: '', reason: '', message: '' }];
    return pods.updateStatus({ ...created, status: { ...created.status!, phase, conditions } });
  };
  /** Stores the budgets (the controller's status on them), then evicts. */
  const evict = async (name: string, budgets: PodDisruptionBudget[], dryRun = false) => {
    for (const b of budgets) {
      const created = await pdbs.create('default', structuredClone(b));
      await pdbs.updateStatus({ ...created, status: b.status });
    }
    return evictPod(pods, { namespace: 'default', name, dryRun }, pdbs);
  };

  it('evicts a pod no budget selects, and a pod of another namespace or labels is not protected', async () => {
    await pod('web', 'Running');
    const evicted = await evict('web', [budget({ disruptionsAllowed: 0, selector: { app: 'db' } })]);
    assert.ok(evicted.metadata!.deletionTimestamp);
  });

  it('writes the budget\'s status before the delete: one disruption fewer, the pod among disruptedPods, InsufficientPods at zero', async () => {
    await pod('web', 'Running');
    await evict('web', [budget()]);
    const after = await pdbs.get('default', 'web-pdb');
    assert.equal(after.status!.disruptionsAllowed, 0);
    assert.deepEqual(Object.keys(after.status!.disruptedPods), ['web']);
    const cond = after.status!.conditions.find((c) => c.type === 'DisruptionAllowed');
    assert.deepEqual([cond?.status, cond?.reason], ['False', 'InsufficientPods']);
  });

  it('a dry run leaves the budget as it was', async () => {
    await pod('web', 'Running');
    await evict('web', [budget()], true);
    assert.equal((await pdbs.get('default', 'web-pdb')).status!.disruptionsAllowed, 1);
  });

  it('an empty selector protects every pod of the namespace (policy/v1)', async () => {
    await pod('web', 'Running');
    const b = budget({ disruptionsAllowed: 0 });
    b.spec!.selector = { matchLabels: {}, matchExpressions: [] };
    await assert.rejects(evict('web', [b]), TooManyRequestsError);
  });

  it('an unready pod goes under AlwaysAllow even when no healthy pod may go', async () => {
    await pod('unready', 'Running', false);
    const evicted = await evict('unready', [budget({ disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2, unhealthyPodEvictionPolicy: 'AlwaysAllow' })]);
    assert.ok(evicted.metadata!.deletionTimestamp);
  });

  it('an unready pod under IfHealthyBudget is refused while the budget lacks healthy pods', async () => {
    await pod('unready', 'Running', false);
    await assert.rejects(evict('unready', [budget({ disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2 })]), TooManyRequestsError);
  });

  it('deletes a running pod its budget allows to go, with the pod\'s grace period', async () => {
    await pod('web', 'Running');
    const evicted = await evict('web', [budget()]);
    assert.equal(evicted.metadata!.deletionGracePeriodSeconds, 30);
    assert.ok(evicted.status!.conditions.some((c) => c.type === 'DisruptionTarget' && c.status === 'True'));
  });

  it('refuses a running pod whose budget allows no disruption: 429 TooManyRequests, the pod untouched', async () => {
    const before = await pod('web', 'Running');
    await assert.rejects(evict('web', [budget({ disruptionsAllowed: 0 })]), (err: Error) => {
      assert.ok(err instanceof TooManyRequestsError);
      assert.equal(err.message, "Cannot evict pod as it would violate the pod's disruption budget.");
      assert.deepEqual(err.causes, [{ field: '', reason: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 2 healthy pods and has 3 currently' }]);
      return true;
    });
    assert.equal((await pods.get('default', 'web')).metadata!.resourceVersion, before.metadata!.resourceVersion);
  });

  it('deletes terminal and pending pods without asking their budget', async () => {
    for (const phase of ['Succeeded', 'Failed', 'Pending']) {
      await pod(phase.toLowerCase(), phase);
      await evictPod(pods, { namespace: 'default', name: phase.toLowerCase(), dryRun: false }, pdbs);
    }
    await assert.rejects(pods.get('default', 'succeeded'), NotFoundError);
  });

  it('lets an unready pod go without using up a budget that has enough healthy pods', async () => {
    await pod('unready', 'Running', false);
    const evicted = await evict('unready', [budget({ disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2 })]);
    assert.ok(evicted.metadata!.deletionTimestamp);
  });

  it('refuses a pod two budgets select, as Kubernetes does', async () => {
    await pod('web', 'Running');
    await assert.rejects(evict('web', [budget(), budget({ name: 'other' })]), (err: Error) => err instanceof InternalError && /more than one PodDisruptionBudget/.test(err.message));
  });

  it('budgets not yet observed, or with a negative allowance, refuse as Kubernetes\' checkAndDecrement', () => {
    assert.ok(budgetRefusal(budget({ generation: 2 })) instanceof TooManyRequestsError);
    assert.equal((budgetRefusal(budget({ generation: 2 })) as TooManyRequestsError).retryAfterSeconds, 10);
    assert.equal((budgetRefusal(budget({ generation: 2 })) as TooManyRequestsError).causes[0].message, 'The disruption budget web-pdb is still being processed by the server.');
    assert.ok(budgetRefusal(budget({ disruptionsAllowed: -1 })) instanceof ForbiddenError);
    assert.equal(budgetRefusal(budget()), undefined);
  });

  it('a budget\'s refusal crosses gRPC as RESOURCE_EXHAUSTED and HTTP as 429 TooManyRequests', () => {
    const refusal = budgetRefusal(budget({ disruptionsAllowed: 0 }))!;
    const wire = toServiceError(refusal);
    assert.equal(wire.code, GrpcStatus.RESOURCE_EXHAUSTED);
    const back = fromServiceError({ ...wire, message: wire.details } as never);
    assert.ok(back instanceof TooManyRequestsError, 'not RequestEntityTooLarge, which shares the code');
    const s = statusOf(back, { group: '', resource: 'pods', kind: 'Pod', name: 'web' });
    assert.deepEqual([s.code, s.reason, s.message], [429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget."]);
    assert.deepEqual(s.details, { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 2 healthy pods and has 3 currently' }] });
  });
});
