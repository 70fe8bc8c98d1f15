// NetworkPolicy enforcement with real iptables in network namespaces made by the test, laid
// out as Kite's node network is (services/kube-proxy/README.md):
//   node-a (172.31.0.2, bridge kbr0 10.244.1.1/24: web 10.244.1.2, client 10.244.1.3, other 10.244.1.4)
//     --veth-- node-b (172.31.0.3, bridge kbr0 10.244.2.1/24: remote 10.244.2.2)
// Pods of one node talk across the bridge (bridged traffic passes iptables' FORWARD because the
// node sets net.bridge.bridge-nf-call-iptables=1, as Kite's node image does), pods of different
// nodes through the route agents' routes. FORWARD drops by default, as Docker sets it. node-a
// runs the network policy agent; web, client and other are its pods.
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import type { NetworkPolicy } from '../../../lib/gen/kite/networking/v1/types';
import { ExecIptablesRunner } from '../../../services/kube-proxy/iptables/runner';
import { NetworkPolicyAgent } from '../../../services/kube-proxy/network-policy/network-policy-agent';
import { RouteAgent } from '../../../services/kube-proxy/routes/route-agent';
import { IpRouteExecutor } from '../../../services/kube-proxy/routes/route-executor';
import { NetnsSandbox, canUseNetns, removeStaleNamespaces } from '../../support/netns';
import { node } from '../../unit/kube-proxy/fixtures';
import { npNamespace, npPod, npPolicy } from '../../unit/kube-proxy/network-policy/fixtures';
import { httpGet, startHttpServer, startUdpServer, udpAsk } from './http-tools';

describe('network policies in network namespaces (real iptables)', function () {
  this.timeout(60_000);
  const sandbox = new NetnsSandbox();
  const nodes = [node('node-a', '10.244.1.0/24', '172.31.0.2'), node('node-b', '10.244.2.0/24', '172.31.0.3')];
  const pods = [
    npPod('default', 'web', '10.244.1.2', { app: 'web' }, { node: 'node-a', ports: [{ name: 'http', containerPort: 8080 }] }),
    npPod('default', 'client', '10.244.1.3', { role: 'client' }, { node: 'node-a' }),
    npPod('default', 'other', '10.244.1.4', { role: 'other' }, { node: 'node-a' }),
    npPod('default', 'remote', '10.244.2.2', { role: 'client' }, { node: 'node-b' }),
  ];
  const ns: Record<string, string> = {};
  const routeAgents: RouteAgent[] = [];
  let policies: NetworkPolicyAgent;

  /** Applies a change to the agent's inputs and waits for the sync that writes it. */
  async function change(f: (a: NetworkPolicyAgent) => void): Promise<void> {
    const synced = once(policies, 'synced');
    f(policies);
    await synced;
  }

  /** Whether a new connection from `from` to ip:port is answered (a short timeout: a dropped SYN never is). */
  async function reaches(from: string, ip: string, port: number): Promise<boolean> {
    const [result] = await httpGet(sandbox, ns[from], `http://${ip}:${port}/`, 1, 700);
    return !result.error;
  }

  before(async function () {
    if (!canUseNetns()) this.skip();
    await removeStaleNamespaces();
    ns.nodeA = await sandbox.netns('node-a');
    ns.nodeB = await sandbox.netns('node-b');
    await sandbox.veth({ ns: ns.nodeA, dev: 'eth0', cidr: '172.31.0.2/24' }, { ns: ns.nodeB, dev: 'eth0', cidr: '172.31.0.3/24' });
    for (const [n, i] of [[ns.nodeA, 1], [ns.nodeB, 2]] as const) {
      await sandbox.sysctl(n, 'net.ipv4.ip_forward', '1');
      await sandbox.sysctl(n, 'net.bridge.bridge-nf-call-iptables', '1');
      await sandbox.exec(n, ['iptables', '-P', 'FORWARD', 'DROP']);
      await sandbox.bridge(n, 'kbr0', `10.244.${i}.1/24`);
    }
    ns.web = await sandbox.attachToBridge(ns.nodeA, 'kbr0', 'web', '10.244.1.2/24', '10.244.1.1');
    ns.client = await sandbox.attachToBridge(ns.nodeA, 'kbr0', 'client', '10.244.1.3/24', '10.244.1.1');
    ns.other = await sandbox.attachToBridge(ns.nodeA, 'kbr0', 'other', '10.244.1.4/24', '10.244.1.1');
    ns.remote = await sandbox.attachToBridge(ns.nodeB, 'kbr0', 'remote', '10.244.2.2/24', '10.244.2.1');
    await startHttpServer(sandbox, ns.web, 'web', '10.244.1.2', 8080);
    await startHttpServer(sandbox, ns.web, 'web-admin', '10.244.1.2', 9090);
    await startHttpServer(sandbox, ns.remote, 'remote', '10.244.2.2', 8080);
    await startHttpServer(sandbox, ns.remote, 'remote-admin', '10.244.2.2', 9090);
    // A stand-in for the cluster DNS on a pod of the other node.
    await startUdpServer(sandbox, ns.remote, 'remote-dns', '10.244.2.2', 53);

    for (const [name, n] of [['node-a', ns.nodeA], ['node-b', ns.nodeB]]) {
      const agent = new RouteAgent({ nodeName: name, podSubnet: '10.244.0.0/16', routes: new IpRouteExecutor({ netns: n }), iptables: new ExecIptablesRunner({ netns: n }), minSyncPeriodMs: 0, syncPeriodMs: 0 });
      routeAgents.push(agent);
      nodes.forEach((x) => agent.onNodeUpsert(x));
      const synced = once(agent, 'synced');
      agent.start();
      await synced;
    }
    policies = new NetworkPolicyAgent({ nodeName: 'node-a', iptables: new ExecIptablesRunner({ netns: ns.nodeA }), minSyncPeriodMs: 0, syncPeriodMs: 0, retryMinMs: 100 });
    policies.onNamespaceUpsert(npNamespace('default'));
    pods.forEach((p) => policies.onPodUpsert(p));
    const synced = once(policies, 'synced');
    policies.start();
    await synced;
  });

  after(async () => {
    await policies?.stop();
    await Promise.all(routeAgents.splice(0).map((a) => a.stop()));
    await sandbox.cleanup();
  });

  const denyWebIngress = npPolicy('default', 'deny-web', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] });
  const allowClients: NetworkPolicy = npPolicy('default', 'allow-clients', {
    podSelector: { matchLabels: { app: 'web' } },
    ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ protocol: 'TCP', port: 'http' }] }],
  });

  it('without policies every pod is open, on the same node and across nodes', async () => {
    assert.equal(await reaches('client', '10.244.1.2', 8080), true);
    assert.equal(await reaches('other', '10.244.1.2', 9090), true);
    assert.equal(await reaches('remote', '10.244.1.2', 8080), true);
    assert.equal(await reaches('web', '10.244.2.2', 8080), true);
    assert.equal(await reaches('web', '10.244.2.2', 9090), true);
  });

  it('default deny ingress blocks every new connection to web, not web\'s own connections out', async () => {
    await change((a) => a.onPolicyUpsert(denyWebIngress));
    assert.equal(await reaches('client', '10.244.1.2', 8080), false);
    assert.equal(await reaches('remote', '10.244.1.2', 8080), false);
    // Egress is not isolated, and the reply comes back as an established connection.
    assert.equal(await reaches('web', '10.244.2.2', 8080), true);
  });

  it('an allow rule opens exactly the allowed sources on the allowed (named) port', async () => {
    await change((a) => a.onPolicyUpsert(allowClients));
    assert.equal(await reaches('client', '10.244.1.2', 8080), true);
    assert.equal(await reaches('remote', '10.244.1.2', 8080), true);
    assert.equal(await reaches('client', '10.244.1.2', 9090), false);
    assert.equal(await reaches('other', '10.244.1.2', 8080), false);
  });

  it('an ipBlock with an except allows the block but not the excepted address', async () => {
    await change((a) =>
      a.onPolicyUpsert(npPolicy('default', 'allow-block', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ ipBlock: { cidr: '10.244.1.0/24', except: ['10.244.1.3/32'] } }], ports: [{ port: 9090 }] }] })),
    );
    assert.equal(await reaches('other', '10.244.1.2', 9090), true);
    assert.equal(await reaches('client', '10.244.1.2', 9090), false);
    assert.equal(await reaches('remote', '10.244.1.2', 9090), false);
  });

  it('default deny egress blocks web\'s new connections but not replies to allowed ones', async () => {
    await change((a) => a.onPolicyUpsert(npPolicy('default', 'deny-web-egress', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'] })));
    assert.equal(await reaches('web', '10.244.2.2', 8080), false);
    assert.equal(await reaches('client', '10.244.1.2', 8080), true);
  });

  it('an egress rule with a port range (endPort) to pods chosen by namespaceSelector and podSelector opens exactly that range to them', async () => {
    await change((a) =>
      a.onPolicyUpsert(
        npPolicy('default', 'web-egress-range', {
          podSelector: { matchLabels: { app: 'web' } },
          policyTypes: ['Egress'],
          egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'default' } }, podSelector: { matchLabels: { role: 'client' } } }], ports: [{ protocol: 'TCP', port: 8000, endPort: 8100 }] }],
        }),
      ),
    );
    assert.equal(await reaches('web', '10.244.2.2', 8080), true);
    assert.equal(await reaches('web', '10.244.2.2', 9090), false);
  });

  it('under default deny egress, DNS (UDP 53) is reachable only once a policy allows it', async () => {
    assert.deepEqual(await udpAsk(sandbox, ns.web, '10.244.2.2', 53, 1), ['timeout']);
    await change((a) =>
      a.onPolicyUpsert(
        npPolicy('default', 'web-dns', {
          podSelector: { matchLabels: { app: 'web' } },
          policyTypes: ['Egress'],
          egress: [{ to: [{ namespaceSelector: {} }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
        }),
      ),
    );
    assert.deepEqual(await udpAsk(sandbox, ns.web, '10.244.2.2', 53, 2), ['remote-dns', 'remote-dns']);
    assert.deepEqual(await udpAsk(sandbox, ns.client, '10.244.2.2', 53, 1), ['remote-dns'], 'pods no policy selects stay open');
    assert.equal(await reaches('web', '10.244.2.2', 9090), false, 'other egress still denied');
  });

  it('removing the policies reopens everything and deletes their chains', async () => {
    await change((a) => ['deny-web', 'allow-clients', 'allow-block', 'deny-web-egress', 'web-egress-range', 'web-dns'].forEach((name) => a.onPolicyDelete({ metadata: { namespace: 'default', name } })));
    assert.equal(await reaches('other', '10.244.1.2', 8080), true);
    assert.equal(await reaches('client', '10.244.1.2', 9090), true);
    assert.equal(await reaches('web', '10.244.2.2', 8080), true);
    assert.equal(await reaches('web', '10.244.2.2', 9090), true);
    const chains = (await sandbox.exec(ns.nodeA, ['iptables-save', '-t', 'filter'])).split('\n').filter((l) => l.startsWith(':KITE-NWPLCY-'));
    assert.deepEqual(chains.map((l) => l.split(' ')[0]), [':KITE-NWPLCY-FORWARD']);
  });
});
