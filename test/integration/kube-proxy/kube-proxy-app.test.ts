// kite-proxy wired to a real apiserver: Services and EndpointSlices created through the API
// become iptables rules in a network namespace made by the test (never the machine's own), and a
// Service's health check node port is served while the Service asks for one.
import { strict as assert } from 'node:assert';
import { EndpointSlices } from '../../../lib/api/kinds';
import { Service } from '../../../lib/gen/kite/core/v1/types';
import { EndpointSlice } from '../../../lib/gen/kite/discovery/v1/types';
import { runKubeProxy, type RunningProxy } from '../../../services/kube-proxy/app';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { NetnsSandbox, canUseNetns, removeStaleNamespaces } from '../../support/netns';
import { waitFor } from '../../support/wait';

describe('kite-proxy against a real apiserver (rules in a network namespace)', function () {
  this.timeout(60_000);
  const sandbox = new NetnsSandbox();
  const ac = new AbortController();
  let api: TestApiserver;
  let proxy: RunningProxy;
  let ns: string;

  before(async function () {
    if (!canUseNetns()) this.skip();
    await removeStaleNamespaces();
    ns = await sandbox.netns('node');
    api = await startTestApiserver();
    proxy = await runKubeProxy(
      api.client(),
      { nodeName: 'n1', clusterCIDR: '10.244.0.0/16', masqueradeAll: false, nodePortAddresses: [], minSyncPeriodMs: 50, syncPeriodMs: 60_000, healthzPort: 0, healthzBindAddress: '127.0.0.1', netns: ns },
      ac.signal,
    );
  });

  after(async () => {
    ac.abort();
    await proxy?.done;
    await api?.stop();
    await sandbox.cleanup();
  });

  const nat = () => sandbox.exec(ns, ['iptables-save', '-t', 'nat']);
  const filter = () => sandbox.exec(ns, ['iptables-save', '-t', 'filter']);

  it('turns a Service with ready endpoints (over two EndpointSlices) into DNAT rules, and no endpoints into REJECT', async () => {
    const c = api.client();
    const svc = await c.services.create(
      Service.fromPartial({ metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } }),
    );
    const ip = svc.spec!.clusterIP;
    await waitFor('REJECT for a service without endpoints', async () => (await filter()).includes(`-d ${ip}/32`) && (await filter()).includes('REJECT'));
    const slices = c.resource(EndpointSlices);
    await slices.create(
      EndpointSlice.fromPartial({
        metadata: { name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.244.1.2'], conditions: { ready: true } }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      }),
      { namespace: 'default' },
    );
    await slices.create(
      EndpointSlice.fromPartial({
        metadata: { name: 'web-2', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.244.2.3'], conditions: { ready: true } }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      }),
      { namespace: 'default' },
    );
    const rules = await waitFor('DNAT to both endpoints', async () => {
      const t = await nat();
      return t.includes('--to-destination 10.244.1.2:8080') && t.includes('--to-destination 10.244.2.3:8080') ? t : undefined;
    });
    assert.match(rules, new RegExp(`-d ${ip.replace(/\./g, '\\.')}/32 .*-j KUBE-SVC-`));
    assert.match(rules, /--probability 0\.5000000000/);
    assert.ok(!(await filter()).includes(`-d ${ip}/32`), 'the REJECT rule is gone once endpoints exist');

    const second = (await slices.get('web-2', 'default')) as EndpointSlice;
    second.endpoints[0].conditions = { ready: false, serving: false, terminating: false };
    await slices.update(second);
    await waitFor('the removed endpoint leaves the rules', async () => !(await nat()).includes('10.244.2.3:8080'));
    assert.ok(proxy.proxier.syncCount >= 3);
  });

  it('serves the healthCheckNodePort the apiserver gave a LoadBalancer Service with externalTrafficPolicy Local: 503 without a local endpoint, 200 with one, closed once the Service is gone', async () => {
    const c = api.client();
    const svc = await c.services.create(
      Service.fromPartial({ metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', selector: { app: 'lb' }, ports: [{ port: 80, targetPort: 8080 }] } }),
    );
    const hcPort = svc.spec!.healthCheckNodePort;
    assert.ok(hcPort >= 30000 && hcPort <= 32767, `allocated from the node port range: ${hcPort}`);
    const health = async () => {
      const res = await fetch(`http://127.0.0.1:${hcPort}/`).catch(() => undefined);
      return res && { status: res.status, body: (await res.json()) as { service: { namespace: string; name: string }; localEndpoints: number } };
    };
    const unhealthy = await waitFor('503 without a local endpoint', async () => ((await health())?.status === 503 ? health() : undefined));
    assert.deepEqual([unhealthy!.body.service, unhealthy!.body.localEndpoints], [{ namespace: 'default', name: 'lb' }, 0]);
    await c.resource(EndpointSlices).create(
      EndpointSlice.fromPartial({
        metadata: { name: 'lb-1', labels: { 'kubernetes.io/service-name': 'lb' } },
        addressType: 'IPv4',
        endpoints: [
          { addresses: ['10.244.1.7'], conditions: { ready: true }, nodeName: 'n1' },
          { addresses: ['10.244.2.7'], conditions: { ready: true }, nodeName: 'n2' },
        ],
        ports: [{ port: 8080, protocol: 'TCP' }],
      }),
      { namespace: 'default' },
    );
    const healthy = await waitFor('200 with a local endpoint', async () => {
      const h = await health();
      return h?.status === 200 ? h : undefined;
    });
    assert.equal(healthy.body.localEndpoints, 1, 'only the endpoint on this node counts');
    await c.services.delete('lb');
    await waitFor('the port is closed once the Service is gone', async () => (await health()) === undefined);
  });

  it('reports its last sync on the status endpoint', async () => {
    const res = await fetch(`http://127.0.0.1:${proxy.healthzPort}/healthz`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { lastSyncTime: string; syncCount: number };
    assert.ok(Date.parse(body.lastSyncTime) > 0);
    assert.ok(body.syncCount >= 1);
  });
});
