// The route agent against real routes and iptables in network namespaces made by the test:
//   node-a (172.30.0.2, bridge 10.244.1.1/24, pod-a 10.244.1.2) --veth-- node-b (172.30.0.3, bridge 10.244.2.1/24, pod-b 10.244.2.2)
// Both nodes drop forwarded traffic by default, as Docker sets FORWARD on a kind node.
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { ExecIptablesRunner } from '../../../services/kube-proxy/iptables/runner';
import { IpRouteExecutor } from '../../../services/kube-proxy/routes/route-executor';
import { RouteAgent } from '../../../services/kube-proxy/routes/route-agent';
import { NetnsSandbox, canUseNetns, removeStaleNamespaces } from '../../support/netns';
import { node } from '../../unit/kube-proxy/fixtures';
import { httpGet, startHttpServer } from './http-tools';

describe('route agent in network namespaces (real routes and iptables)', function () {
  this.timeout(60_000);
  const sandbox = new NetnsSandbox();
  const nodes = [node('node-a', '10.244.1.0/24', '172.30.0.2'), node('node-b', '10.244.2.0/24', '172.30.0.3')];
  let nodeA: string;
  let nodeB: string;
  let podA: string;
  let podB: string;
  const agents: RouteAgent[] = [];

  function startAgent(nodeName: string, ns: string): RouteAgent {
    const agent = new RouteAgent({
      nodeName,
      podSubnet: '10.244.0.0/16',
      routes: new IpRouteExecutor({ netns: ns }),
      iptables: new ExecIptablesRunner({ netns: ns }),
      minSyncPeriodMs: 0,
      syncPeriodMs: 0,
      retryMinMs: 100,
    });
    agents.push(agent);
    nodes.forEach((n) => agent.onNodeUpsert(n));
    agent.start();
    return agent;
  }

  before(async function () {
    if (!canUseNetns()) this.skip();
    await removeStaleNamespaces();
    nodeA = await sandbox.netns('node-a');
    nodeB = await sandbox.netns('node-b');
    await sandbox.veth({ ns: nodeA, dev: 'eth0', cidr: '172.30.0.2/24' }, { ns: nodeB, dev: 'eth0', cidr: '172.30.0.3/24' });
    for (const [ns, n] of [[nodeA, 1], [nodeB, 2]] as const) {
      await sandbox.sysctl(ns, 'net.ipv4.ip_forward', '1');
      await sandbox.exec(ns, ['iptables', '-P', 'FORWARD', 'DROP']);
      await sandbox.bridge(ns, 'kbr0', `10.244.${n}.1/24`);
    }
    podA = await sandbox.attachToBridge(nodeA, 'kbr0', 'pod-a', '10.244.1.2/24', '10.244.1.1');
    podB = await sandbox.attachToBridge(nodeB, 'kbr0', 'pod-b', '10.244.2.2/24', '10.244.2.1');
    await startHttpServer(sandbox, podA, 'pod-a', '10.244.1.2', 8080);
    await startHttpServer(sandbox, podB, 'pod-b', '10.244.2.2', 8080);
    await startHttpServer(sandbox, nodeB, 'node-b', '172.30.0.3', 9000);
  });

  after(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    await sandbox.cleanup();
  });

  it('without routes, pods on different nodes cannot reach each other', async () => {
    const [result] = await httpGet(sandbox, podA, 'http://10.244.2.2:8080/', 1, 500);
    assert.ok(result.error, 'expected the request to fail');
  });

  it('with the agents running, pods reach each other by pod IP with no NAT', async () => {
    const a = startAgent('node-a', nodeA);
    const b = startAgent('node-b', nodeB);
    await Promise.all([once(a, 'synced'), once(b, 'synced')]);
    assert.match(await sandbox.ip(nodeA, 'route', 'show', '10.244.2.0/24'), /10\.244\.2\.0\/24 via 172\.30\.0\.3 dev eth0 proto 147/);

    const [toB] = await httpGet(sandbox, podA, 'http://10.244.2.2:8080/');
    assert.deepEqual({ name: toB.name, remote: toB.remote }, { name: 'pod-b', remote: '10.244.1.2' });
    const [toA] = await httpGet(sandbox, podB, 'http://10.244.1.2:8080/');
    assert.deepEqual({ name: toA.name, remote: toA.remote }, { name: 'pod-a', remote: '10.244.2.2' });
  });

  it('traffic from a pod to outside the pod network is masqueraded', async () => {
    const [result] = await httpGet(sandbox, podA, 'http://172.30.0.3:9000/');
    assert.deepEqual({ name: result.name, remote: result.remote }, { name: 'node-b', remote: '172.30.0.2' });
  });

  it('removes the route of a node that is gone', async () => {
    const a = agents[0];
    a.onNodeDelete(nodes[1]);
    await once(a, 'synced');
    assert.equal(await sandbox.ip(nodeA, 'route', 'show', 'proto', '147'), '');
    const [result] = await httpGet(sandbox, podA, 'http://10.244.2.2:8080/', 1, 500);
    assert.ok(result.error, 'expected the request to fail');
  });
});
