import { strict as assert } from 'node:assert';
import { NotFoundError } from '../../../../lib/api/errors';
import { Nodes, Pods } from '../../../../lib/api/kinds';
import { PodGCController } from '../../../../services/controller-manager/podgc/pod-gc-controller';
import { preload, testContext, type TestContext } from '../support/context';
import { node, pod } from '../support/fixtures';

describe('PodGCController.gc', () => {
  let ctx: TestContext;
  beforeEach(() => {
    ctx = testContext();
  });

  it('deletes terminated pods beyond the threshold, evicted first, then oldest first', async () => {
    const evicted = pod('evicted', { nodeName: 'n1', phase: 'Failed', created: 50 });
    evicted.status!.reason = 'Evicted';
    preload(ctx, Nodes, node('n1', { ready: 'True' }));
    preload(
      ctx,
      Pods,
      pod('new', { nodeName: 'n1', phase: 'Succeeded', created: 30 }),
      pod('old', { nodeName: 'n1', phase: 'Failed', created: 10 }),
      pod('mid-b', { nodeName: 'n1', phase: 'Succeeded', created: 20 }),
      pod('mid-a', { nodeName: 'n1', phase: 'Succeeded', created: 20 }),
      evicted,
      pod('running', { nodeName: 'n1', phase: 'Running', created: 0 }),
    );
    await new PodGCController(ctx, { terminatedPodThreshold: 2 }).gc();
    assert.deepEqual(ctx.client.summary(), ['delete pods default/evicted', 'delete pods default/old', 'delete pods default/mid-a']);
    assert.deepEqual(ctx.client.calls.map((c) => c.options.gracePeriodSeconds), [0, 0, 0]);
  });

  it('keeps terminated pods when the threshold is 0 or not reached', async () => {
    preload(ctx, Pods, pod('a', { phase: 'Succeeded' }), pod('b', { phase: 'Failed' }));
    await new PodGCController(ctx, { terminatedPodThreshold: 0 }).gc();
    await new PodGCController(ctx, { terminatedPodThreshold: 2 }).gc();
    assert.deepEqual(ctx.client.summary(), []);
  });

  it('quarantines a missing node 40 s, confirms it is gone by a GET, then marks its pods Failed and force-deletes them', async () => {
    preload(ctx, Nodes, node('alive', { ready: 'True' }));
    preload(ctx, Pods, pod('orphan', { nodeName: 'gone' }), pod('done', { nodeName: 'gone', phase: 'Succeeded' }), pod('fine', { nodeName: 'alive' }));
    ctx.client.recordReads = true;
    const gc = new PodGCController(ctx);
    await gc.gc();
    ctx.clock.step(39_000);
    await gc.gc();
    assert.deepEqual(ctx.client.summary(), [], 'nothing happens within the quarantine');
    ctx.clock.step(1_000);
    await gc.gc();
    assert.deepEqual(ctx.client.summary(), ['get nodes gone', 'patch pods default/orphan', 'delete pods default/orphan', 'delete pods default/done']);
    assert.deepEqual(ctx.client.calls[1].options, {
      status: {
        phase: 'Failed',
        conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: '2024-01-01T00:00:00Z' }],
      },
    });
    assert.equal(ctx.client.calls[2].options.gracePeriodSeconds, 0);
  });

  it('leaves the pods alone when the GET finds the node (the informer was behind) or the node comes back', async () => {
    preload(ctx, Pods, pod('p', { nodeName: 'late' }), pod('q', { nodeName: 'back' }));
    ctx.client.seed(Nodes, node('late', { ready: 'True' }));
    const gc = new PodGCController(ctx);
    await gc.gc();
    ctx.informers.forKind(Nodes).indexer.add(node('back', { ready: 'True' }));
    ctx.clock.step(40_000);
    ctx.client.recordReads = true;
    await gc.gc();
    assert.deepEqual(ctx.client.summary(), ['get nodes late']);
  });

  it('retries the GET next pass when it fails with something other than NotFound', async () => {
    preload(ctx, Pods, pod('p', { nodeName: 'gone' }));
    const gc = new PodGCController(ctx);
    await gc.gc();
    ctx.clock.step(40_000);
    ctx.client.reactors.push((c) => (c.verb === 'get' ? new Error('connection refused') : undefined));
    await gc.gc();
    assert.deepEqual(ctx.client.summary(), []);
    ctx.client.reactors.length = 0;
    await gc.gc();
    assert.deepEqual(ctx.client.summary(), ['patch pods default/p', 'delete pods default/p']);
  });

  it('force-deletes terminating pods that were never scheduled, marking them Failed first', async () => {
    preload(ctx, Pods, pod('unscheduled', { deleting: true }), pod('pending', {}));
    await new PodGCController(ctx).gc();
    assert.deepEqual(ctx.client.summary(), ['patch pods default/unscheduled', 'delete pods default/unscheduled']);
    assert.deepEqual(ctx.client.calls[0].options, { status: { phase: 'Failed' } });
  });

  it('force-deletes terminating pods on a NotReady node with the out-of-service taint only', async () => {
    const taints = [{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute', timeAdded: '' }];
    preload(ctx, Nodes, node('down', { ready: 'False', taints }), node('sick', { ready: 'False' }));
    preload(ctx, Pods, pod('a', { nodeName: 'down', deleting: true }), pod('b', { nodeName: 'down' }), pod('c', { nodeName: 'sick', deleting: true }));
    await new PodGCController(ctx).gc();
    assert.deepEqual(ctx.client.summary(), ['patch pods default/a', 'delete pods default/a']);
  });

  it('a pod already gone is not an error', async () => {
    preload(ctx, Pods, pod('p', { deleting: true, phase: 'Failed' }));
    ctx.client.reactors.push((c) => (c.verb === 'delete' ? new NotFoundError('pods "p" not found') : undefined));
    await new PodGCController(ctx).gc();
    assert.deepEqual(ctx.client.summary(), ['delete pods default/p']);
  });
});
