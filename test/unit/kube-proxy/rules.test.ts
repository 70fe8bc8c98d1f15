import { strict as assert } from 'node:assert';
import { endpointChainName, serviceChainName } from '../../../services/kube-proxy/chain-names';
import { renderRestore } from '../../../services/kube-proxy/iptables/restore-payload';
import { deleteStaleChains, generateRules, probability, proxyJumpRules, type RuleOptions } from '../../../services/kube-proxy/rules';
import { buildServicePorts } from '../../../services/kube-proxy/service-ports';
import type { Service } from '../../../lib/gen/kite/core/v1/types';
import type { EndpointSlice } from '../../../lib/gen/kite/discovery/v1/types';
import { endpoints, endpointsMap, service } from './fixtures';
import { expectGolden } from './golden';

const options: RuleOptions = { clusterCIDR: '10.244.0.0/16' };

function render(services: Service[], eps: EndpointSlice[], opts: RuleOptions = options, existing: string[] = []): string {
  const rules = generateRules(buildServicePorts(services, endpointsMap(eps)), opts);
  deleteStaleChains(rules, existing);
  return renderRestore([rules.filter, rules.nat]);
}

describe('kube-proxy rule generation', () => {
  it('names chains exactly as kube-proxy does', () => {
    assert.equal(serviceChainName('default/kubernetes:https', 'TCP'), 'KUBE-SVC-NPX46M4PTMTKRN6Y');
    assert.equal(serviceChainName('kube-system/kube-dns:dns', 'udp'), 'KUBE-SVC-TCOU7JCQXEZGVUNU');
    assert.match(endpointChainName('default/web', 'tcp', '10.244.1.2:80'), /^KUBE-SEP-[A-Z2-7]{16}$/);
    assert.notEqual(endpointChainName('default/web', 'tcp', '10.244.1.2:80'), endpointChainName('default/web', 'tcp', '10.244.1.3:80'));
  });

  it('formats probabilities like kube-proxy (1/n with 10 decimals)', () => {
    assert.deepEqual([3, 2, 7].map(probability), ['0.3333333333', '0.5000000000', '0.1428571429']);
  });

  it('ClusterIP: one KUBE-SVC chain, one KUBE-SEP chain per ready endpoint, equal shares', () => {
    const text = render(
      [service('default', 'web', '10.96.0.10', [{ port: 80, targetPort: 8080 }])],
      [endpoints('default', 'web', ['10.244.2.5', '10.244.1.7', '10.244.1.12'], [{ port: 8080 }])],
    );
    expectGolden('cluster-ip', text);
    const probabilities = [...text.matchAll(/--probability (\S+)/g)].map((m) => m[1]);
    assert.deepEqual(probabilities, ['0.3333333333', '0.5000000000']);
    assert.equal((text.match(/-j DNAT/g) ?? []).length, 3);
  });

  it('NodePort: KUBE-NODEPORTS jumps to KUBE-EXT, which marks for masquerade and jumps to the service chain', () => {
    const text = render(
      [service('default', 'web', '10.96.0.11', [{ port: 80, targetPort: 80, nodePort: 30080 }], { type: 'NodePort' })],
      [endpoints('default', 'web', ['10.244.1.7', '10.244.2.5'], [{ port: 80 }])],
    );
    expectGolden('node-port', text);
    const nat = text.slice(text.indexOf('*nat'));
    const servicesRules = nat.split('\n').filter((l) => l.startsWith('-A KUBE-SERVICES'));
    assert.match(servicesRules[servicesRules.length - 1], /--dst-type LOCAL -j KUBE-NODEPORTS$/, 'KUBE-NODEPORTS must be the last rule');
  });

  it('multiple ports: one service chain per port, endpoints matched by port name', () => {
    const text = render(
      [service('shop', 'api', '10.96.0.12', [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'metrics', port: 9090, targetPort: 9090 }])],
      [endpoints('shop', 'api', ['10.244.1.7'], [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }])],
    );
    expectGolden('multiple-ports', text);
    assert.match(text, /"shop\/api:http cluster IP" -m tcp -p tcp -d 10.96.0.12\/32 --dport 80 -j KUBE-SVC-/);
    assert.match(text, /-j DNAT --to-destination 10.244.1.7:9090/);
  });

  it('named targetPort: the port comes from the Endpoints port of the same name', () => {
    const text = render(
      [service('default', 'dns', '10.96.0.10', [{ name: 'dns', port: 53, targetPort: 'dns-udp', protocol: 'UDP' }])],
      [endpoints('default', 'dns', ['10.244.1.3'], [{ name: 'dns', port: 5353, protocol: 'UDP' }])],
    );
    expectGolden('named-target-port', text);
    assert.match(text, /-m udp -p udp -j DNAT --to-destination 10.244.1.3:5353/);
  });

  it('no ready endpoints: REJECT in the filter table, nothing in nat', () => {
    const text = render(
      [
        service('default', 'empty', '10.96.0.20', [{ port: 80 }]),
        service('default', 'starting', '10.96.0.21', [{ port: 80, nodePort: 30021 }], { type: 'NodePort' }),
      ],
      [endpoints('default', 'starting', [], [{ port: 80 }], ['10.244.1.9'])],
    );
    expectGolden('no-endpoints', text);
    assert.doesNotMatch(text, /KUBE-SVC-|KUBE-SEP-|10\.244\.1\.9/);
  });

  it('service CIDR: what still heads for it after DNAT is rejected (a ClusterIP in use) or dropped (an unallocated one)', () => {
    const text = render(
      [
        service('default', 'web', '10.96.0.10', [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }]),
        service('default', 'empty', '10.96.0.20', [{ port: 80 }]),
      ],
      [endpoints('default', 'web', ['10.244.1.7'], [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }])],
      { ...options, serviceCIDR: '10.96.0.0/16' },
    );
    expectGolden('service-cidr', text);
    assert.deepEqual(text.split('\n').filter((l) => l.startsWith('-A KUBE-CLUSTER-IPS-CHECK')), [
      '-A KUBE-CLUSTER-IPS-CHECK ! -d 10.96.0.0/16 -j RETURN',
      '-A KUBE-CLUSTER-IPS-CHECK -m comment --comment "reject traffic to invalid ports of ClusterIPs" -d 10.96.0.20/32 -j REJECT',
      '-A KUBE-CLUSTER-IPS-CHECK -m comment --comment "reject traffic to invalid ports of ClusterIPs" -d 10.96.0.10/32 -j REJECT',
      '-A KUBE-CLUSTER-IPS-CHECK -m comment --comment "drop traffic to unallocated ClusterIPs" -j DROP',
    ]);
    const withoutRange = render([service('default', 'web', '10.96.0.10', [{ port: 80 }])], []);
    assert.match(withoutRange, /^:KUBE-CLUSTER-IPS-CHECK - \[0:0\]$/m);
    assert.doesNotMatch(withoutRange, /^-A KUBE-CLUSTER-IPS-CHECK/m, 'without the range, nothing is dropped');
  });

  it('sessionAffinity ClientIP: recent --rcheck in the service chain, --set in each endpoint chain', () => {
    const text = render(
      [service('default', 'sticky', '10.96.0.30', [{ port: 80 }], { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } })],
      [endpoints('default', 'sticky', ['10.244.1.7', '10.244.2.5'], [{ port: 80 }])],
    );
    expectGolden('session-affinity', text);
    assert.equal((text.match(/--rcheck --seconds 600 --reap/g) ?? []).length, 2);
    assert.equal((text.match(/-m recent --name KUBE-SEP-\S+ --set/g) ?? []).length, 2);
  });

  it('stale KUBE-SVC/KUBE-SEP chains are flushed and deleted; other chains are left alone', () => {
    const current = render([service('default', 'web', '10.96.0.10', [{ port: 80 }])], [endpoints('default', 'web', ['10.244.1.7'], [{ port: 80 }])]);
    const live = [...current.matchAll(/^:(KUBE-S(?:VC|EP)-\S+)/gm)].map((m) => m[1]);
    const text = render(
      [service('default', 'web', '10.96.0.10', [{ port: 80 }])],
      [endpoints('default', 'web', ['10.244.1.7'], [{ port: 80 }])],
      options,
      [...live, 'KUBE-SVC-GONEGONEGONEGONE', 'KUBE-SEP-GONEGONEGONEGONE', 'KUBE-SERVICES', 'DOCKER', 'KITE-MASQ'],
    );
    expectGolden('stale-chains', text);
    assert.deepEqual([...text.matchAll(/^-X (\S+)/gm)].map((m) => m[1]), ['KUBE-SEP-GONEGONEGONEGONE', 'KUBE-SVC-GONEGONEGONEGONE']);
  });

  it('leaves out the chains of services whose rules are as the last sync wrote them', () => {
    const services = [service('default', 'a', '10.96.0.1', [{ port: 80 }]), service('default', 'b', '10.96.0.2', [{ port: 80 }])];
    const before = generateRules(buildServicePorts(services, endpointsMap([endpoints('default', 'a', ['10.244.1.1'], [{ port: 80 }]), endpoints('default', 'b', ['10.244.1.2'], [{ port: 80 }])])), options);
    const after = generateRules(
      buildServicePorts(services, endpointsMap([endpoints('default', 'a', ['10.244.1.1'], [{ port: 80 }]), endpoints('default', 'b', ['10.244.1.3'], [{ port: 80 }])])),
      options,
      before.fingerprints,
    );
    deleteStaleChains(after, before.serviceChains);
    const svcB = serviceChainName('default/b', 'tcp');
    const svcA = serviceChainName('default/a', 'tcp');
    assert.deepEqual(after.nat.chunks.map((c) => c.chains), [[svcB, endpointChainName('default/b', 'tcp', '10.244.1.3:80')]]);
    assert.deepEqual(after.nat.deleted, [endpointChainName('default/b', 'tcp', '10.244.1.2:80')]);
    assert.ok(after.nat.rules.some((r) => r.endsWith(`-j ${svcA}`)), 'KUBE-SERVICES still jumps to the unchanged service');
    assert.ok(after.serviceChains.has(svcA));
  });

  it('masqueradeAll and explicit node IPs', () => {
    const text = render(
      [service('default', 'web', '10.96.0.11', [{ port: 80, nodePort: 30080 }], { type: 'NodePort' })],
      [endpoints('default', 'web', ['10.244.1.7'], [{ port: 80 }])],
      { masqueradeAll: true, nodeIPs: ['172.18.0.2'] },
    );
    assert.match(text, /"default\/web cluster IP" -m tcp -p tcp -d 10.96.0.11\/32 --dport 80 -j KUBE-MARK-MASQ/);
    assert.match(text, /-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -d 172.18.0.2\/32 -j KUBE-NODEPORTS/);
    assert.doesNotMatch(text, /addrtype --dst-type LOCAL -j KUBE-NODEPORTS/);
  });

  it('output does not depend on the order objects arrive in', () => {
    const a = service('default', 'a', '10.96.0.1', [{ port: 80 }]);
    const b = service('other', 'b', '10.96.0.2', [{ port: 80 }]);
    const ea = endpoints('default', 'a', ['10.244.1.10', '10.244.1.9'], [{ port: 80 }]);
    const eb = endpoints('other', 'b', ['10.244.2.1'], [{ port: 80 }]);
    const ea2 = endpoints('default', 'a', ['10.244.1.9', '10.244.1.10'], [{ port: 80 }]);
    assert.equal(render([a, b], [ea, eb]), render([b, a], [eb, ea2]));
  });

  it('skips headless and ExternalName services', () => {
    const ports = buildServicePorts(
      [
        service('default', 'headless', 'None', [{ port: 80 }]),
        service('default', 'ext', '', [{ port: 80 }], { type: 'ExternalName' }),
      ],
      endpointsMap([endpoints('default', 'headless', ['10.244.1.7'], [{ port: 80 }]), endpoints('default', 'ext', ['10.244.1.8'], [{ port: 80 }])]),
    );
    assert.deepEqual(ports, []);
  });
});

describe('kube-proxy rule generation: options and jumps', () => {
  it('without a cluster CIDR or masqueradeAll, ClusterIP traffic is not marked for masquerade', () => {
    const text = render([service('default', 'web', '10.96.0.11', [{ port: 80 }])], [endpoints('default', 'web', ['10.244.1.7'], [{ port: 80 }])], {});
    assert.doesNotMatch(text, /-A KUBE-SVC-\S+ .*-j KUBE-MARK-MASQ/);
    assert.match(text, /-A KUBE-SVC-\S+ .*-j KUBE-SEP-/);
  });

  it("jumps into kube-proxy's chains from the built-in ones, with kube-proxy's comments and matches", () => {
    assert.deepEqual(
      proxyJumpRules.map((j) => `${j.table} -A ${j.chain} ${j.spec}`),
      [
        'nat -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        'nat -A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        'nat -A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
        'filter -A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
        'filter -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        'filter -A FORWARD -m comment --comment "kubernetes cluster IPs check" -j KUBE-CLUSTER-IPS-CHECK',
        'filter -A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
        'filter -A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        'filter -A OUTPUT -m comment --comment "kubernetes cluster IPs check" -j KUBE-CLUSTER-IPS-CHECK',
      ],
    );
    assert.ok(proxyJumpRules.every((j) => j.position === 'first'));
  });
});
