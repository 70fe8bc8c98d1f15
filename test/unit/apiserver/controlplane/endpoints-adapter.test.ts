// The `kubernetes` Service's EndpointSlice as Kubernetes' EndpointsAdapter writes it beside the
// Endpoints (pkg/controlplane/reconcilers/endpointsadapter.go): same name, the service-name label,
// the apiservers' addresses and ports; the Endpoints labelled skip-mirror; the slice put back when
// it is deleted or wrong, recreated when the address type changes.
import { strict as assert } from 'node:assert';
import * as K from '../../../../lib/api/kinds';
import { Endpoints, type EndpointPort } from '../../../../lib/gen/kite/core/v1/types';
import { StoredLeases } from '../../../../services/apiserver/controlplane/reconcilers/apiserver-leases';
import { LeaseEndpointReconciler } from '../../../../services/apiserver/controlplane/reconcilers/endpoint-reconciler';
import { EndpointsAdapter, endpointSliceFromEndpoints } from '../../../../services/apiserver/controlplane/reconcilers/endpoints-adapter';
import { FakeClock } from '../../../support/fake-clock';
import { openTestRegistries, type TestRegistries } from './registries';

const PORTS: EndpointPort[] = [{ name: 'https', port: 6443, protocol: 'TCP', appProtocol: '' }];

describe('endpoints adapter (the kubernetes Service\'s EndpointSlice)', () => {
  let regs: TestRegistries;
  let clock: FakeClock;
  beforeEach(() => {
    regs = openTestRegistries();
    clock = new FakeClock(Date.parse('2026-12-04T10:00:00Z'));
  });
  afterEach(() => regs.close());

  const apiserver = () => new LeaseEndpointReconciler(regs.registry(K.EndpointsKind), new StoredLeases(regs.registry(K.Leases), 15, () => clock.now()), regs.registry(K.EndpointSlices));
  const slice = () => regs.registry(K.EndpointSlices).get('default', 'kubernetes');
  const view = async () => {
    const s = await slice();
    return { labels: s.metadata!.labels, addressType: s.addressType, ports: s.ports.map((p) => `${p.name}:${p.port}/${p.protocol}`), endpoints: s.endpoints.map((e) => `${e.addresses.join()}:${e.conditions?.ready}`) };
  };

  it('writes the slice beside the Endpoints, and labels the Endpoints skip-mirror', async () => {
    await apiserver().reconcileEndpoints('kubernetes', '10.0.0.1', PORTS, true);
    assert.deepEqual(await view(), { labels: { 'kubernetes.io/service-name': 'kubernetes' }, addressType: 'IPv4', ports: ['https:6443/TCP'], endpoints: ['10.0.0.1:true'] });
    const ep = await regs.registry(K.EndpointsKind).get('default', 'kubernetes');
    assert.equal(ep.metadata!.labels['endpointslice.kubernetes.io/skip-mirror'], 'true');
  });

  it('follows the apiservers, and puts back a deleted slice while the Endpoints are unchanged', async () => {
    await apiserver().reconcileEndpoints('kubernetes', '10.0.0.1', PORTS, true);
    await apiserver().reconcileEndpoints('kubernetes', '10.0.0.2', PORTS, true);
    assert.deepEqual((await view()).endpoints, ['10.0.0.1:true', '10.0.0.2:true']);
    await regs.registry(K.EndpointSlices).delete('default', 'kubernetes');
    const rv = (await regs.registry(K.EndpointsKind).get('default', 'kubernetes')).metadata!.resourceVersion;
    await apiserver().reconcileEndpoints('kubernetes', '10.0.0.2', PORTS, true);
    assert.deepEqual((await view()).endpoints, ['10.0.0.1:true', '10.0.0.2:true']);
    assert.equal((await regs.registry(K.EndpointsKind).get('default', 'kubernetes')).metadata!.resourceVersion, rv);
  });

  it('labels existing Endpoints that lack skip-mirror', async () => {
    const ep = Endpoints.fromPartial({ metadata: { name: 'kubernetes', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.0.0.1', hostname: '' }], ports: PORTS }] });
    await regs.registry(K.EndpointsKind).create('default', ep);
    await apiserver().reconcileEndpoints('kubernetes', '10.0.0.1', PORTS, true);
    assert.equal((await regs.registry(K.EndpointsKind).get('default', 'kubernetes')).metadata!.labels['endpointslice.kubernetes.io/skip-mirror'], 'true');
  });

  it('makes an IPv6 slice of IPv6 addresses (a changed address type recreates the slice), with not-ready addresses not ready', async () => {
    const adapter = new EndpointsAdapter(regs.registry(K.EndpointsKind), regs.registry(K.EndpointSlices));
    const e = (ips: string[], notReady: string[] = []) =>
      Endpoints.fromPartial({ metadata: { name: 'ext', namespace: 'default' }, subsets: [{ addresses: ips.map((ip) => ({ ip, hostname: '' })), notReadyAddresses: notReady.map((ip) => ({ ip, hostname: '' })), ports: PORTS }] });
    assert.deepEqual(endpointSliceFromEndpoints(e(['10.0.0.1'], ['10.0.0.2'])).endpoints.map((x) => x.conditions?.ready), [true, false]);
    await adapter.ensureEndpointSliceFromEndpoints('default', e(['10.0.0.1']));
    const first = await regs.registry(K.EndpointSlices).get('default', 'ext');
    await adapter.ensureEndpointSliceFromEndpoints('default', e(['fd00::1']));
    const second = await regs.registry(K.EndpointSlices).get('default', 'ext');
    assert.equal(second.addressType, 'IPv6');
    assert.notEqual(second.metadata!.uid, first.metadata!.uid);
  });
});
