// NetworkPolicy rule generation: Kubernetes' semantics resolved per pod of the node
// (allowed-traffic.ts) and rendered as KITE-NWPLCY-* chains (policy-rules.ts), one case per
// feature: default deny, podSelector, namespaceSelector (alone and with podSelector), ipBlock
// with except, ports and endPort, named ports, egress, the union of several policies.
import { strict as assert } from 'node:assert';
import type { Namespace, Pod } from '../../../../lib/gen/kite/core/v1/types';
import type { NetworkPolicy } from '../../../../lib/gen/kite/networking/v1/types';
import { isolatedPods } from '../../../../services/kube-proxy/network-policy/allowed-traffic';
import { networkPolicyRules, podChainName } from '../../../../services/kube-proxy/network-policy/policy-rules';
import { npNamespace, npPod, npPolicy } from './fixtures';

const namespaces = [npNamespace('default'), npNamespace('prod', { team: 'a' }), npNamespace('dev', { team: 'b' })];
const web = npPod('default', 'web', '10.244.0.10', { app: 'web' }, { ports: [{ name: 'http', containerPort: 8080 }] });
const client = npPod('default', 'client', '10.244.1.20', { role: 'client' }, { node: 'other' });
const prodClient = npPod('prod', 'api', '10.244.1.30', { role: 'client' }, { node: 'other' });
const devClient = npPod('dev', 'tool', '10.244.0.40', { role: 'other' });
const remoteWeb = npPod('default', 'web-2', '10.244.1.11', { app: 'web' }, { node: 'other', ports: [{ name: 'http', containerPort: 9090 }] });
const pods = [web, client, prodClient, devClient, remoteWeb];

const I = podChainName('ingress', 'default', 'web');
const E = podChainName('egress', 'default', 'web');

/** Each declared chain of the rendered table with its rules ("-A CHAIN " removed). */
function chains(policies: NetworkPolicy[], p: Pod[] = pods, ns: Namespace[] = namespaces): Record<string, string[]> {
  const { filter } = networkPolicyRules(isolatedPods({ nodeName: 'self', policies, pods: p, namespaces: ns }));
  const out: Record<string, string[]> = {};
  for (const line of filter.render().split('\n')) {
    const decl = /^:(\S+)/.exec(line);
    if (decl) out[decl[1]] = [];
    const rule = /^-A (\S+) (.*)$/.exec(line);
    if (rule) out[rule[1]].push(rule[2]);
  }
  return out;
}

const established = '-m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "replies of allowed connections" -j RETURN';
const denyIngress = '-m comment --comment "default/web ingress: no policy allows it" -j DROP';
const denyEgress = '-m comment --comment "default/web egress: no policy allows it" -j DROP';
const webOnly = { matchLabels: { app: 'web' } };

describe('network policy rules', () => {
  it('leaves pods open when no policy selects them: only the established rule', () => {
    assert.deepEqual(chains([]), { 'KITE-NWPLCY-FORWARD': [established] });
    assert.equal(I in chains([npPolicy('prod', 'other-ns', { podSelector: {} })]), false);
  });

  it('default deny ingress: an Ingress policy with no rules drops everything to the selected local pods', () => {
    const c = chains([npPolicy('default', 'deny', { policyTypes: ['Ingress'] })]);
    // Every local pod of "default" is selected (empty podSelector); web-2 is on another node, tool in "dev".
    assert.deepEqual(c['KITE-NWPLCY-FORWARD'], [
      established,
      `-d 10.244.0.10/32 -m comment --comment "default/web ingress" -j ${I}`,
    ]);
    assert.deepEqual(c[I], [denyIngress]);
    assert.equal(c[E], undefined);
  });

  it('allows from pods of the policy namespace matching podSelector', () => {
    const c = chains([npPolicy('default', 'p', { podSelector: webOnly, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }] })]);
    assert.deepEqual(c[I], ['-s 10.244.1.20/32 -j RETURN', denyIngress]);
  });

  it('namespaceSelector alone selects every pod of the namespaces, with podSelector only the matching ones', () => {
    const alone = chains([npPolicy('default', 'p', { podSelector: webOnly, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } } }] }] })]);
    assert.deepEqual(alone[I], ['-s 10.244.0.40/32 -j RETURN', denyIngress]);
    const both = chains([
      npPolicy('default', 'p', {
        podSelector: webOnly,
        ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { role: 'client' } } }] }],
      }),
    ]);
    assert.deepEqual(both[I], ['-s 10.244.1.20/32 -j RETURN', '-s 10.244.1.30/32 -j RETURN', denyIngress]);
  });

  it('ipBlock with except: excepts return before the mark that allows, unmarked packets dropped', () => {
    const c = chains([npPolicy('default', 'p', { podSelector: webOnly, ingress: [{ from: [{ ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } }, { ipBlock: { cidr: '192.168.0.0/24' } }] }] })]);
    const except = c[I][1].split(' -j ')[1];
    assert.match(except, /^KITE-NWPLCY-X-/);
    assert.deepEqual(c[I], [
      '-s 192.168.0.0/24 -j RETURN',
      `-s 172.17.0.0/16 -j ${except}`,
      '-m mark ! --mark 0x10000/0x10000 -m comment --comment "default/web ingress: no policy allows it" -j DROP',
      '-j MARK --set-xmark 0x0/0x10000',
    ]);
    assert.deepEqual(c[except], ['-s 172.17.1.0/24 -j RETURN', '-j MARK --set-xmark 0x10000/0x10000']);
  });

  it('ports: protocol defaulted to TCP, endPort as a range, a protocol alone', () => {
    const c = chains([npPolicy('default', 'p', { podSelector: webOnly, ingress: [{ ports: [{ port: 80 }, { protocol: 'UDP', port: 5000, endPort: 5010 }, { protocol: 'SCTP' }] }] })]);
    assert.deepEqual(c[I], ['-p tcp -m tcp --dport 80 -j RETURN', '-p udp -m udp --dport 5000:5010 -j RETURN', '-p sctp -j RETURN', denyIngress]);
  });

  it('named ports resolve on the destination pod: ingress on the pod itself, egress on each peer', () => {
    const ingress = chains([npPolicy('default', 'p', { podSelector: webOnly, ingress: [{ ports: [{ port: 'http' }, { port: 'http', protocol: 'UDP' }, { port: 'none' }] }] })]);
    assert.deepEqual(ingress[I], ['-p tcp -m tcp --dport 8080 -j RETURN', denyIngress]);
    const egress = chains([npPolicy('default', 'p', { podSelector: webOnly, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.244.1.0/24' } }], ports: [{ port: 'http' }] }] })]);
    // web-2 (10.244.1.11) names 9090 "http"; web itself is outside the block.
    assert.deepEqual(egress[E], ['-d 10.244.1.11/32 -p tcp -m tcp --dport 9090 -j RETURN', denyEgress]);
  });

  it('egress: DNS allowed only by a rule that allows it, ingress left open by an Egress-only policy', () => {
    const c = chains([
      npPolicy('default', 'p', {
        podSelector: webOnly,
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'prod' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
      }),
    ]);
    assert.deepEqual(c['KITE-NWPLCY-FORWARD'], [established, `-s 10.244.0.10/32 -m comment --comment "default/web egress" -j ${E}`]);
    assert.deepEqual(c[E], ['-d 10.244.1.30/32 -p udp -m udp --dport 53 -j RETURN', '-d 10.244.1.30/32 -p tcp -m tcp --dport 53 -j RETURN', denyEgress]);
    assert.equal(c[I], undefined);
  });

  it('several policies selecting a pod allow the union of their rules; an empty rule allows everything', () => {
    const c = chains([
      npPolicy('default', 'a', { podSelector: webOnly, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 80 }] }] }),
      npPolicy('default', 'b', { podSelector: webOnly, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 443 }] }] }),
    ]);
    assert.deepEqual(c[I], ['-s 10.244.1.20/32 -p tcp -m tcp --dport 80 -j RETURN', '-s 10.0.0.0/8 -p tcp -m tcp --dport 443 -j RETURN', denyIngress]);
    const open = chains([npPolicy('default', 'a', { podSelector: webOnly, ingress: [] }), npPolicy('default', 'b', { podSelector: webOnly, ingress: [{}] })]);
    assert.deepEqual(open[I], ['-j RETURN', denyIngress]);
  });

  it('skips hostNetwork pods as targets and peers, and pods of other nodes as targets', () => {
    const hostPod = npPod('default', 'host', '172.18.0.2', { app: 'web', role: 'client' }, { hostNetwork: true });
    const c = chains([npPolicy('default', 'p', { ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }] })], [web, client, hostPod, remoteWeb]);
    assert.deepEqual(Object.keys(c).sort(), ['KITE-NWPLCY-FORWARD', I].sort());
    assert.deepEqual(c[I], ['-s 10.244.1.20/32 -j RETURN', denyIngress]);
  });
});
