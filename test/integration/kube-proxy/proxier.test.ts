// kube-proxy against real iptables in network namespaces made by the test:
//   client (192.168.77.2) --veth-- node (192.168.77.1, bridge kbr0 10.244.1.1/24) --bridge-- pod-a (10.244.1.2), pod-b (10.244.1.3)
//   node (192.168.78.1) --veth-- upstream (192.168.78.2): the node's default route, as a kind node's is out eth0
// The proxier writes its rules into the node namespace; nothing touches the machine's own.
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecIptablesRunner } from '../../../services/kube-proxy/iptables/runner';
import { Proxier, type SyncResult } from '../../../services/kube-proxy/proxier';
import { NetnsSandbox, canUseNetns, removeStaleNamespaces } from '../../support/netns';
import { endpoints, service } from '../../unit/kube-proxy/fixtures';
import { goldenDir } from '../../unit/kube-proxy/golden';
import { countByName, httpGet, startHttpServer } from './http-tools';

const podA = '10.244.1.2';
const podB = '10.244.1.3';
const nodeIP = '192.168.77.1';

describe('kube-proxy in network namespaces (real iptables)', function () {
  this.timeout(60_000);
  const sandbox = new NetnsSandbox();
  let node: string;
  let client: string;
  let podANs: string;
  let runner: ExecIptablesRunner;
  const proxiers: Proxier[] = [];

  function newProxier(): Proxier {
    const p = new Proxier({ runner, clusterCIDR: '10.244.0.0/16', minSyncPeriodMs: 100, syncPeriodMs: 0, retryMinMs: 100 });
    proxiers.push(p);
    return p;
  }
  const nextSync = async (p: Proxier) => (await once(p, 'synced'))[0] as SyncResult;
  /** iptables-save without its timestamp comments and counters, for comparing states. */
  const savedRules = async () => (await runner.save()).split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/, '')).join('\n');

  before(async function () {
    if (!canUseNetns()) this.skip();
    await removeStaleNamespaces();
    node = await sandbox.netns('node');
    client = await sandbox.netns('client');
    await sandbox.sysctl(node, 'net.ipv4.ip_forward', '1');
    await sandbox.bridge(node, 'kbr0', '10.244.1.1/24');
    podANs = await sandbox.attachToBridge(node, 'kbr0', 'pod-a', `${podA}/24`, '10.244.1.1');
    const podBNs = await sandbox.attachToBridge(node, 'kbr0', 'pod-b', `${podB}/24`, '10.244.1.1');
    await sandbox.veth({ ns: node, dev: 'ext0', cidr: `${nodeIP}/24` }, { ns: client, dev: 'eth0', cidr: '192.168.77.2/24' });
    await sandbox.ip(client, 'route', 'add', 'default', 'via', nodeIP);
    // Traffic to a ClusterIP that nothing DNATs is routed upstream, so it reaches FORWARD. (Routing it back
    // out of the interface it came in on would make the node send an ICMP redirect, which uses up the
    // ICMP rate-limit token the REJECT needs.)
    const upstream = await sandbox.netns('upstream');
    await sandbox.veth({ ns: node, dev: 'up0', cidr: '192.168.78.1/24' }, { ns: upstream, dev: 'eth0', cidr: '192.168.78.2/24' });
    await sandbox.ip(node, 'route', 'add', 'default', 'via', '192.168.78.2');
    await startHttpServer(sandbox, podANs, 'pod-a', podA, 8080);
    await startHttpServer(sandbox, podBNs, 'pod-b', podB, 8080);
    runner = new ExecIptablesRunner({ netns: node });
  });

  afterEach(async () => {
    await Promise.all(proxiers.splice(0).map((p) => p.stop()));
  });

  after(async () => {
    await sandbox.cleanup();
  });

  it('every golden payload is accepted by iptables-restore', async () => {
    const ns = await sandbox.netns('golden');
    const goldenRunner = new ExecIptablesRunner({ netns: ns });
    for (const file of readdirSync(goldenDir).filter((f) => f.endsWith('.rules'))) {
      await goldenRunner.restore(readFileSync(join(goldenDir, file), 'utf8')).catch((err: Error) => {
        throw new Error(`${file}: ${err.message}`);
      });
    }
  });

  it('ClusterIP spreads requests over both backends; a removed backend leaves the rotation at the next sync', async () => {
    const p = newProxier();
    p.onServiceUpsert(service('default', 'web', '10.96.0.10', [{ port: 80, targetPort: 8080 }]));
    p.onEndpointSliceUpsert(endpoints('default', 'web', [podA, podB], [{ port: 8080 }]));
    p.start();
    await nextSync(p);

    const before = countByName(await httpGet(sandbox, client, 'http://10.96.0.10/', 40));
    assert.deepEqual(Object.keys(before).sort(), ['pod-a', 'pod-b'], JSON.stringify(before));
    assert.ok(before['pod-a'] >= 5 && before['pod-b'] >= 5, `uneven split ${JSON.stringify(before)}`);

    const changedAt = Date.now();
    p.onEndpointSliceUpsert(endpoints('default', 'web', [podB], [{ port: 8080 }], [podA]));
    await nextSync(p);
    assert.ok(Date.now() - changedAt < 1000, 'the change was applied within the sync period');
    assert.deepEqual(countByName(await httpGet(sandbox, client, 'http://10.96.0.10/', 20)), { 'pod-b': 20 });
  });

  it('NodePort answers on the node IP; traffic from outside the pod network is masqueraded', async () => {
    const p = newProxier();
    p.onServiceUpsert(service('default', 'np', '10.96.0.11', [{ port: 80, targetPort: 8080, nodePort: 30080 }], { type: 'NodePort' }));
    p.onEndpointSliceUpsert(endpoints('default', 'np', [podA, podB], [{ port: 8080 }]));
    p.start();
    await nextSync(p);
    const results = await httpGet(sandbox, client, `http://${nodeIP}:30080/`, 20);
    assert.deepEqual(Object.keys(countByName(results)).sort(), ['pod-a', 'pod-b']);
    assert.ok(results.every((r) => r.remote === '10.244.1.1'), 'pods see the node as the client');
  });

  it('a service without ready endpoints is rejected at once, not left to time out', async () => {
    const p = newProxier();
    p.onServiceUpsert(service('default', 'empty', '10.96.0.20', [{ port: 80 }]));
    p.onEndpointSliceUpsert(endpoints('default', 'empty', [], [{ port: 80 }], [podA]));
    p.start();
    await nextSync(p);
    const [result] = await httpGet(sandbox, client, 'http://10.96.0.20/', 1, 3000);
    assert.equal(result.error, 'ECONNREFUSED');
    assert.ok(result.ms < 500, `rejected after ${result.ms} ms`);
  });

  it('sessionAffinity ClientIP sends one client to one backend', async () => {
    const p = newProxier();
    p.onServiceUpsert(service('default', 'sticky', '10.96.0.30', [{ port: 80, targetPort: 8080 }], { sessionAffinity: 'ClientIP' }));
    p.onEndpointSliceUpsert(endpoints('default', 'sticky', [podA, podB], [{ port: 8080 }]));
    p.start();
    await nextSync(p);
    const counts = countByName(await httpGet(sandbox, client, 'http://10.96.0.30/', 15));
    assert.equal(Object.keys(counts).length, 1, JSON.stringify(counts));
  });

  it('hairpin: a pod reaches itself through its service', async () => {
    const p = newProxier();
    p.onServiceUpsert(service('default', 'self', '10.96.0.40', [{ port: 80, targetPort: 8080 }]));
    p.onEndpointSliceUpsert(endpoints('default', 'self', [podA], [{ port: 8080 }]));
    p.start();
    await nextSync(p);
    const results = await httpGet(sandbox, podANs, 'http://10.96.0.40/', 5);
    assert.deepEqual(countByName(results), { 'pod-a': 5 });
    assert.ok(results.every((r) => r.remote === '10.244.1.1'), 'hairpin traffic is masqueraded');
  });

  it('a restart with the same state leaves iptables unchanged; stale chains go away', async () => {
    const state = () => {
      const p = newProxier();
      p.onServiceUpsert(service('default', 'web', '10.96.0.10', [{ port: 80, targetPort: 8080 }]));
      p.onEndpointSliceUpsert(endpoints('default', 'web', [podA, podB], [{ port: 8080 }]));
      return p;
    };
    const first = state();
    first.onServiceUpsert(service('default', 'old', '10.96.0.50', [{ port: 80 }]));
    first.onEndpointSliceUpsert(endpoints('default', 'old', [podA], [{ port: 80 }]));
    first.start();
    await nextSync(first);
    first.onServiceDelete(service('default', 'old', '', []));
    await nextSync(first);
    await first.stop();
    const before = await savedRules();
    assert.doesNotMatch(before, /10\.96\.0\.50/);
    assert.equal((before.match(/^:KUBE-S(VC|EP)-/gm) ?? []).length, 3);

    const second = state();
    second.start();
    await nextSync(second);
    assert.equal(await savedRules(), before);
    assert.equal((before.match(/^-A PREROUTING .*-j KUBE-SERVICES$/gm) ?? []).length, 1);
  });

  it('a sync split into several restores leaves the same rules as one restore', async () => {
    const states: string[] = [];
    for (const maxChainsPerRestore of [1000, 4]) {
      const ns = await sandbox.netns(`split-${maxChainsPerRestore}`);
      const nsRunner = new ExecIptablesRunner({ netns: ns });
      const p = new Proxier({ runner: nsRunner, clusterCIDR: '10.244.0.0/16', minSyncPeriodMs: 0, syncPeriodMs: 0, maxChainsPerRestore });
      proxiers.push(p);
      for (let i = 0; i < 5; i++) {
        p.onServiceUpsert(service('default', `s${i}`, `10.96.1.${i + 1}`, [{ port: 80 }], { sessionAffinity: i % 2 ? 'ClientIP' : 'None' }));
        p.onEndpointSliceUpsert(endpoints('default', `s${i}`, [podA, podB], [{ port: 8080 }]));
      }
      p.start();
      await nextSync(p);
      states.push((await nsRunner.save()).split('\n').filter((l) => !l.startsWith('#')).join('\n'));
    }
    assert.equal(states[1], states[0]);
    assert.equal((states[0].match(/^:KUBE-SEP-/gm) ?? []).length, 10);
  });

  it('leaves rules it does not own alone', async () => {
    await runner.restore('*nat\n:OTHER - [0:0]\n-A OTHER -j RETURN\n-A PREROUTING -j OTHER\nCOMMIT\n');
    const p = newProxier();
    p.start();
    await nextSync(p);
    const saved = await savedRules();
    assert.match(saved, /^-A PREROUTING -j OTHER$/m);
    assert.match(saved, /^-A OTHER -j RETURN$/m);
  });
});
