// The eviction subresource's decisions (services/apiserver/registry/pod-eviction.ts) on a real
// registry, with the budgets a PodDisruptionBudget kind would find handed in: which pods go
// without a budget check, what a budget allows or refuses, and the refusal as Kubernetes' 429.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { fromServiceError, ForbiddenError, InternalError, NotFoundError, TooManyRequestsError, toServiceError } from '../../../../lib/api/errors';
import { Pods } from '../../../../lib/api/kinds';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { statusOf } from '../../../../services/apiserver/http/status';
import { DEFAULT_DEFAULTING } from '../../../../services/apiserver/registry/defaults';
import { budgetRefusal, disruptionBudgetsOf, evictPod, type DisruptionBudget } from '../../../../services/apiserver/registry/pod-eviction';
import { Registry } from '../../../../services/apiserver/registry/registry';
import { ServiceAllocators } from '../../../../services/apiserver/registry/service-allocators';
import { strategies } from '../../../../services/apiserver/registry/strategies';
import { SqliteStorage } from '../../../../services/apiserver/storage';

const budget = (b: Partial<DisruptionBudget> = {}): DisruptionBudget => ({ name: 'web-pdb', generation: 1, observedGeneration: 1, disruptionsAllowed: 1, desiredHealthy: 2, currentHealthy: 3, ...b });

describe('pods/eviction', () => {
  let dir: string;
  let storage: SqliteStorage;
  let pods: Registry<Pod>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-eviction-'));
    storage = new SqliteStorage({ path: join(dir, 'kite.db') });
    const byKind = strategies({ defaulting: DEFAULT_DEFAULTING, allocators: new ServiceAllocators('10.96.0.0/16', '30000-32767') });
    pods = new Registry(Pods, storage, byKind.get(Pods)!, { maxObjectBytes: 1024 * 1024, watchCacheSize: 100 });
  });
  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A pod on a node in `phase`, Ready or not. */
  const pod = async (name: string, phase: string, ready = true): Promise<Pod> => {
    const created = await pods.create('default', Pod.fromPartial({ metadata: { name }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] } }));
    const conditions = [{ type: 'Ready', status: ready ? 'True' : 'False', lastProbeTime: '', lastTransitionTime: '', reason: '', message: '' }];
    return pods.updateStatus({ ...created, status: { ...created.status!, phase, conditions } });
  };
  const evict = (name: string, budgets: DisruptionBudget[], dryRun = false) => evictPod(pods, { namespace: 'default', name, dryRun }, async () => budgets);

  it('finds no disruption budget today: Kite has no PodDisruptionBudget kind yet', async () => {
    assert.deepEqual(await disruptionBudgetsOf(await pod('any', 'Running')), []);
  });

  it('deletes a running pod its budget allows to go, with the pod\'s grace period', async () => {
    await pod('web', 'Running');
    const evicted = await evict('web', [budget()]);
    assert.equal(evicted.metadata!.deletionGracePeriodSeconds, 30);
    assert.ok(evicted.status!.conditions.some((c) => c.type === 'DisruptionTarget' && c.status === 'True'));
  });

  it('refuses a running pod whose budget allows no disruption: 429 TooManyRequests, the pod untouched', async () => {
    const before = await pod('web', 'Running');
    await assert.rejects(evict('web', [budget({ disruptionsAllowed: 0 })]), (err: Error) => err instanceof TooManyRequestsError && err.message === "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.equal((await pods.get('default', 'web')).metadata!.resourceVersion, before.metadata!.resourceVersion);
  });

  it('deletes terminal and pending pods without asking their budget', async () => {
    for (const phase of ['Succeeded', 'Failed', 'Pending']) {
      await pod(phase.toLowerCase(), phase);
      await evictPod(pods, { namespace: 'default', name: phase.toLowerCase(), dryRun: false }, async () => assert.fail('no budget is asked'));
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
  });
});
