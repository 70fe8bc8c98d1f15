// The EndpointSlice mirroring as Kubernetes' (pkg/controller/endpointslicemirroring): a
// selector-less Service's Endpoints mirrored into slices (one per address type and port set,
// owned by the Endpoints, with its labels and annotations), Endpoints it must leave alone, invalid
// and surplus addresses, and the cleanup of mirrored slices.
import { strict as assert } from 'node:assert';
import { EndpointSlices, EndpointsKind, Services } from '../../../../lib/api/kinds';
import { Endpoints } from '../../../../lib/gen/kite/core/v1/types';
import { EndpointSliceMirroringController } from '../../../../services/controller-manager/endpointslicemirroring/endpointslicemirroring-controller';
import { MIRRORING_CONTROLLER_NAME, reconcileMirror } from '../../../../services/controller-manager/endpointslicemirroring/mirroring-reconciler';
import { preload, testContext, type TestContext } from '../support/context';
import { service } from '../support/fixtures';

function endpoints(name: string, o: { labels?: Record<string, string>; annotations?: Record<string, string>; ready?: string[]; notReady?: string[]; port?: number } = {}): Endpoints {
  return Endpoints.fromPartial({
    metadata: { name, namespace: 'default', uid: `uid-ep-${name}`, resourceVersion: '1', labels: o.labels ?? {}, annotations: o.annotations ?? {} },
    subsets: [
      {
        addresses: (o.ready ?? ['192.168.1.10']).map((ip) => ({ ip, hostname: '' })),
        notReadyAddresses: (o.notReady ?? []).map((ip) => ({ ip, hostname: '' })),
        ports: [{ name: 'db', port: o.port ?? 5432, protocol: 'TCP', appProtocol: '' }],
      },
    ],
  });
}

describe('EndpointSlice mirroring reconciler', () => {
  it('mirrors addresses into one slice with the Endpoints labels and annotations, owned by the Endpoints', () => {
    const ep = endpoints('db', {
      labels: { team: 'a' },
      annotations: { note: 'x', 'endpoints.kubernetes.io/last-change-trigger-time': 't', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      ready: ['192.168.1.10'],
      notReady: ['192.168.1.11', 'fd00::1'],
    });
    const { changes, invalid, skipped } = reconcileMirror(ep, [], 1000);
    assert.deepEqual([invalid, skipped], [0, 0]);
    const byType = Object.fromEntries(changes.create.map((s) => [s.addressType, s]));
    const v4 = byType.IPv4;
    assert.equal(v4.metadata!.generateName, 'db-');
    assert.deepEqual(v4.metadata!.labels, { team: 'a', 'kubernetes.io/service-name': 'db', 'endpointslice.kubernetes.io/managed-by': MIRRORING_CONTROLLER_NAME });
    assert.deepEqual(v4.metadata!.annotations, { note: 'x' });
    assert.deepEqual(v4.metadata!.ownerReferences, [{ apiVersion: 'v1', kind: 'Endpoints', name: 'db', uid: 'uid-ep-db', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(v4.ports, [{ name: 'db', protocol: 'TCP', port: 5432, appProtocol: undefined }]);
    assert.deepEqual(v4.endpoints.map((e) => [e.addresses[0], e.conditions!.ready]), [['192.168.1.10', true], ['192.168.1.11', false]]);
    assert.deepEqual(byType.IPv6.endpoints.map((e) => e.addresses), [['fd00::1']]);
  });

  it('skips invalid IPs and addresses beyond maxEndpointsPerSubset', () => {
    const r = reconcileMirror(endpoints('db', { ready: ['192.168.1.10', 'not-an-ip', '192.168.1.12', '192.168.1.13'] }), [], 2);
    assert.deepEqual([r.invalid, r.skipped], [1, 2]);
    assert.deepEqual(r.changes.create[0].endpoints.map((e) => e.addresses[0]), ['192.168.1.10', '192.168.1.12']);
  });

  it('keeps an up-to-date slice, rewrites a changed one in place, and deletes extra ones', () => {
    const ep = endpoints('db');
    const [created] = reconcileMirror(ep, [], 1000).changes.create;
    const stored = structuredClone(created);
    stored.metadata = { ...stored.metadata!, name: 'db-abcde', generateName: '', resourceVersion: '7', uid: 'uid-s1' };
    assert.deepEqual(reconcileMirror(ep, [stored], 1000).changes, { create: [], update: [], delete: [] });
    const extra = structuredClone(stored);
    extra.metadata = { ...extra.metadata!, name: 'db-extra', uid: 'uid-s2' };
    const changed = reconcileMirror(endpoints('db', { ready: ['192.168.1.20'] }), [stored, extra], 1000).changes;
    assert.deepEqual(changed.create, []);
    assert.deepEqual(changed.update.map((s) => [s.metadata!.name, s.metadata!.resourceVersion, s.endpoints[0].addresses[0]]), [['db-abcde', '7', '192.168.1.20']]);
    assert.deepEqual(changed.delete.map((s) => s.metadata!.name), ['db-extra']);
    // A new port set: the create takes the old slice's name.
    const moved = reconcileMirror(endpoints('db', { port: 5433 }), [stored], 1000).changes;
    assert.deepEqual([moved.create.length, moved.delete.length], [0, 0]);
    assert.deepEqual(moved.update.map((s) => [s.metadata!.name, s.ports[0].port]), [['db-abcde', 5433]]);
  });
});

describe('EndpointSliceMirroringController.reconcile', () => {
  let ctx: TestContext;
  let c: EndpointSliceMirroringController;
  beforeEach(() => {
    ctx = testContext();
    c = new EndpointSliceMirroringController(ctx);
  });

  it('mirrors the Endpoints of a selector-less Service', async () => {
    preload(ctx, Services, service('db', { selector: {} }));
    preload(ctx, EndpointsKind, endpoints('db'));
    await c.reconcile('default/db');
    assert.deepEqual(ctx.client.summary(), ['create endpointslices default/db-']);
  });

  it('leaves alone Endpoints labelled skip-mirror, holding a leader-election record, or of a Service with a selector; deletes what it mirrored of them', async () => {
    preload(ctx, Services, service('skip', { selector: {} }), service('lock', { selector: {} }), service('sel'));
    preload(ctx, EndpointsKind, endpoints('skip', { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }), endpoints('lock', { annotations: { 'control-plane.alpha.kubernetes.io/leader': '{}' } }), endpoints('sel'));
    for (const n of ['skip', 'lock', 'sel', 'nosvc']) await c.reconcile(`default/${n}`);
    assert.deepEqual(ctx.client.summary(), []);
    const [mirrored] = reconcileMirror(endpoints('sel'), [], 1000).changes.create;
    mirrored.metadata = { ...mirrored.metadata!, name: 'sel-abcde', generateName: '' };
    ctx.client.seed(EndpointSlices, mirrored);
    preload(ctx, EndpointSlices, mirrored);
    await c.reconcile('default/sel');
    assert.deepEqual(ctx.client.summary(), ['delete endpointslices default/sel-abcde']);
  });

  it('records an InvalidIPAddress event for addresses that are no IP', async () => {
    preload(ctx, Services, service('db', { selector: {} }));
    preload(ctx, EndpointsKind, endpoints('db', { ready: ['192.168.1.10', 'x.y'] }));
    await c.reconcile('default/db');
    assert.deepEqual(ctx.events.recorded.map((e) => `${e.type} ${e.reason} ${e.message}`), ['Warning InvalidIPAddress Skipped 1 invalid IP addresses when mirroring to EndpointSlices']);
  });
});
