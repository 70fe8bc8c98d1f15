// The lease endpoint reconciler (Kubernetes' pkg/controlplane/reconcilers/lease.go) over real
// registries, with a stepped clock: the `kubernetes` Endpoints list exactly the apiservers whose
// lease is unexpired; one that stops renewing leaves after the TTL, a new one joins, a stopping
// one removes itself, and the last one is never erased.
import { strict as assert } from 'node:assert';
import { isNotFound } from '../../../../lib/api/errors';
import * as K from '../../../../lib/api/kinds';
import { Endpoints, type EndpointPort } from '../../../../lib/gen/kite/core/v1/types';
import { APISERVER_LEASE_NAMESPACE, StoredLeases, apiserverLeaseName } from '../../../../services/apiserver/controlplane/reconcilers/apiserver-leases';
import { LeaseEndpointReconciler, checkEndpointSubsetFormatWithLease } from '../../../../services/apiserver/controlplane/reconcilers/endpoint-reconciler';
import { FakeClock } from '../../../support/fake-clock';
import { openTestRegistries, type TestRegistries } from './registries';

const PORTS: EndpointPort[] = [{ name: 'https', port: 6443, protocol: 'TCP', appProtocol: '' }];
const TTL = 15;

describe('lease endpoint reconciler', () => {
  let regs: TestRegistries;
  let clock: FakeClock;

  beforeEach(() => {
    regs = openTestRegistries();
    clock = new FakeClock(Date.parse('2026-12-04T10:00:00Z'));
  });
  afterEach(() => regs.close());

  /** One apiserver's reconciler; all share the store and the clock. */
  const apiserver = () => new LeaseEndpointReconciler(regs.registry(K.EndpointsKind), new StoredLeases(regs.registry(K.Leases), TTL, () => clock.now()), regs.registry(K.EndpointSlices));
  const endpoints = () => regs.registry(K.EndpointsKind).get('default', 'kubernetes');
  const addresses = async () => (await endpoints()).subsets.flatMap((s) => s.addresses.map((a) => a.ip));
  const leaseNames = async () => (await regs.registry(K.Leases).list({ namespace: APISERVER_LEASE_NAMESPACE })).items.map((l) => l.metadata!.name).sort();

  it('writes the Endpoints with its address and the port named https, and records a lease with the TTL', async () => {
    await apiserver().reconcileEndpoints('kubernetes', '10.0.0.1', PORTS, true);
    const ep = await endpoints();
    assert.equal(ep.subsets.length, 1);
    assert.deepEqual(ep.subsets[0].addresses.map((a) => a.ip), ['10.0.0.1']);
    assert.deepEqual(ep.subsets[0].ports, PORTS);
    const lease = await regs.registry(K.Leases).get(APISERVER_LEASE_NAMESPACE, apiserverLeaseName('10.0.0.1'));
    assert.equal(lease.spec!.holderIdentity, '10.0.0.1');
    assert.equal(lease.spec!.leaseDurationSeconds, TTL);
    assert.equal(Date.parse(lease.spec!.renewTime), clock.now());
  });

  it('lists every apiserver whose lease is unexpired, sorted', async () => {
    const a = apiserver();
    const b = apiserver();
    await a.reconcileEndpoints('kubernetes', '10.0.0.2', PORTS, true);
    await b.reconcileEndpoints('kubernetes', '10.0.0.1', PORTS, true);
    assert.deepEqual(await addresses(), ['10.0.0.1', '10.0.0.2']);
    // A renewal by either with nothing changed leaves the object alone.
    const rv = (await endpoints()).metadata!.resourceVersion;
    await a.reconcileEndpoints('kubernetes', '10.0.0.2', PORTS, true);
    assert.equal((await endpoints()).metadata!.resourceVersion, rv);
  });

  it('drops an apiserver that stopped renewing once its TTL has passed, and deletes its lease', async () => {
    const a = apiserver();
    const b = apiserver();
    await a.reconcileEndpoints('kubernetes', '10.0.0.1', PORTS, false);
    await b.reconcileEndpoints('kubernetes', '10.0.0.2', PORTS, false);
    // b dies; a renews every 10 s.
    clock.step(10_000);
    await a.reconcileEndpoints('kubernetes', '10.0.0.1', PORTS, false);
    assert.deepEqual(await addresses(), ['10.0.0.1', '10.0.0.2'], 'within the TTL the silent one stays');
    clock.step(10_000);
    await a.reconcileEndpoints('kubernetes', '10.0.0.1', PORTS, false);
    assert.deepEqual(await addresses(), ['10.0.0.1']);
    assert.deepEqual(await leaseNames(), [apiserverLeaseName('10.0.0.1')]);
  });

  it('adds an apiserver that joins later', async () => {
    await apiserver().reconcileEndpoints('kubernetes', '10.0.0.1', PORTS, false);
    clock.step(5_000);
    await apiserver().reconcileEndpoints('kubernetes', '10.0.0.3', PORTS, false);
    assert.deepEqual(await addresses(), ['10.0.0.1', '10.0.0.3']);
  });

  it('removes a stopping apiserver at once; removing again is NotFound', async () => {
    const a = apiserver();
    const b = apiserver();
    await a.reconcileEndpoints('kubernetes', '10.0.0.1', PORTS, false);
    await b.reconcileEndpoints('kubernetes', '10.0.0.2', PORTS, false);
    b.stopReconciling();
    await b.removeEndpoints('kubernetes', '10.0.0.2', PORTS);
    assert.deepEqual(await addresses(), ['10.0.0.1']);
    assert.deepEqual(await leaseNames(), [apiserverLeaseName('10.0.0.1')]);
    await assert.rejects(b.removeEndpoints('kubernetes', '10.0.0.2', PORTS), (err) => isNotFound(err));
    // Stopped: a late tick neither renews its lease nor adds it back.
    await b.reconcileEndpoints('kubernetes', '10.0.0.2', PORTS, false);
    assert.deepEqual(await addresses(), ['10.0.0.1']);
  });

  it('refuses to erase the last address when no lease is left', async () => {
    const a = apiserver();
    await a.reconcileEndpoints('kubernetes', '10.0.0.1', PORTS, false);
    await assert.rejects(a.removeEndpoints('kubernetes', '10.0.0.1', PORTS), /no API server IP addresses were listed in storage, refusing to erase all endpoints for the kubernetes Service/);
    assert.deepEqual(await addresses(), ['10.0.0.1']);
  });

  it('corrects the ports only when asked to', async () => {
    const a = apiserver();
    await a.reconcileEndpoints('kubernetes', '10.0.0.1', PORTS, true);
    const moved: EndpointPort[] = [{ ...PORTS[0], port: 7443 }];
    await a.reconcileEndpoints('kubernetes', '10.0.0.1', moved, false);
    assert.equal((await endpoints()).subsets[0].ports[0].port, 6443);
    await a.reconcileEndpoints('kubernetes', '10.0.0.1', moved, true);
    assert.equal((await endpoints()).subsets[0].ports[0].port, 7443);
  });

  it('re-makes Endpoints whose subsets are not the one subset it writes', async () => {
    await regs.registry(K.EndpointsKind).create(
      'default',
      Endpoints.fromPartial({
        metadata: { name: 'kubernetes', namespace: 'default' },
        subsets: [{ addresses: [{ ip: '10.9.9.9' }], ports: PORTS }, { addresses: [{ ip: '10.9.9.8' }], ports: PORTS }],
      }),
    );
    await apiserver().reconcileEndpoints('kubernetes', '10.0.0.1', PORTS, false);
    const ep = await endpoints();
    assert.equal(ep.subsets.length, 1);
    assert.deepEqual(ep.subsets[0].addresses.map((a) => a.ip), ['10.0.0.1']);
    assert.deepEqual(ep.subsets[0].ports, PORTS);
  });
});

describe('checkEndpointSubsetFormatWithLease', () => {
  const ep = (ips: string[][], ports = PORTS) => Endpoints.fromPartial({ subsets: ips.map((s) => ({ addresses: s.map((ip) => ({ ip })), ports })) });
  const cases: { name: string; e: Endpoints; ips: string[]; reconcilePorts: boolean; want: [boolean, boolean, boolean] }[] = [
    { name: 'exact', e: ep([['1.1.1.1', '2.2.2.2']]), ips: ['1.1.1.1', '2.2.2.2'], reconcilePorts: true, want: [true, true, true] },
    { name: 'any order', e: ep([['2.2.2.2', '1.1.1.1']]), ips: ['1.1.1.1', '2.2.2.2'], reconcilePorts: true, want: [true, true, true] },
    { name: 'one missing', e: ep([['1.1.1.1']]), ips: ['1.1.1.1', '2.2.2.2'], reconcilePorts: true, want: [true, false, true] },
    { name: 'one extra', e: ep([['1.1.1.1', '3.3.3.3']]), ips: ['1.1.1.1'], reconcilePorts: true, want: [true, false, true] },
    { name: 'a duplicate', e: ep([['1.1.1.1', '1.1.1.1']]), ips: ['1.1.1.1', '2.2.2.2'], reconcilePorts: true, want: [true, false, true] },
    { name: 'no subsets', e: ep([]), ips: ['1.1.1.1'], reconcilePorts: true, want: [false, false, false] },
    { name: 'two subsets', e: ep([['1.1.1.1'], ['2.2.2.2']]), ips: ['1.1.1.1', '2.2.2.2'], reconcilePorts: true, want: [false, false, false] },
    { name: 'wrong port, reconciled', e: ep([['1.1.1.1']], [{ ...PORTS[0], port: 1 }]), ips: ['1.1.1.1'], reconcilePorts: true, want: [true, true, false] },
    { name: 'wrong port, not reconciled', e: ep([['1.1.1.1']], [{ ...PORTS[0], port: 1 }]), ips: ['1.1.1.1'], reconcilePorts: false, want: [true, true, true] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = checkEndpointSubsetFormatWithLease(c.e, c.ips, PORTS, c.reconcilePorts);
      assert.deepEqual([r.formatCorrect, r.ipsCorrect, r.portsCorrect], c.want);
    });
  }
});
