// kube-proxy's Service semantics over EndpointSlices: slices merged per Service, terminating
// endpoints as a fallback, internal/external traffic policy Local (KUBE-SVL, KUBE-EXT chains and
// DROP rules as Kubernetes' iptables proxier writes them), UDP, conntrack cleanup, health checks.
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Service } from '../../../lib/gen/kite/core/v1/types';
import type { EndpointSlice } from '../../../lib/gen/kite/discovery/v1/types';
import { endpointChainName, externalChainName, localPolicyChainName, serviceChainName } from '../../../services/kube-proxy/chain-names';
import { staleConntrackDeletions } from '../../../services/kube-proxy/conntrack';
import { ServiceHealthServer } from '../../../services/kube-proxy/healthcheck/service-health';
import { FakeIptablesRunner } from '../../../services/kube-proxy/iptables/fake-runner';
import { renderRestore } from '../../../services/kube-proxy/iptables/restore-payload';
import { Proxier, type SyncResult } from '../../../services/kube-proxy/proxier';
import { generateRules, isServiceChain } from '../../../services/kube-proxy/rules';
import { buildServicePorts } from '../../../services/kube-proxy/service-ports';
import { endpoints, endpointsMap, service } from './fixtures';
import { expectGolden } from './golden';

const options = { clusterCIDR: '10.244.0.0/16' };
const node = 'node-a';

function render(services: Service[], slices: EndpointSlice[]): string {
  const rules = generateRules(buildServicePorts(services, endpointsMap(slices, node)), options);
  return renderRestore([rules.filter, rules.nat]);
}

const unlabelled = (slice: EndpointSlice): EndpointSlice => ({ ...slice, metadata: { ...slice.metadata!, labels: {} } });
const lines = (text: string, prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));
const dnat = (text: string) => [...text.matchAll(/--to-destination (\S+)/g)].map((m) => m[1]).sort();

describe('kube-proxy: EndpointSlices', () => {
  it('merges every slice of a Service; a ready copy of an endpoint wins; unlabelled and FQDN slices are ignored', () => {
    const svc = service('default', 'web', '10.96.0.10', [{ port: 80 }]);
    const text = render(
      [svc],
      [
        endpoints('default', 'web', ['10.244.1.7'], [{ port: 80 }], ['10.244.2.5'], { sliceName: 'web-a' }),
        endpoints('default', 'web', ['10.244.2.5', '10.244.3.3'], [{ port: 80 }], [], { sliceName: 'web-b' }),
        { ...endpoints('default', 'web', ['10.244.9.9'], [{ port: 80 }], [], { sliceName: 'web-fqdn' }), addressType: 'FQDN' },
        unlabelled(endpoints('default', 'web', ['10.244.9.8'], [{ port: 80 }], [], { sliceName: 'stray' })),
      ],
    );
    assert.deepEqual(dnat(text), ['10.244.1.7:80', '10.244.2.5:80', '10.244.3.3:80']);
  });

  it('a deleted slice takes its endpoints with it; a relabelled slice moves to its new Service', () => {
    const cache = endpointsMap([endpoints('default', 'web', ['10.244.1.7'], [{ port: 80 }], [], { sliceName: 's1' }), endpoints('default', 'web', ['10.244.1.8'], [{ port: 80 }], [], { sliceName: 's2' })]);
    assert.ok(cache.delete({ metadata: { namespace: 'default', name: 's1' } }));
    assert.deepEqual(cache.endpointsByPort('default/web').get('/TCP')?.map((e) => e.endpoint), ['10.244.1.8:80']);
    cache.upsert(endpoints('default', 'api', ['10.244.1.8'], [{ port: 80 }], [], { sliceName: 's2' }));
    assert.deepEqual([...cache.services()], ['default/api']);
    assert.equal(cache.delete({ metadata: { namespace: 'default', name: 'gone' } }), false);
  });

  it('slice ports match service ports by name and protocol', () => {
    const svc = service('default', 'dns', '10.96.0.10', [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }]);
    const text = render([svc], [endpoints('default', 'dns', ['10.244.1.3'], [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }])]);
    expectGolden('udp-and-tcp', text);
    assert.match(text, /"default\/dns:dns cluster IP" -m udp -p udp -d 10.96.0.10\/32 --dport 53 -j KUBE-SVC-/);
    assert.match(text, /"default\/dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10\/32 --dport 53 -j KUBE-SVC-/);
    assert.match(text, /-m udp -p udp -j DNAT --to-destination 10.244.1.3:53/);
    assert.match(text, /-m tcp -p tcp -j DNAT --to-destination 10.244.1.3:53/);
  });
});

describe('kube-proxy: terminating endpoints (ProxyTerminatingEndpoints)', () => {
  const svc = service('default', 'roll', '10.96.0.40', [{ port: 80 }]);

  it('ready endpoints only while there is one; serving terminating ones never mixed in', () => {
    const text = render([svc], [endpoints('default', 'roll', ['10.244.1.1', '10.244.1.2'], [{ port: 80 }], [], { terminating: ['10.244.1.2'] })]);
    assert.deepEqual(dnat(text), ['10.244.1.1:80']);
  });

  it('no ready endpoint: the serving and terminating ones take the traffic; not-serving ones never', () => {
    const text = render([svc], [endpoints('default', 'roll', ['10.244.1.2'], [{ port: 80 }], ['10.244.1.3', '10.244.1.4'], { terminating: ['10.244.1.2', '10.244.1.3'] })]);
    expectGolden('terminating-fallback', text);
    assert.deepEqual(dnat(text), ['10.244.1.2:80']);
    assert.doesNotMatch(text, /has no endpoints/);
  });

  it('nothing serving: REJECT', () => {
    const text = render([svc], [endpoints('default', 'roll', [], [{ port: 80 }], ['10.244.1.3'], { terminating: ['10.244.1.3'] })]);
    assert.match(text, /"default\/roll has no endpoints" -m tcp -p tcp -d 10.96.0.40\/32 --dport 80 -j REJECT/);
  });
});

describe('kube-proxy: traffic policies', () => {
  const local = { nodeName: { '10.244.1.5': node, '10.244.2.5': 'node-b' } };

  it('internalTrafficPolicy Local: the cluster IP goes to KUBE-SVL with this node\'s endpoints only', () => {
    const svc = service('default', 'itp', '10.96.0.50', [{ port: 80 }], { internalTrafficPolicy: 'Local' });
    const text = render([svc], [endpoints('default', 'itp', ['10.244.1.5', '10.244.2.5'], [{ port: 80 }], [], local)]);
    expectGolden('internal-policy-local', text);
    const svl = localPolicyChainName('default/itp', 'tcp');
    assert.match(text, new RegExp(`"default/itp cluster IP" -m tcp -p tcp -d 10.96.0.50/32 --dport 80 -j ${svl}$`, 'm'));
    assert.deepEqual(dnat(text), ['10.244.1.5:80']);
    assert.doesNotMatch(text, /KUBE-SVC-/);
  });

  it('internalTrafficPolicy Local without a local endpoint: DROP "has no local endpoints"', () => {
    const svc = service('default', 'itp', '10.96.0.50', [{ port: 80 }], { internalTrafficPolicy: 'Local' });
    const text = render([svc], [endpoints('default', 'itp', ['10.244.2.5'], [{ port: 80 }], [], local)]);
    assert.deepEqual(lines(text, '-A KUBE-SERVICES -m comment --comment "default/itp'), [
      '-A KUBE-SERVICES -m comment --comment "default/itp has no local endpoints" -m tcp -p tcp -d 10.96.0.50/32 --dport 80 -j DROP',
    ]);
    assert.deepEqual(dnat(text), []);
  });

  it('externalTrafficPolicy Local: NodePort -> KUBE-EXT (pods and the node short-circuited to all endpoints) -> KUBE-SVL, no masquerade', () => {
    const svc = service('default', 'etp', '10.96.0.60', [{ port: 80, nodePort: 30060 }], { type: 'NodePort', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000 });
    const text = render([svc], [endpoints('default', 'etp', ['10.244.1.5', '10.244.2.5'], [{ port: 80 }], [], local)]);
    expectGolden('external-policy-local', text);
    const ext = externalChainName('default/etp', 'tcp');
    const svc_ = serviceChainName('default/etp', 'tcp');
    const svl = localPolicyChainName('default/etp', 'tcp');
    assert.deepEqual(lines(text, `-A ${ext}`), [
      `-A ${ext} -m comment --comment "pod traffic for default/etp external destinations" -s 10.244.0.0/16 -j ${svc_}`,
      `-A ${ext} -m comment --comment "masquerade LOCAL traffic for default/etp external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
      `-A ${ext} -m comment --comment "route LOCAL traffic for default/etp external destinations" -m addrtype --src-type LOCAL -j ${svc_}`,
      `-A ${ext} -j ${svl}`,
    ]);
    assert.deepEqual(lines(text, `-A ${svl}`), [`-A ${svl} -m comment --comment "default/etp -> 10.244.1.5:80" -j ${endpointChainName('default/etp', 'tcp', '10.244.1.5:80')}`]);
    assert.deepEqual(dnat(text), ['10.244.1.5:80', '10.244.2.5:80'], 'the cluster IP still reaches every endpoint');
    assert.doesNotMatch(text, /KUBE-EXTERNAL-SERVICES -m/);
  });

  it('externalTrafficPolicy Local without a local endpoint: NodePort traffic DROPped, node and pods still short-circuited', () => {
    const svc = service('default', 'etp', '10.96.0.60', [{ port: 80, nodePort: 30060 }], { type: 'NodePort', externalTrafficPolicy: 'Local' });
    const text = render([svc], [endpoints('default', 'etp', ['10.244.2.5'], [{ port: 80 }], [], local)]);
    const ext = externalChainName('default/etp', 'tcp');
    assert.deepEqual(lines(text, '-A KUBE-EXTERNAL-SERVICES'), [
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/etp has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30060 -j DROP',
    ]);
    assert.equal(lines(text, `-A ${ext}`).length, 3, 'no jump to KUBE-SVL');
    assert.doesNotMatch(text, /KUBE-SVL-/);
  });

  it('externalTrafficPolicy is ignored without a NodePort; KUBE-SVL/KUBE-EXT chains count as kube-proxy\'s own', () => {
    const svc = service('default', 'plain', '10.96.0.70', [{ port: 80 }], { externalTrafficPolicy: 'Local' });
    const text = render([svc], [endpoints('default', 'plain', ['10.244.2.5'], [{ port: 80 }], [], local)]);
    assert.deepEqual(dnat(text), ['10.244.2.5:80']);
    assert.ok(isServiceChain('KUBE-SVL-ABC') && isServiceChain('KUBE-EXT-ABC') && !isServiceChain('KUBE-EXTERNAL-SERVICES'));
  });
});

describe('kube-proxy: headless and ExternalName Services', () => {
  it("Services and slices of another proxy (service.kubernetes.io/service-proxy-name) and headless slices are ignored", () => {
    const other = service('default', 'other', '10.96.0.80', [{ port: 80 }]);
    other.metadata!.labels = { 'service.kubernetes.io/service-proxy-name': 'foo-bar' };
    const mine = service('default', 'mine', '10.96.0.81', [{ port: 80 }]);
    const headlessSlice = endpoints('default', 'mine', ['10.244.1.9'], [{ port: 80 }], [], { sliceName: 'mine-h' });
    headlessSlice.metadata!.labels['service.kubernetes.io/headless'] = '';
    const text = render([other, mine], [endpoints('default', 'other', ['10.244.1.8'], [{ port: 80 }]), headlessSlice, endpoints('default', 'mine', ['10.244.1.7'], [{ port: 80 }])]);
    assert.doesNotMatch(text, /default\/other/);
    assert.deepEqual(dnat(text), ['10.244.1.7:80']);
  });

  it('get no rules at all, even with slices', () => {
    const text = render(
      [service('default', 'headless', 'None', [{ port: 80 }]), service('default', 'ext', '', [{ port: 80 }], { type: 'ExternalName', externalName: 'example.com' })],
      [endpoints('default', 'headless', ['10.244.1.7'], [{ port: 80 }]), endpoints('default', 'ext', ['10.244.1.8'], [{ port: 80 }])],
    );
    assert.doesNotMatch(text, /headless|default\/ext|10\.244\.1\.[78]/);
  });
});

describe('kube-proxy: UDP conntrack cleanup', () => {
  const udp = (eps: string[], extra: Record<string, unknown> = {}) =>
    buildServicePorts([service('default', 'dns', '10.96.0.10', [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }], extra)], endpointsMap([endpoints('default', 'dns', eps, [{ name: 'dns', port: 53, protocol: 'UDP' }])]));

  it('deletes the entries DNATed to a removed endpoint (cluster IP and NodePort)', () => {
    assert.deepEqual(staleConntrackDeletions(udp(['10.244.1.3', '10.244.1.4'], { type: 'NodePort' }), udp(['10.244.1.4'], { type: 'NodePort' })), [
      ['-D', '--orig-dst', '10.96.0.10', '--dst-nat', '10.244.1.3', '-p', 'udp'],
      ['-D', '-p', 'udp', '--dport', '30053', '--dst-nat', '10.244.1.3'],
    ]);
  });

  it('a service that gets its first endpoint: every entry to its cluster IP', () => {
    assert.deepEqual(staleConntrackDeletions(udp([]), udp(['10.244.1.3'])), [['-D', '--orig-dst', '10.96.0.10', '-p', 'udp']]);
  });

  it('nothing for unchanged UDP services or for TCP', () => {
    assert.deepEqual(staleConntrackDeletions(udp(['10.244.1.3']), udp(['10.244.1.3'])), []);
    const tcp = (eps: string[]) => buildServicePorts([service('default', 'web', '10.96.0.11', [{ port: 80 }])], endpointsMap([endpoints('default', 'web', eps, [{ port: 80 }])]));
    assert.deepEqual(staleConntrackDeletions(tcp(['10.244.1.3']), tcp([])), []);
  });

  it('the proxier runs them after a sync', async () => {
    const calls: string[][] = [];
    const p = new Proxier({ runner: new FakeIptablesRunner(), minSyncPeriodMs: 0, syncPeriodMs: 0, conntrack: { run: async (args) => void calls.push(args) } });
    p.onServiceUpsert(service('default', 'dns', '10.96.0.10', [{ name: 'dns', port: 53, protocol: 'UDP' }]));
    p.onEndpointSliceUpsert(endpoints('default', 'dns', ['10.244.1.3', '10.244.1.4'], [{ name: 'dns', port: 53, protocol: 'UDP' }]));
    p.start();
    await once(p, 'synced');
    p.onEndpointSliceUpsert(endpoints('default', 'dns', ['10.244.1.4'], [{ name: 'dns', port: 53, protocol: 'UDP' }]));
    await once(p, 'synced');
    await p.stop();
    assert.deepEqual(calls, [['-D', '--orig-dst', '10.96.0.10', '--dst-nat', '10.244.1.3', '-p', 'udp']]);
  });
});

describe('kube-proxy: health check node ports', () => {
  async function freePort(): Promise<number> {
    const s = createServer().listen(0, '127.0.0.1');
    await once(s, 'listening');
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    return port;
  }

  const probe = (port: number) =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
      }).on('error', reject);
    });

  it('answers 503 without local endpoints and 200 with their count, as kube-proxy; closes ports no Service uses', async () => {
    const port = await freePort();
    const server = new ServiceHealthServer(['127.0.0.1']);
    const p = new Proxier({ runner: new FakeIptablesRunner(), nodeName: node, minSyncPeriodMs: 0, syncPeriodMs: 0, healthServer: server });
    try {
      const svc = service('default', 'etp', '10.96.0.60', [{ port: 80, nodePort: 30060 }], { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: port });
      p.onServiceUpsert(svc);
      p.onEndpointSliceUpsert(endpoints('default', 'etp', ['10.244.2.5'], [{ port: 80 }], [], { nodeName: { '10.244.2.5': 'node-b' } }));
      p.start();
      await once(p, 'synced');
      assert.deepEqual(await probe(port), { status: 503, body: { service: { namespace: 'default', name: 'etp' }, localEndpoints: 0, serviceProxyHealthy: true } });

      p.onEndpointSliceUpsert(endpoints('default', 'etp', ['10.244.1.5', '10.244.1.6', '10.244.2.5'], [{ port: 80 }], [], { nodeName: { '10.244.1.5': node, '10.244.1.6': node } }));
      const synced = (await once(p, 'synced'))[0] as SyncResult;
      assert.ok(synced.applied);
      const ok = await probe(port);
      assert.equal(ok.status, 200);
      assert.equal(ok.body.localEndpoints, 2);

      p.onServiceUpsert(service('default', 'etp', '10.96.0.60', [{ port: 80, nodePort: 30060 }], { type: 'NodePort', externalTrafficPolicy: 'Local', healthCheckNodePort: port }));
      await once(p, 'synced');
      assert.deepEqual(server.ports(), [], 'only LoadBalancer Services are health-checked (NeedsHealthCheck)');
    } finally {
      await p.stop();
      server.close();
    }
  });
});
