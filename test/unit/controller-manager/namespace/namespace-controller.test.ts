import { strict as assert } from 'node:assert';
import { Namespaces, Pods, ReplicaSets, Services } from '../../../../lib/api/kinds';
import { NamespaceController } from '../../../../services/controller-manager/namespace/namespace-controller';
import { preload, testContext, type TestContext } from '../support/context';
import { namespace, pod, replicaSet, service } from '../support/fixtures';

describe('NamespaceController.reconcile', () => {
  let ctx: TestContext;
  let c: NamespaceController;
  beforeEach(() => {
    ctx = testContext();
    c = new NamespaceController(ctx, { recheckMs: 500 });
  });

  it('deletes every object in a terminating namespace, then removes its finalizer', async () => {
    preload(ctx, Namespaces, namespace('team', { deleting: true }));
    ctx.client.seed(Pods, pod('p', { ns: 'team' }), pod('keep', { ns: 'other' }));
    ctx.client.seed(Services, service('s', { ns: 'team' }));
    ctx.client.seed(ReplicaSets, replicaSet('rs', { ns: 'team' }));
    assert.equal(await c.reconcile('team'), undefined);
    assert.deepEqual(ctx.client.summary(), [
      'delete pods team/p',
      'delete services team/s',
      'delete replicasets team/rs',
      'update namespaces team',
    ]);
    assert.deepEqual(ctx.client.calls[0].options.propagationPolicy, 'Background');
    assert.deepEqual(ctx.client.calls[3].object.spec.finalizers, []);
    assert.ok(ctx.client.tracked(Pods, 'other', 'keep'), 'other namespaces untouched');
  });

  it('waits while content is still terminating', async () => {
    preload(ctx, Namespaces, namespace('team', { deleting: true }));
    ctx.client.seed(Pods, pod('slow', { ns: 'team', nodeName: 'n1', deleting: true }));
    assert.deepEqual(await c.reconcile('team'), { requeueAfter: 500 });
    assert.deepEqual(ctx.client.summary(), [], 'already being deleted: not deleted again');
  });

  it('ignores active namespaces and ones without its finalizer', async () => {
    preload(ctx, Namespaces, namespace('live'), namespace('done', { deleting: true, finalizers: [] }));
    ctx.client.seed(Pods, pod('p', { ns: 'live' }), pod('q', { ns: 'done' }));
    await c.reconcile('live');
    await c.reconcile('done');
    assert.deepEqual(ctx.client.summary(), []);
  });
});
