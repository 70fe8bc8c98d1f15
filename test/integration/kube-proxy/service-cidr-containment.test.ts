// Traffic to the service range never leaves a node, even where Docker's FORWARD rules accept
// everything leaving the pod bridge (issue 10 item 4). Real iptables in network namespaces made
// by the test, nothing else, made afresh for each test:
//   pod (10.244.1.2) --bridge br0 (10.244.1.1/24)-- node --veth up0 (192.168.79.1)-- world (192.168.79.2)
// The node's default route is the world namespace, which holds the service addresses itself
// and answers on them: a packet that escapes is answered "from outside the cluster", as in the
// issue, and counted by a rule in the world's raw PREROUTING.
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecIptablesRunner } from '../../../services/kube-proxy/iptables/runner';
import { Proxier, type SyncResult } from '../../../services/kube-proxy/proxier';
import { NetnsSandbox, canUseNetns, removeStaleNamespaces } from '../../support/netns';
import { endpoints, service } from '../../unit/kube-proxy/fixtures';
import { httpGet, startHttpServer, type HttpResult } from './http-tools';

const serviceCIDR = '10.96.0.0/16';
const podIP = '10.244.1.2';
const emptyIP = '10.96.0.20';
const webIP = '10.96.0.30';
const unallocatedIP = '10.96.200.200';
const worldIP = '192.168.79.2';

/** Docker's FORWARD rules for its bridge network, as dockerd writes them (it inserts them first). */
const dockerForwardRules = [
  '-o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-i br0 ! -o br0 -j ACCEPT',
  '-i br0 -o br0 -j ACCEPT',
];

describe('kube-proxy keeps service traffic on the node (Docker FORWARD rules, real iptables)', function () {
  this.timeout(60_000);
  const sandbox = new NetnsSandbox();
  const proxiers: Proxier[] = [];
  const files: string[] = [];
  let topologies = 0;

  interface Topology {
    node: string;
    pod: string;
    world: string;
    runner: ExecIptablesRunner;
  }

  /** Node, pod and world namespaces as in the header, with dockerd's rules in the node. */
  async function topology(): Promise<Topology> {
    const n = ++topologies;
    const node = await sandbox.netns(`node${n}`);
    const world = await sandbox.netns(`world${n}`);
    await sandbox.sysctl(node, 'net.ipv4.ip_forward', '1');
    // Every REJECT answers at once, however many the test provokes in a row.
    await sandbox.sysctl(node, 'net.ipv4.icmp_ratelimit', '0');
    await sandbox.bridge(node, 'br0', '10.244.1.1/24');
    const pod = await sandbox.attachToBridge(node, 'br0', `pod${n}`, `${podIP}/24`, '10.244.1.1');
    await sandbox.veth({ ns: node, dev: 'up0', cidr: '192.168.79.1/24' }, { ns: world, dev: 'eth0', cidr: `${worldIP}/24` });
    await sandbox.ip(node, 'route', 'add', 'default', 'via', worldIP);
    await sandbox.ip(world, 'route', 'add', '10.244.1.0/24', 'via', '192.168.79.1');
    for (const ip of [emptyIP, webIP, unallocatedIP]) await sandbox.ip(world, 'addr', 'add', `${ip}/32`, 'dev', 'lo');
    await sandbox.exec(world, ['iptables', '-t', 'raw', '-A', 'PREROUTING', '-d', serviceCIDR, '-m', 'comment', '--comment', 'escaped service traffic']);
    const runner = new ExecIptablesRunner({ netns: node });
    // dockerd's start: FORWARD policy DROP, DOCKER-USER first, then the bridge's accept rules.
    await runner.restore(
      ['*filter', ':FORWARD DROP [0:0]', ':DOCKER-USER - [0:0]', '-A DOCKER-USER -j RETURN', '-A FORWARD -j DOCKER-USER', ...dockerForwardRules.map((r) => `-A FORWARD ${r}`), 'COMMIT', ''].join('\n'),
    );
    return { node, pod, world, runner };
  }

  function newProxier(t: Topology): Proxier {
    const p = new Proxier({ runner: t.runner, clusterCIDR: '10.244.0.0/16', serviceCIDR, minSyncPeriodMs: 0, syncPeriodMs: 0, retryMinMs: 100 });
    proxiers.push(p);
    return p;
  }

  const nextSync = async (p: Proxier) => (await once(p, 'synced'))[0] as SyncResult;
  const forwardRules = async (t: Topology) => (await sandbox.exec(t.node, ['iptables', '-S', 'FORWARD'])).split('\n').filter((l) => l.startsWith('-A '));
  /** Packets to the service range that reached the world namespace. */
  const escaped = async (t: Topology) => {
    const saved = await sandbox.exec(t.world, ['iptables-save', '-c', '-t', 'raw']);
    const line = saved.split('\n').find((l) => l.includes('-A PREROUTING') && l.includes(`-d ${serviceCIDR}`));
    assert.ok(line, `no counting rule in ${saved}`);
    return Number(/^\[(\d+):/.exec(line)![1]);
  };
  const get = async (ns: string, url: string, timeoutMs = 2000): Promise<HttpResult> => (await httpGet(sandbox, ns, url, 1, timeoutMs))[0];

  before(async function () {
    if (!canUseNetns()) this.skip();
    await removeStaleNamespaces();
  });

  afterEach(async () => {
    await Promise.all(proxiers.splice(0).map((p) => p.stop()));
  });

  after(async () => {
    for (const f of files) rmSync(f, { force: true });
    await sandbox.cleanup();
  });

  it('after Docker puts its accept rules back on top, the next full sync puts kube-proxy first again and nothing reaches the world', async () => {
    const t = await topology();
    await startHttpServer(sandbox, t.world, 'world', '0.0.0.0', 80);
    await startHttpServer(sandbox, t.world, 'world-8080', '0.0.0.0', 8080);
    const p = newProxier(t);
    p.onServiceUpsert(service('default', 'empty', emptyIP, [{ port: 80 }]));
    p.onEndpointSliceUpsert(endpoints('default', 'empty', [], [{ port: 80 }]));
    p.onServiceUpsert(service('default', 'web', webIP, [{ port: 80 }]));
    p.onEndpointSliceUpsert(endpoints('default', 'web', [podIP], [{ port: 80 }]));
    p.start();
    await nextSync(p);

    // Docker restarts or (re)creates its bridge network: its rules move to the top again.
    const docker = ['-j DOCKER-USER', ...dockerForwardRules].reverse().flatMap((r) => [`-D FORWARD ${r}`, `-I FORWARD 1 ${r}`]);
    await t.runner.restore(['*filter', ...docker, 'COMMIT', ''].join('\n'));
    assert.match((await forwardRules(t))[0], /-j DOCKER-USER$/);

    p.requestFullSync();
    assert.equal((await nextSync(p)).full, true);
    const forward = await forwardRules(t);
    assert.deepEqual(
      forward.slice(0, 3).map((r) => /-j (\S+)$/.exec(r)?.[1]),
      ['KUBE-SERVICES', 'KUBE-CLUSTER-IPS-CHECK', 'KUBE-FORWARD'],
      forward.join('\n'),
    );
    assert.equal(forward.filter((r) => r.endsWith('-j KUBE-SERVICES')).length, 1);
    assert.equal(forward.filter((r) => r.includes('-i br0 ! -o br0 -j ACCEPT')).length, 1, "Docker's rules are left in place");

    // The way out is open: the pod reaches the world's own address through Docker's accept rule.
    assert.equal((await get(t.pod, `http://${worldIP}/`)).name, 'world');

    assert.equal((await get(t.pod, `http://${emptyIP}/`)).error, 'ECONNREFUSED', 'no endpoints: rejected on the node');
    assert.equal((await get(t.pod, `http://${webIP}:8080/`)).error, 'ECONNREFUSED', 'a port the ClusterIP does not have: rejected');
    const unallocated = await get(t.pod, `http://${unallocatedIP}/`, 1000);
    assert.ok(unallocated.error, `an address no Service has was answered: ${JSON.stringify(unallocated)}`);
    const fromNode = await get(t.node, `http://${unallocatedIP}/`, 1000);
    assert.ok(fromNode.error, `the node's own traffic to an unallocated ClusterIP was answered: ${JSON.stringify(fromNode)}`);
    assert.equal(await escaped(t), 0, 'no packet to the service range left the node');
  });

  it('a flow to the service range that began before kube-proxy synced stops at its first sync', async () => {
    const t = await topology();
    const echo = sandbox.spawn(t.world, [process.execPath, '-e', udpEchoScript, unallocatedIP]);
    await new Promise<void>((resolve) => echo.stdout?.on('data', (d: Buffer) => d.toString().includes('listening') && resolve()));
    const trigger = join(tmpdir(), `kite-udp-trigger-${process.pid}-${Date.now()}`);
    files.push(trigger);
    const client = sandbox.spawn(t.pod, [process.execPath, '-e', udpClientScript, unallocatedIP, '5353', trigger]);
    let out = '';
    client.stdout?.on('data', (d: Buffer) => (out += d));
    while (!out.includes('\n')) await once(client.stdout!, 'data');
    // Before kube-proxy's rules, the pod's datagram left the node and was answered from outside.
    assert.equal(out.trim(), 'first:one');
    const before = await escaped(t);
    assert.equal(before, 1);

    const p = newProxier(t);
    p.start();
    await nextSync(p);
    // The same flow (conntrack: established, never NATed) goes on after the sync.
    writeFileSync(trigger, '');
    await once(client, 'exit');
    assert.equal(out.trim().split('\n')[1], 'second:no answer');
    assert.equal(await escaped(t), before, 'no packet of the established flow left the node');
  });
});

/** Bound to the address it serves, so answers come from it and match the flow. */
const udpEchoScript = `
const s = require('dgram').createSocket('udp4');
s.on('message', (m, r) => s.send(m, r.port, r.address));
s.bind(5353, process.argv[1], () => console.log('listening'));
`;

/** Sends "one" and prints the answer; once the trigger file exists, sends "two" on the same socket. */
const udpClientScript = `
const [ip, port, trigger] = process.argv.slice(1);
const fs = require('fs');
const s = require('dgram').createSocket('udp4');
const ask = (text) => new Promise((resolve) => {
  const timer = setTimeout(() => { s.removeAllListeners('message'); resolve('no answer'); }, 1000);
  s.once('message', (m) => { clearTimeout(timer); resolve(String(m)); });
  s.send(text, Number(port), ip);
});
(async () => {
  console.log('first:' + (await ask('one')));
  while (!fs.existsSync(trigger)) await new Promise((r) => setTimeout(r, 20));
  console.log('second:' + (await ask('two')));
  s.close();
})();
`;
