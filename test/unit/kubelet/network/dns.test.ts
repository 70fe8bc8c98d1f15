// The kubelet's pod DNS configuration (Kubernetes' pkg/kubelet/network/dns tests): every
// dnsPolicy with and without hostNetwork, dnsConfig merging, the resolver limits with their
// DNSConfigForming events, the MissingClusterDNS fallback, and parsing and writing resolv.conf.
import assert from 'node:assert/strict';
import type { EventRecorder } from '../../../../lib/events';
import { Pod, type PodSpec } from '../../../../lib/gen/kite/core/v1/types';
import { DnsConfigurer, mergeDnsOptions, parseResolvConf, type DnsConfigurerOptions } from '../../../../services/kubelet/network/dns';
import { formatResolvConf } from '../../../../services/kubelet/runtime/resolv-conf';

const NODE_RESOLV = '# the node\nnameserver 192.168.0.1\nnameserver 192.168.0.2\nsearch corp.example. lab.example\noptions timeout:2 attempts:3\n';

function pod(spec: Partial<PodSpec> = {}, namespace = 'shop'): Pod {
  return Pod.fromPartial({ metadata: { name: 'web', namespace, uid: 'u1' }, spec: { dnsPolicy: 'ClusterFirst', ...spec } });
}

describe('kubelet pod DNS configuration', () => {
  let events: string[];
  const recorder: EventRecorder = { event: (obj, type, reason, message) => events.push(`${obj.kind ?? ''} ${type} ${reason}: ${message}`) };

  function configurer(o: Partial<DnsConfigurerOptions> = {}): DnsConfigurer {
    return new DnsConfigurer({
      clusterDNS: ['10.96.0.10'],
      clusterDomain: 'cluster.local',
      resolvConf: '/etc/resolv.conf',
      nodeName: 'n1',
      recorder,
      readFile: async () => NODE_RESOLV,
      ...o,
    });
  }

  beforeEach(() => {
    events = [];
  });

  it('parses a resolv.conf: nameservers accumulate, the last search and options lines win, trailing dots go', () => {
    const parsed = parseResolvConf('nameserver 1.1.1.1\nsearch a.example\nsearch b.example. c.example\n  # nameserver 9.9.9.9\noptions ndots:1\noptions rotate\nnameserver 8.8.8.8\nnameserver\n');
    assert.deepEqual(parsed, { servers: ['1.1.1.1', '8.8.8.8'], searches: ['b.example', 'c.example'], options: ['rotate'], errors: ['nameserver list is empty '] });
  });

  it('writes resolv.conf as containerd does: search, nameservers, options', () => {
    assert.equal(
      formatResolvConf({ servers: ['10.96.0.10', '10.96.0.11'], searches: ['ns.svc.cluster.local', 'cluster.local'], options: ['ndots:5'] }),
      'search ns.svc.cluster.local cluster.local\nnameserver 10.96.0.10\nnameserver 10.96.0.11\noptions ndots:5\n',
    );
    assert.equal(formatResolvConf({ servers: ['1.1.1.1'], searches: [], options: [] }), 'nameserver 1.1.1.1\n');
  });

  it('ClusterFirst: the cluster DNS only, the namespace, svc and cluster domains before the node\'s search paths, ndots:5', async () => {
    assert.deepEqual(await configurer().podDNS(pod()), {
      servers: ['10.96.0.10'],
      searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example'],
      options: ['ndots:5'],
    });
    assert.deepEqual(events, []);
  });

  it('ClusterFirst with no cluster domain keeps the node\'s search paths', async () => {
    assert.deepEqual((await configurer({ clusterDomain: '' }).podDNS(pod())).searches, ['corp.example', 'lab.example']);
  });

  it('Default, and ClusterFirst on the host network, copy the node\'s resolver; ClusterFirstWithHostNet keeps the cluster DNS', async () => {
    const node = { servers: ['192.168.0.1', '192.168.0.2'], searches: ['corp.example', 'lab.example'], options: ['timeout:2', 'attempts:3'] };
    assert.deepEqual(await configurer().podDNS(pod({ dnsPolicy: 'Default' })), node);
    assert.deepEqual(await configurer().podDNS(pod({ hostNetwork: true })), node);
    const withHostNet = await configurer().podDNS(pod({ dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true }));
    assert.deepEqual(withHostNet.servers, ['10.96.0.10']);
    assert.deepEqual(withHostNet.options, ['ndots:5']);
  });

  it('Default with no --resolv-conf asks the node\'s own resolver and searches nothing', async () => {
    const dns = await configurer({ resolvConf: '', nodeIPs: () => ['192.168.0.5', 'fd00::5'] }).podDNS(pod({ dnsPolicy: 'Default' }));
    assert.deepEqual(dns, { servers: ['127.0.0.1', '::1'], searches: ['.'], options: [] });
  });

  it('ClusterFirst without --cluster-dns falls back to Default with MissingClusterDNS on the node and the pod', async () => {
    const dns = await configurer({ clusterDNS: [] }).podDNS(pod());
    assert.deepEqual(dns.servers, ['192.168.0.1', '192.168.0.2']);
    const message = 'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.';
    assert.deepEqual(events, [`Node Warning MissingClusterDNS: ${message}`, ` Warning MissingClusterDNS: pod: "web_shop(u1)". ${message}`]);
  });

  it('None uses dnsConfig alone', async () => {
    const dns = await configurer().podDNS(
      pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: ['my.dns.search.suffix'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }),
    );
    assert.deepEqual(dns, { servers: ['1.2.3.4'], searches: ['my.dns.search.suffix'], options: ['ndots:2', 'edns0'] });
  });

  it('merges dnsConfig into the policy\'s: duplicates dropped, options of the same name replaced', async () => {
    const dns = await configurer().podDNS(
      pod({ dnsConfig: { nameservers: ['10.96.0.10', '1.2.3.4'], searches: ['cluster.local', 'extra.example'], options: [{ name: 'ndots', value: '2' }, { name: 'single-request-reopen' }] } }),
    );
    assert.deepEqual(dns.servers, ['10.96.0.10', '1.2.3.4']);
    assert.deepEqual(dns.searches, ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example', 'extra.example']);
    assert.deepEqual(dns.options, ['ndots:2', 'single-request-reopen']);
    assert.deepEqual(mergeDnsOptions(['timeout:2', 'rotate'], [{ name: 'rotate', value: '1' }]), ['timeout:2', 'rotate:1']);
  });

  it('keeps 3 nameservers and warns with the applied line', async () => {
    const dns = await configurer().podDNS(pod({ dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3'], searches: [], options: [] } }));
    assert.deepEqual(dns.servers, ['10.96.0.10', '1.1.1.1', '2.2.2.2']);
    assert.deepEqual(events, [' Warning DNSConfigForming: Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.96.0.10 1.1.1.1 2.2.2.2']);
  });

  it('keeps 32 search paths, drops paths over 253 characters and cuts the line to 2048 characters', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
    const dns = await configurer({ resolvConf: '' }).podDNS(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: many, options: [] } }));
    assert.deepEqual(dns.searches, many.slice(0, 32));
    assert.deepEqual(events, [` Warning DNSConfigForming: Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${many.slice(0, 32).join(' ')}`]);

    events = [];
    const long = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(20)}`;
    const dropped = await configurer().podDNS(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['ok.example', long], options: [] } }));
    assert.deepEqual(dropped.searches, ['ok.example']);
    assert.equal(events.length, 1);

    events = [];
    const wide = Array.from({ length: 12 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(190)}.example`);
    const cut = await configurer().podDNS(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: wide, options: [] } }));
    assert.deepEqual(cut.searches, wide.slice(0, 10));
    assert.ok(cut.searches.join(' ').length <= 2048);
    assert.match(events[0], /Search Line limits were exceeded/);
  });

  it('warns on the Node when the node\'s resolver leaves pods too few search paths', async () => {
    await configurer().checkLimitsForResolvConf();
    assert.deepEqual(events, []);
    const paths = (n: number) => `search ${Array.from({ length: n }, (_, i) => `d${i}.example`).join(' ')}\n`;
    await configurer({ readFile: async () => paths(30) }).checkLimitsForResolvConf();
    assert.deepEqual(events, ["Node Warning CheckLimitsForResolvConf: Resolv.conf file '/etc/resolv.conf' contains search line consisting of more than 29 domains!"]);
    events = [];
    await configurer({ clusterDomain: '', readFile: async () => paths(30) }).checkLimitsForResolvConf();
    assert.deepEqual(events, []);
    await configurer({ readFile: async () => `search ${'a'.repeat(254)}\n` }).checkLimitsForResolvConf();
    assert.deepEqual(events, ['Node Warning CheckLimitsForResolvConf: Resolv.conf file "/etc/resolv.conf" contains a search path which length is more than allowed 253 chars!']);
  });

  it('fails when the node\'s resolver file cannot be read', async () => {
    const c = configurer({ readFile: async () => { throw new Error('ENOENT: no such file or directory, open \'/nope\''); } });
    await assert.rejects(c.podDNS(pod()), /ENOENT/);
  });
});
