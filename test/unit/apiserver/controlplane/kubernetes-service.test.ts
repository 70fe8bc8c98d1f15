// The kubernetes Service controller (Kubernetes' pkg/controlplane/controller/kubernetesservice)
// over real registries and a stepped clock: the Service's shape (https 443 to the HTTP API and
// the grpc port beside it, or https 443 to gRPC alone), ports corrected on start only,
// the lease renewed every interval, and the apiserver's address removed on stop.
import { strict as assert } from 'node:assert';
import * as K from '../../../../lib/api/kinds';
import { defaultAdvertiseAddress } from '../../../../services/apiserver/controlplane/advertise-address';
import { KubernetesServiceController, type KubernetesServiceConfig } from '../../../../services/apiserver/controlplane/kubernetes-service';
import { APISERVER_LEASE_NAMESPACE, StoredLeases, apiserverLeaseName } from '../../../../services/apiserver/controlplane/reconcilers/apiserver-leases';
import { LeaseEndpointReconciler } from '../../../../services/apiserver/controlplane/reconcilers/endpoint-reconciler';
import { FakeClock } from '../../../support/fake-clock';
import { waitFor } from '../../../support/wait';
import { openTestRegistries, type TestRegistries } from './registries';

describe('kubernetes Service controller', () => {
  let regs: TestRegistries;
  let clock: FakeClock;
  const running: KubernetesServiceController[] = [];

  beforeEach(() => {
    regs = openTestRegistries();
    clock = new FakeClock(Date.parse('2026-12-04T10:00:00Z'));
  });
  afterEach(async () => {
    for (const c of running.splice(0)) await c.stop();
    await regs.close();
  });

  const controller = (endpointIP: string, endpointPort = 6443, grpcPort?: number) => {
    const cfg: KubernetesServiceConfig = { serviceIP: '10.96.0.1', servicePort: 443, endpointIP, endpointPort, grpcPort, endpointIntervalMs: 10_000 };
    const reconciler = new LeaseEndpointReconciler(regs.registry(K.EndpointsKind), new StoredLeases(regs.registry(K.Leases), 15, () => clock.now()), regs.registry(K.EndpointSlices));
    const c = new KubernetesServiceController({ namespaces: regs.registry(K.Namespaces), services: regs.registry(K.Services) }, reconciler, cfg, clock);
    running.push(c);
    return c;
  };
  const addresses = async () => (await regs.registry(K.EndpointsKind).get('default', 'kubernetes')).subsets.flatMap((s) => s.addresses.map((a) => `${a.ip}:${s.ports[0].port}`));
  const renewTime = async (ip: string) => Date.parse((await regs.registry(K.Leases).get(APISERVER_LEASE_NAMESPACE, apiserverLeaseName(ip))).spec!.renewTime);

  it('creates the Service as kube-apiserver does: ClusterIP, 443 named https to the secure port, no selector', async () => {
    await controller('10.0.0.1').start();
    const svc = await regs.registry(K.Services).get('default', 'kubernetes');
    assert.equal(svc.spec!.type, 'ClusterIP');
    assert.equal(svc.spec!.clusterIP, '10.96.0.1');
    assert.deepEqual(svc.spec!.selector, {});
    assert.deepEqual(svc.metadata!.labels, { component: 'apiserver', provider: 'kubernetes' });
    assert.deepEqual(svc.spec!.ports.map((p) => [p.name, p.protocol, p.port, p.targetPort]), [['https', 'TCP', 443, 6443]]);
    assert.deepEqual(await addresses(), ['10.0.0.1:6443']);
  });

  it('with the HTTP API, points https 443 at it and publishes gRPC as the second port "grpc", in the Service and its Endpoints', async () => {
    await controller('10.0.0.1', 6444, 6443).start();
    const svc = await regs.registry(K.Services).get('default', 'kubernetes');
    assert.deepEqual(svc.spec!.ports.map((p) => [p.name, p.protocol, p.port, p.targetPort]), [['https', 'TCP', 443, 6444], ['grpc', 'TCP', 6443, 6443]]);
    const endpoints = await regs.registry(K.EndpointsKind).get('default', 'kubernetes');
    assert.deepEqual(endpoints.subsets.map((s) => [s.addresses.map((a) => a.ip), s.ports.map((p) => [p.name, p.protocol, p.port])]), [[['10.0.0.1'], [['https', 'TCP', 6444], ['grpc', 'TCP', 6443]]]]);
  });

  it('adds the grpc port on start when an apiserver without the HTTP API restarts with it, and removes it again', async () => {
    const grpcOnly = controller('10.0.0.1', 6443);
    await grpcOnly.start();
    await grpcOnly.stop();
    const withHTTP = controller('10.0.0.1', 6444, 6443);
    await withHTTP.start();
    const ports = async () => {
      const svc = await regs.registry(K.Services).get('default', 'kubernetes');
      const endpoints = await regs.registry(K.EndpointsKind).get('default', 'kubernetes');
      return [svc.spec!.ports.map((p) => `${p.name}:${p.port}->${p.targetPort}`), endpoints.subsets[0].ports.map((p) => `${p.name}:${p.port}`)];
    };
    assert.deepEqual(await ports(), [['https:443->6444', 'grpc:6443->6443'], ['https:6444', 'grpc:6443']]);
    await withHTTP.stop();
    await controller('10.0.0.1', 6443).start();
    assert.deepEqual(await ports(), [['https:443->6443'], ['https:6443']]);
  });

  it('corrects the ports of the Service and Endpoints on start (a new secure port)', async () => {
    const first = controller('10.0.0.1', 6443);
    await first.start();
    await first.stop();
    await controller('10.0.0.1', 7443).start();
    const svc = await regs.registry(K.Services).get('default', 'kubernetes');
    assert.deepEqual(svc.spec!.ports.map((p) => [p.port, p.targetPort]), [[443, 7443]]);
    assert.deepEqual(await addresses(), ['10.0.0.1:7443']);
  });

  it('renews its lease every interval, so it outlives the TTL', async () => {
    await controller('10.0.0.1').start();
    const started = clock.now();
    for (let i = 1; i <= 3; i++) {
      clock.step(10_000);
      await waitFor(`renewal ${i}`, async () => (await renewTime('10.0.0.1')) === started + i * 10_000);
    }
    assert.deepEqual(await addresses(), ['10.0.0.1:6443']);
  });

  it('starts by removing the claim a previous run of its address left behind (an unclean exit)', async () => {
    await controller('10.0.0.1').start();
    running.pop(); // the process "died": it never stops
    const lease = () => regs.registry(K.Leases).get(APISERVER_LEASE_NAMESPACE, apiserverLeaseName('10.0.0.1'));
    const before = (await lease()).metadata!.uid;
    await controller('10.0.0.1').start();
    assert.notEqual((await lease()).metadata!.uid, before);
    assert.deepEqual(await addresses(), ['10.0.0.1:6443']);
  });

  it('removes its address when it stops, and stops its timer', async () => {
    const a = controller('10.0.0.1');
    const b = controller('10.0.0.2');
    await a.start();
    await b.start();
    assert.deepEqual(await addresses(), ['10.0.0.1:6443', '10.0.0.2:6443']);
    await b.stop();
    assert.deepEqual(await addresses(), ['10.0.0.1:6443']);
    assert.equal(clock.timerCount(), 1, "only a's interval timer is left");
  });
});

describe('defaultAdvertiseAddress', () => {
  const v4 = (address: string) => ({ address, netmask: '255.255.0.0', family: 'IPv4' as const, mac: '', internal: false, cidr: `${address}/16` });
  const interfaces = {
    lo: [{ ...v4('127.0.0.1'), internal: true }],
    docker0: [v4('172.17.0.1')],
    eth0: [{ address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6' as const, mac: '', internal: false, cidr: 'fe80::1/64', scopeid: 2 }, v4('172.18.0.2')],
  };
  const routes = [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
    'eth0\t00000000\t010012AC\t0003\t0\t0\t0\t00000000\t0\t0\t0',
    'eth0\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
  ].join('\n');

  it('is the bind address when it is a specific one', () => assert.equal(defaultAdvertiseAddress('127.0.0.2', { interfaces, routes }), '127.0.0.2'));
  it("is the default route's interface's IPv4 address when bound to 0.0.0.0, even after another bridge", () => {
    assert.equal(defaultAdvertiseAddress('0.0.0.0', { interfaces, routes }), '172.18.0.2');
  });
  it('is the first non-loopback IPv4 address without a default route', () => assert.equal(defaultAdvertiseAddress('0.0.0.0', { interfaces, routes: '' }), '172.17.0.1'));
  it('is refused when the host has none', () => assert.throws(() => defaultAdvertiseAddress('0.0.0.0', { interfaces: { lo: interfaces.lo }, routes }), /pass --advertise-address/));
});
