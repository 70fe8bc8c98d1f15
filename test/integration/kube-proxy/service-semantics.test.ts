// kube-proxy's Service semantics against real iptables in network namespaces made by the test:
//   client (192.168.87.2) --veth-- node (192.168.87.1, bridge kbr0 10.244.1.1/24) --bridge-- pod-a (10.244.1.2), pod-b (10.244.1.3)
// The proxier runs as node "node-a"; EndpointSlices say which pod is on which node, so both pods
// can play local or remote endpoints. UDP Services, externalTrafficPolicy and
// internalTrafficPolicy Local, the health check node port (served on loopback by this process),
// terminating endpoints, headless and ExternalName Services; UDP conntrack cleanup when the
// `conntrack` tool is installed (skipped otherwise).
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { ExecConntrackRunner } from '../../../services/kube-proxy/conntrack';
import { ServiceHealthServer } from '../../../services/kube-proxy/healthcheck/service-health';
import { ExecIptablesRunner } from '../../../services/kube-proxy/iptables/runner';
import { Proxier } from '../../../services/kube-proxy/proxier';
import { NetnsSandbox, canUseNetns, removeStaleNamespaces } from '../../support/netns';
import { endpoints, service } from '../../unit/kube-proxy/fixtures';
import { countByName, httpGet, startHttpServer, startUdpServer, udpAsk } from './http-tools';

const podA = '10.244.1.2';
const podB = '10.244.1.3';
const nodeIP = '192.168.87.1';
const clientIP = '192.168.87.2';
const thisNode = 'node-a';

describe('kube-proxy Service semantics in network namespaces (real iptables)', function () {
  this.timeout(60_000);
  const sandbox = new NetnsSandbox();
  let node: string;
  let client: string;
  let runner: ExecIptablesRunner;
  const proxiers: Proxier[] = [];
  const healthServers: ServiceHealthServer[] = [];

  function newProxier(extra: { healthServer?: ServiceHealthServer; conntrack?: ExecConntrackRunner } = {}): Proxier {
    const p = new Proxier({ runner, nodeName: thisNode, clusterCIDR: '10.244.0.0/16', minSyncPeriodMs: 50, syncPeriodMs: 0, retryMinMs: 100, ...extra });
    proxiers.push(p);
    return p;
  }
  const nextSync = (p: Proxier) => once(p, 'synced');
  const udp = (ns: string, ip: string, port: number, count: number, sourcePort?: number) => udpAsk(sandbox, ns, ip, port, count, sourcePort);
  const tally = (names: string[]) => names.reduce<Record<string, number>>((acc, n) => ({ ...acc, [n]: (acc[n] ?? 0) + 1 }), {});

  before(async function () {
    if (!canUseNetns()) this.skip();
    await removeStaleNamespaces();
    node = await sandbox.netns('node');
    client = await sandbox.netns('client');
    await sandbox.sysctl(node, 'net.ipv4.ip_forward', '1');
    await sandbox.bridge(node, 'kbr0', '10.244.1.1/24');
    const podANs = await sandbox.attachToBridge(node, 'kbr0', 'pod-a', `${podA}/24`, '10.244.1.1');
    const podBNs = await sandbox.attachToBridge(node, 'kbr0', 'pod-b', `${podB}/24`, '10.244.1.1');
    await sandbox.veth({ ns: node, dev: 'ext0', cidr: `${nodeIP}/24` }, { ns: client, dev: 'eth0', cidr: `${clientIP}/24` });
    await sandbox.ip(client, 'route', 'add', 'default', 'via', nodeIP);
    await startHttpServer(sandbox, podANs, 'pod-a', podA, 8080);
    await startHttpServer(sandbox, podBNs, 'pod-b', podB, 8080);
    await startUdpServer(sandbox, podANs, 'pod-a', podA, 5353);
    await startUdpServer(sandbox, podBNs, 'pod-b', podB, 5353);
    runner = new ExecIptablesRunner({ netns: node });
  });

  afterEach(async () => {
    await Promise.all(proxiers.splice(0).map((p) => p.stop()));
    for (const s of healthServers.splice(0)) s.close();
    // Each test starts from empty Kite chains: a fresh proxier's full sync deletes the previous test's.
  });

  after(async () => {
    await sandbox.cleanup();
  });

  it('a UDP Service answers from both endpoints; a removed endpoint gets no new flows', async () => {
    const p = newProxier();
    p.onServiceUpsert(service('default', 'dns', '10.96.0.53', [{ name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' }]));
    p.onEndpointSliceUpsert(endpoints('default', 'dns', [podA, podB], [{ name: 'dns', port: 5353, protocol: 'UDP' }]));
    p.start();
    await nextSync(p);
    const spread = tally(await udp(client, '10.96.0.53', 53, 30));
    assert.deepEqual(Object.keys(spread).sort(), ['pod-a', 'pod-b'], JSON.stringify(spread));

    p.onEndpointSliceUpsert(endpoints('default', 'dns', [podB], [{ name: 'dns', port: 5353, protocol: 'UDP' }]));
    await nextSync(p);
    assert.deepEqual(tally(await udp(client, '10.96.0.53', 53, 10)), { 'pod-b': 10 });
  });

  it('UDP conntrack entries of a removed endpoint are cleared: the same flow moves to the remaining endpoint (conntrack tool)', async function () {
    if (spawnSync('conntrack', ['--version']).status !== 0) this.skip();
    const dnsPort = [{ name: 'dns', port: 5353, protocol: 'UDP' }];
    const run = async (conntrack: ExecConntrackRunner | undefined, ip: string, sourcePort: number) => {
      const p = newProxier({ conntrack });
      p.onServiceUpsert(service('default', `dns-${sourcePort}`, ip, [{ name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' }]));
      p.onEndpointSliceUpsert(endpoints('default', `dns-${sourcePort}`, [podA], dnsPort));
      p.start();
      await nextSync(p);
      const first = await udp(client, ip, 53, 1, sourcePort);
      p.onEndpointSliceUpsert(endpoints('default', `dns-${sourcePort}`, [podB], dnsPort));
      await nextSync(p);
      const after = await udp(client, ip, 53, 1, sourcePort);
      await p.stop();
      return [...first, ...after];
    };
    // Without cleanup the flow stays with the endpoint it was DNATed to first (its entry outlives the rule).
    assert.deepEqual(await run(undefined, '10.96.0.54', 40053), ['pod-a', 'pod-a']);
    assert.deepEqual(await run(new ExecConntrackRunner({ netns: node }), '10.96.0.55', 40054), ['pod-a', 'pod-b']);
  });

  it('sessionAffinity ClientIP with a timeout pins a client to one endpoint', async () => {
    const p = newProxier();
    p.onServiceUpsert(service('default', 'sticky', '10.96.0.31', [{ port: 80, targetPort: 8080 }], { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }));
    p.onEndpointSliceUpsert(endpoints('default', 'sticky', [podA, podB], [{ port: 8080 }]));
    p.start();
    await nextSync(p);
    const counts = countByName(await httpGet(sandbox, client, 'http://10.96.0.31/', 20));
    assert.equal(Object.keys(counts).length, 1, JSON.stringify(counts));
    assert.match((await runner.save()), /--rcheck --seconds 60 --reap/);
  });

  it('externalTrafficPolicy Local: NodePort traffic only to local endpoints with the client IP kept, dropped without any; health check 200/503', async () => {
    const hcServer = new ServiceHealthServer(['127.0.0.1']);
    healthServers.push(hcServer);
    const hcPort = await freeLoopbackPort();
    const p = newProxier({ healthServer: hcServer });
    const svc = service('default', 'etp', '10.96.0.61', [{ port: 80, targetPort: 8080, nodePort: 30061 }], {
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: hcPort,
    });
    p.onServiceUpsert(svc);
    p.onEndpointSliceUpsert(endpoints('default', 'etp', [podA, podB], [{ port: 8080 }], [], { nodeName: { [podA]: 'node-b', [podB]: thisNode } }));
    p.start();
    await nextSync(p);

    const local = await httpGet(sandbox, client, `http://${nodeIP}:30061/`, 10);
    assert.deepEqual(countByName(local), { 'pod-b': 10 }, 'only the endpoint on this node');
    assert.ok(local.every((r) => r.remote === clientIP), `client IP preserved: ${JSON.stringify(local[0])}`);
    const hc = await probe(hcPort);
    assert.deepEqual([hc.status, hc.body.localEndpoints], [200, 1]);

    p.onEndpointSliceUpsert(endpoints('default', 'etp', [podA, podB], [{ port: 8080 }], [], { nodeName: { [podA]: 'node-b', [podB]: 'node-c' } }));
    await nextSync(p);
    const [dropped] = await httpGet(sandbox, client, `http://${nodeIP}:30061/`, 1, 1000);
    assert.equal(dropped.error, 'TIMEOUT', 'no local endpoint: dropped, not refused');
    assert.deepEqual(Object.keys(countByName(await httpGet(sandbox, client, 'http://10.96.0.61/', 20))).sort(), ['pod-a', 'pod-b'], 'the cluster IP still reaches every endpoint');
    const unhealthy = await probe(hcPort);
    assert.deepEqual([unhealthy.status, unhealthy.body.localEndpoints], [503, 0]);
  });

  it('internalTrafficPolicy Local: the cluster IP reaches only endpoints on this node', async () => {
    const p = newProxier();
    p.onServiceUpsert(service('default', 'itp', '10.96.0.62', [{ port: 80, targetPort: 8080 }], { internalTrafficPolicy: 'Local' }));
    p.onEndpointSliceUpsert(endpoints('default', 'itp', [podA, podB], [{ port: 8080 }], [], { nodeName: { [podA]: thisNode, [podB]: 'node-b' } }));
    p.start();
    await nextSync(p);
    assert.deepEqual(countByName(await httpGet(sandbox, client, 'http://10.96.0.62/', 10)), { 'pod-a': 10 });
  });

  it('terminating endpoints take traffic only while no endpoint is ready', async () => {
    const p = newProxier();
    p.onServiceUpsert(service('default', 'roll', '10.96.0.63', [{ port: 80, targetPort: 8080 }]));
    p.onEndpointSliceUpsert(endpoints('default', 'roll', [podA, podB], [{ port: 8080 }], [], { terminating: [podB] }));
    p.start();
    await nextSync(p);
    assert.deepEqual(countByName(await httpGet(sandbox, client, 'http://10.96.0.63/', 10)), { 'pod-a': 10 }, 'the ready endpoint only');

    p.onEndpointSliceUpsert(endpoints('default', 'roll', [podB], [{ port: 8080 }], [podA], { terminating: [podB] }));
    await nextSync(p);
    assert.deepEqual(countByName(await httpGet(sandbox, client, 'http://10.96.0.63/', 10)), { 'pod-b': 10 }, 'no ready endpoint: the serving terminating one');
  });

  it('headless and ExternalName Services get no rules', async () => {
    const p = newProxier();
    p.onServiceUpsert(service('default', 'headless', 'None', [{ port: 80, targetPort: 8080 }]));
    p.onServiceUpsert(service('default', 'ext', '', [{ port: 80 }], { type: 'ExternalName', externalName: 'example.com' }));
    p.onEndpointSliceUpsert(endpoints('default', 'headless', [podA], [{ port: 8080 }]));
    p.start();
    await nextSync(p);
    const saved = await runner.save();
    assert.match(saved, /KUBE-SERVICES/, 'the proxier did write its chains');
    assert.doesNotMatch(saved, /default\/headless|default\/ext|KUBE-SVC-|KUBE-SEP-/);
  });
});

async function freeLoopbackPort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function probe(port: number): Promise<{ status: number; body: { localEndpoints?: number } }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
    }).on('error', reject);
  });
}
