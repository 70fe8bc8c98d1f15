// The EndpointSlice reconciler as Kubernetes' (staging/src/k8s.io/endpointslice reconciler
// tests): slices of at most maxEndpointsPerSlice, one group per port set, endpoint conditions,
// as little churn as Kubernetes (unchanged slices untouched, changed ones filled first, creates
// turned into updates of slices that would go), the placeholder slice, the trigger time.
import { strict as assert } from 'node:assert';
import type { Node, Pod, Service } from '../../../../lib/gen/kite/core/v1/types';
import { EndpointSlice } from '../../../../lib/gen/kite/discovery/v1/types';
import { CONTROLLER_NAME, newSlice, reconcileSlices, type ReconcileInput } from '../../../../services/controller-manager/endpointslice/reconciler';
import { node, pod, service } from '../support/fixtures';

const nodes = new Map<string, Node>([['n1', node('n1')], ['n2', node('n2')]]);
nodes.get('n2')!.metadata!.labels = { 'topology.kubernetes.io/zone': 'zone-b' };

function pods(n: number, o: { from?: number; ready?: boolean } = {}): Pod[] {
  return Array.from({ length: n }, (_, i) => {
    const k = (o.from ?? 0) + i;
    return pod(`p${k}`, { labels: { app: 'web' }, nodeName: 'n1', ip: `10.0.${Math.floor(k / 250)}.${(k % 250) + 1}`, ...(o.ready === false ? { ready: false } : { readySince: 0 }) });
  });
}

function run(svc: Service, ps: Pod[], existing: EndpointSlice[] = [], extra: Partial<ReconcileInput> = {}) {
  return reconcileSlices({ service: svc, pods: ps, existing, node: (n) => nodes.get(n), maxEndpointsPerSlice: 100, ...extra });
}

let seq = 0;
/** Stores the created slices as the apiserver would (a name, a resourceVersion). */
function stored(slices: EndpointSlice[]): EndpointSlice[] {
  return slices.map((s) => {
    const c = structuredClone(s);
    c.metadata!.name ||= `${c.metadata!.generateName}${++seq}`;
    c.metadata!.resourceVersion = String(++seq);
    c.metadata!.uid = `uid-${c.metadata!.name}`;
    return c;
  });
}

const sizes = (slices: EndpointSlice[]) => slices.map((s) => s.endpoints.length).sort((a, b) => b - a);

describe('EndpointSlice reconciler', () => {
  it('creates slices of the Service: labels, owner, generateName, ports and endpoint fields', () => {
    const svc = service('web', { labels: { team: 'a' } });
    const p = pod('a', { labels: { app: 'web' }, nodeName: 'n2', ip: '10.0.0.1', readySince: 0, hostname: 'a', subdomain: 'web' });
    const { changes, errors } = run(svc, [p], [], { triggerTimeMs: Date.parse('2024-01-01T00:00:05Z') });
    assert.deepEqual(errors, []);
    assert.equal(changes.create.length, 1);
    const s = changes.create[0];
    assert.equal(s.metadata!.generateName, 'web-');
    assert.deepEqual(s.metadata!.labels, { team: 'a', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': CONTROLLER_NAME });
    assert.deepEqual(s.metadata!.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(s.metadata!.annotations, { 'endpoints.kubernetes.io/last-change-trigger-time': '2024-01-01T00:00:05Z' });
    assert.equal(s.addressType, 'IPv4');
    assert.deepEqual(s.ports, [{ name: 'http', protocol: 'TCP', port: 8080, appProtocol: undefined }]);
    assert.deepEqual(s.endpoints, [
      {
        addresses: ['10.0.0.1'],
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a', apiVersion: '', resourceVersion: '', fieldPath: '' },
        nodeName: 'n2',
        zone: 'zone-b',
        hostname: 'a',
      },
    ]);
  });

  it('computes conditions as Kubernetes: terminating pods stay with ready=false, serving by readiness; publishNotReadyAddresses makes all ready', () => {
    const ps = [
      pod('up', { labels: { app: 'web' }, nodeName: 'n1', ip: '10.0.0.1', readySince: 0 }),
      pod('down', { labels: { app: 'web' }, nodeName: 'n1', ip: '10.0.0.2', ready: false }),
      pod('going', { labels: { app: 'web' }, nodeName: 'n1', ip: '10.0.0.3', readySince: 0, deleting: true }),
      pod('noip', { labels: { app: 'web' }, nodeName: 'n1', readySince: 0 }),
    ];
    const conds = (svc: Service) => Object.fromEntries(run(svc, ps).changes.create[0].endpoints.map((e) => [e.targetRef!.name, e.conditions]));
    assert.deepEqual(conds(service('web')), {
      up: { ready: true, serving: true, terminating: false },
      down: { ready: false, serving: false, terminating: false },
      going: { ready: false, serving: true, terminating: true },
    });
    assert.deepEqual(conds(service('web', { publishNotReadyAddresses: true })), {
      up: { ready: true, serving: true, terminating: false },
      down: { ready: true, serving: false, terminating: false },
      going: { ready: true, serving: true, terminating: true },
    });
  });

  it('packs 250 pods into 3 slices of at most 100', () => {
    const { changes } = run(service('web'), pods(250));
    assert.deepEqual(sizes(changes.create), [100, 100, 50]);
    assert.deepEqual([changes.update.length, changes.delete.length], [0, 0]);
  });

  it('honours maxEndpointsPerSlice', () => {
    assert.deepEqual(sizes(run(service('web'), pods(25), [], { maxEndpointsPerSlice: 10 }).changes.create), [10, 10, 5]);
  });

  it('makes one group of slices per unique port set', () => {
    const svc = service('web', { ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }] });
    const a = pod('a', { labels: { app: 'web' }, nodeName: 'n1', ip: '10.0.0.1', readySince: 0, ports: [{ name: 'web', containerPort: 8080 }] });
    const b = pod('b', { labels: { app: 'web' }, nodeName: 'n1', ip: '10.0.0.2', readySince: 0, ports: [{ name: 'web', containerPort: 9090 }] });
    const c = pod('c', { labels: { app: 'web' }, nodeName: 'n1', ip: '10.0.0.3', readySince: 0, ports: [{ name: 'web', containerPort: 8080 }] });
    const view = run(svc, [a, b, c]).changes.create.map((s) => `${s.ports.map((p) => p.port).join(',')}: ${s.endpoints.map((e) => e.targetRef!.name).join(',')}`);
    assert.deepEqual(view.sort(), ['8080: a,c', '9090: b']);
  });

  it('writes nothing when the slices are already right', () => {
    const svc = service('web');
    const existing = stored(run(svc, pods(250)).changes.create);
    const { changes } = run(svc, pods(250), existing);
    assert.deepEqual(changes, { create: [], update: [], delete: [] });
  });

  it('updates only the slice of a pod whose readiness changed', () => {
    const svc = service('web');
    const existing = stored(run(svc, pods(250)).changes.create);
    const ps = pods(250);
    ps[7] = pods(1, { from: 7, ready: false })[0];
    const { changes } = run(svc, ps, existing);
    assert.deepEqual([changes.create.length, changes.update.length, changes.delete.length], [0, 1, 0]);
    const ep = changes.update[0].endpoints.find((e) => e.targetRef!.name === 'p7')!;
    assert.deepEqual(ep.conditions, { ready: false, serving: false, terminating: false });
    assert.equal(changes.update[0].metadata!.name, existing.find((s) => s.endpoints.some((e) => e.targetRef!.name === 'p7'))!.metadata!.name);
  });

  it('fills a slice being updated before creating one, and new endpoints go into the unchanged slice they fill best', () => {
    const svc = service('web');
    // 150 pods: slices of 100 and 50.
    const existing = stored(run(svc, pods(150)).changes.create);
    // Pod p0 goes (its slice of 100 is updated) and 3 new pods come: they fill that slice first.
    const ps = [...pods(149, { from: 1 }), ...pods(3, { from: 150 })];
    const { changes } = run(svc, ps, existing);
    assert.deepEqual(changes.create, []);
    assert.deepEqual(sizes(changes.update), [100, 52]);
    // Only 2 new pods: one completes the slice updated for p0's removal, the other goes into the
    // unchanged slice of 50 (the one it fills closest to full) rather than into a new slice.
    const again = run(svc, [...pods(149, { from: 1 }), ...pods(2, { from: 150 })], existing);
    assert.deepEqual(sizes(again.changes.update), [100, 51]);
  });

  it('deletes slices emptied and port sets no longer desired, reusing a name for a slice to create', () => {
    const svc = service('web');
    const existing = stored(run(svc, pods(3)).changes.create);
    const moved = service('web', { ports: [{ name: 'http', port: 80, targetPort: 9000, protocol: 'TCP' }] });
    const { changes } = run(moved, pods(3), existing);
    // A create and a delete of the same address type become one update of the old slice.
    assert.deepEqual([changes.create.length, changes.delete.length], [0, 0]);
    assert.equal(changes.update.length, 1);
    assert.equal(changes.update[0].metadata!.name, existing[0].metadata!.name);
    assert.deepEqual(changes.update[0].ports.map((p) => p.port), [9000]);
  });

  it('keeps one placeholder slice for a Service without endpoints, and replaces a slice of an older Service of the same name', () => {
    const svc = service('web');
    const first = run(svc, []);
    assert.equal(first.changes.create.length, 1);
    assert.deepEqual([first.changes.create[0].endpoints, first.changes.create[0].ports], [[], []]);
    const placeholder = stored(first.changes.create);
    assert.deepEqual(run(svc, [], placeholder).changes, { create: [], update: [], delete: [] });
    // Pods arrive: the placeholder is reused.
    const filled = run(svc, pods(2), placeholder).changes;
    assert.deepEqual([filled.create.length, filled.update.length, filled.delete.length], [0, 1, 0]);
    // A slice owned by another uid (an old Service "web") is deleted, not reused.
    const foreign = stored([newSlice(service('web'), [], 'IPv4')]);
    foreign[0].metadata!.ownerReferences[0].uid = 'uid-old';
    const replaced = run(svc, pods(2), foreign).changes;
    assert.deepEqual([replaced.create.length, replaced.update.length, replaced.delete.length], [1, 0, 1]);
  });

  it('labels the slices of a headless Service and updates labels when the Service\'s change', () => {
    const headless = service('db', { clusterIP: 'None' });
    const s = run(headless, pods(1)).changes.create[0];
    assert.equal(s.metadata!.labels['service.kubernetes.io/headless'], '');
    const existing = stored(run(service('web'), pods(1)).changes.create);
    const relabelled = run(service('web', { labels: { tier: 'front' } }), pods(1), existing).changes;
    assert.equal(relabelled.update.length, 1);
    assert.equal(relabelled.update[0].metadata!.labels.tier, 'front');
  });

  it('skips pods on unknown nodes with an error, unless not-ready addresses are published', () => {
    const lost = pod('lost', { labels: { app: 'web' }, nodeName: 'gone', ip: '10.0.0.9', readySince: 0 });
    const r = run(service('web'), [lost]);
    assert.deepEqual(r.errors, ['skipping Pod lost for Service default/web: Node gone Not Found']);
    assert.deepEqual(r.changes.create[0].endpoints, []);
    assert.equal(run(service('web', { publishNotReadyAddresses: true }), [lost]).changes.create[0].endpoints.length, 1);
  });

  it('clears the trigger time of written slices when there is none', () => {
    const svc = service('web');
    const existing = stored(run(svc, pods(1), [], { triggerTimeMs: 0 }).changes.create);
    assert.ok(existing[0].metadata!.annotations['endpoints.kubernetes.io/last-change-trigger-time']);
    const { changes } = run(svc, pods(1, { ready: false }), existing);
    assert.deepEqual(changes.update[0].metadata!.annotations, {});
  });
});
