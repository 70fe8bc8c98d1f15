// EndpointSliceController.reconcile against preloaded informers and a fake client: the writes it
// makes, the Services it leaves alone, the tracker of its own writes (a cache that has not seen
// them yet is stale and the sync retried), and the trigger time.
import { strict as assert } from 'node:assert';
import { EndpointSlices, Nodes, Pods, Services } from '../../../../lib/api/kinds';
import type { EndpointSlice } from '../../../../lib/gen/kite/discovery/v1/types';
import { EndpointSliceController } from '../../../../services/controller-manager/endpointslice/endpointslice-controller';
import { TriggerTimeTracker } from '../../../../services/controller-manager/endpointslice/trigger-time-tracker';
import { preload, testContext, type TestContext } from '../support/context';
import { at, node, pod, service } from '../support/fixtures';

const web = { labels: { app: 'web' }, nodeName: 'n1' };

describe('EndpointSliceController.reconcile', () => {
  let ctx: TestContext;
  let c: EndpointSliceController;
  beforeEach(() => {
    ctx = testContext();
    c = new EndpointSliceController(ctx, { maxEndpointsPerSlice: 2 });
    preload(ctx, Nodes, node('n1'));
  });

  it('creates the slices of a selecting Service, then writes nothing once its cache has them', async () => {
    preload(ctx, Services, service('web'));
    preload(ctx, Pods, pod('a', { ...web, ip: '10.0.0.1', readySince: 0 }), pod('b', { ...web, ip: '10.0.0.2', readySince: 0 }), pod('c', { ...web, ip: '10.0.0.3', readySince: 0 }));
    await c.reconcile('default/web');
    assert.deepEqual(ctx.client.summary(), ['create endpointslices default/web-', 'create endpointslices default/web-']);
    // The informer has not delivered the slices yet: the cache is stale, nothing is written twice.
    ctx.client.clearCalls();
    await assert.rejects(c.reconcile('default/web'), /EndpointSlice informer cache is out of date/);
    assert.deepEqual(ctx.client.summary(), []);
    // Now it has.
    const written = ['web-00001', 'web-00002'].map((n) => ctx.client.tracked(EndpointSlices, 'default', n)!);
    preload(ctx, EndpointSlices, ...written);
    assert.equal(c.tracker.shouldSync(written[0]), false);
    await c.reconcile('default/web');
    assert.deepEqual(ctx.client.summary(), []);
  });

  it('leaves ExternalName and selector-less Services alone, and forgets a deleted Service', async () => {
    const ext = service('ext', { selector: { app: 'web' } });
    ext.spec!.type = 'ExternalName';
    preload(ctx, Services, ext, service('manual', { selector: {} }));
    preload(ctx, Pods, pod('a', { ...web, ip: '10.0.0.1', readySince: 0 }));
    await c.reconcile('default/ext');
    await c.reconcile('default/manual');
    await c.reconcile('default/gone');
    assert.deepEqual(ctx.client.summary(), []);
  });

  it('writes the slices without the pods of an unknown node, then fails with a FailedToUpdateEndpointSlices event', async () => {
    preload(ctx, Services, service('web'));
    preload(ctx, Pods, pod('a', { ...web, ip: '10.0.0.1', readySince: 0 }), pod('lost', { labels: { app: 'web' }, nodeName: 'gone', ip: '10.0.0.9', readySince: 0 }));
    await assert.rejects(c.reconcile('default/web'), /skipping Pod lost for Service default\/web: Node gone Not Found/);
    assert.deepEqual(ctx.client.summary(), ['create endpointslices default/web-']);
    assert.deepEqual(ctx.client.calls[0].object.endpoints.map((e: { addresses: string[] }) => e.addresses[0]), ['10.0.0.1']);
    assert.deepEqual(ctx.events.recorded.map((e) => `${e.type} ${e.reason} ${e.message}`), [
      'Warning FailedToUpdateEndpointSlices Error updating Endpoint Slices for Service default/web: skipping Pod lost for Service default/web: Node gone Not Found',
    ]);
  });

  it('deletes an extra slice and records the deletion it expects', async () => {
    preload(ctx, Services, service('web'));
    preload(ctx, Pods, pod('a', { ...web, ip: '10.0.0.1', readySince: 0 }));
    await c.reconcile('default/web');
    const first = ctx.client.tracked(EndpointSlices, 'default', 'web-00001')!;
    const extra: EndpointSlice = structuredClone(first);
    extra.metadata!.name = 'web-extra';
    extra.metadata!.uid = 'uid-extra';
    // It holds only the endpoint of a pod that is gone: emptied, it goes.
    extra.endpoints = [{ ...first.endpoints[0], addresses: ['10.0.0.7'], targetRef: { ...first.endpoints[0].targetRef!, name: 'gone', uid: 'uid-gone' } }];
    ctx.client.seed(EndpointSlices, extra);
    preload(ctx, EndpointSlices, first, extra);
    ctx.client.clearCalls();
    await c.reconcile('default/web');
    assert.deepEqual(ctx.client.summary(), ['delete endpointslices default/web-extra']);
    assert.equal(c.tracker.handleDeletion(extra), false, 'its own deletion does not trigger a sync');
  });
});

describe('TriggerTimeTracker', () => {
  it('gives the Service creation first, then the earliest Ready transition that moved, else nothing', () => {
    const t = new TriggerTimeTracker();
    const svc = service('web');
    svc.metadata!.creationTimestamp = at(1);
    const a = pod('a', { ...web, readySince: 10 });
    const b = pod('b', { ...web, readySince: 20 });
    assert.equal(t.compute('default/web', svc, [a, b]), Date.parse(at(1)));
    assert.equal(t.compute('default/web', svc, [a, b]), undefined);
    const a2 = pod('a', { ...web, readySince: 30 });
    const b2 = pod('b', { ...web, readySince: 25 });
    assert.equal(t.compute('default/web', svc, [a2, b2]), Date.parse(at(25)));
  });
});
