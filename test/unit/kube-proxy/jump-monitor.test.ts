// The jump monitor with the proxier and the network policy agent on the in-memory iptables: a
// rule inserted above kube-proxy's jumps (as Docker does) is seen by one check and repaired by
// the full sync it asks for; with jumps in place a check reads FORWARD/OUTPUT only and asks
// nothing; both components keep one order (policy jump, kube-proxy's jumps, the rest) and
// consecutive full syncs of both write no jump changes.
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { FakeIptablesRunner } from '../../../services/kube-proxy/iptables/fake-runner';
import { JumpMonitor } from '../../../services/kube-proxy/jump-monitor';
import { NetworkPolicyAgent } from '../../../services/kube-proxy/network-policy/network-policy-agent';
import { Proxier } from '../../../services/kube-proxy/proxier';
import { FakeRouteExecutor } from '../../../services/kube-proxy/routes/fake-route-executor';
import { RouteAgent } from '../../../services/kube-proxy/routes/route-agent';
import { service } from './fixtures';

const dockerAccept = '*filter\n-I FORWARD 1 -i docker0 ! -o docker0 -j ACCEPT\nCOMMIT\n';
const inOrder = ['KITE-NWPLCY-FORWARD', 'KUBE-SERVICES', 'KUBE-CLUSTER-IPS-CHECK', 'KUBE-FORWARD', 'ACCEPT'];

describe('JumpMonitor (fake iptables)', () => {
  let fake: FakeIptablesRunner;
  let proxier: Proxier;
  let policies: NetworkPolicyAgent;

  const forwardTargets = () => fake.rules('filter', 'FORWARD').map((r) => /-j (\S+)$/.exec(r)?.[1]);
  const fullSync = async (component: Proxier | NetworkPolicyAgent) => {
    const synced = once(component, 'synced');
    component.requestFullSync();
    return (await synced)[0] as { full: boolean };
  };
  /** The FORWARD jump changes (-I/-D) in the restores since index `from`. */
  const jumpWrites = (from: number) => fake.restores.slice(from).flatMap((p) => p.split('\n').filter((l) => /^-[ID] FORWARD /.test(l)));

  beforeEach(async () => {
    fake = new FakeIptablesRunner();
    proxier = new Proxier({ runner: fake, serviceCIDR: '10.96.0.0/16', minSyncPeriodMs: 0, syncPeriodMs: 0 });
    policies = new NetworkPolicyAgent({ nodeName: 'self', iptables: fake, minSyncPeriodMs: 0, syncPeriodMs: 0 });
    proxier.onServiceUpsert(service('default', 'empty', '10.96.0.20', [{ port: 80 }]));
  });
  afterEach(async () => {
    await proxier.stop();
    await policies.stop();
  });

  it('sees a rule inserted above kube-proxy\'s jumps within one check, and the full sync it asks for puts them back on top', async () => {
    const started = once(proxier, 'synced');
    proxier.start();
    await started;
    await fake.restore(dockerAccept);
    const monitor = new JumpMonitor({ runner: fake, periodMs: 1000, watchers: [proxier] });
    const synced = once(proxier, 'synced');
    await monitor.check();
    assert.equal(monitor.fullSyncRequests, 1);
    assert.equal(((await synced)[0] as { full: boolean }).full, true);
    assert.deepEqual(forwardTargets(), ['KUBE-SERVICES', 'KUBE-CLUSTER-IPS-CHECK', 'KUBE-FORWARD', 'ACCEPT']);
  });

  it('asks nothing and writes nothing when the jumps are in place, reading only FORWARD and OUTPUT', async () => {
    const started = once(proxier, 'synced');
    proxier.start();
    await started;
    const restores = fake.restores.length;
    const saves = fake.saveCount;
    const monitor = new JumpMonitor({ runner: fake, periodMs: 1000, watchers: [proxier] });
    await monitor.check();
    await monitor.check();
    assert.equal(monitor.fullSyncRequests, 0);
    assert.equal(fake.listCount, 4);
    assert.equal(fake.saveCount, saves);
    assert.equal(fake.restores.length, restores);
  });

  it('keeps one order with the policy agent (its jump, then kube-proxy\'s, then the rest) and no churn between full syncs', async () => {
    await fake.restore(dockerAccept);
    const agentStarted = once(policies, 'synced');
    policies.start();
    await agentStarted;
    // kube-proxy repairs its jumps below the policy jump, not above it.
    const proxyStarted = once(proxier, 'synced');
    proxier.start();
    await proxyStarted;
    assert.deepEqual(forwardTargets(), inOrder);

    const monitor = new JumpMonitor({ runner: fake, periodMs: 1000, watchers: [policies, proxier] });
    await monitor.check();
    assert.equal(monitor.fullSyncRequests, 0);
    const before = fake.restores.length;
    for (let round = 0; round < 2; round++) {
      await fullSync(policies);
      await fullSync(proxier);
    }
    assert.deepEqual(jumpWrites(before), []);
    assert.deepEqual(forwardTargets(), inOrder);
  });

  it('after Docker inserts again, each component repairs once and the order holds', async () => {
    policies.start();
    proxier.start();
    await Promise.all([once(policies, 'synced'), once(proxier, 'synced')]);
    await fake.restore(dockerAccept);
    const monitor = new JumpMonitor({ runner: fake, periodMs: 1000, watchers: [policies, proxier] });
    const synced = Promise.all([once(policies, 'synced'), once(proxier, 'synced')]);
    await monitor.check();
    assert.equal(monitor.fullSyncRequests, 2);
    await synced;
    assert.deepEqual(forwardTargets(), inOrder);
    await monitor.check();
    assert.equal(monitor.fullSyncRequests, 2);
  });

  it('the pod network\'s masquerade jump: Docker\'s masquerade of the pod bridge inserted above it is seen and moved below it, so pod-to-pod traffic to other nodes keeps its source', async () => {
    const agent = new RouteAgent({ nodeName: 'self', podSubnet: '10.244.0.0/16', routes: new FakeRouteExecutor(), iptables: fake, minSyncPeriodMs: 0, syncPeriodMs: 0 });
    try {
      const started = once(agent, 'synced');
      agent.start();
      await started;
      // What the node's Docker Engine does when the kubelet makes the pod network (br-... of 10.244.1.0/24).
      await fake.restore('*nat\n-I POSTROUTING 1 -s 10.244.1.0/24 ! -o br-pods -j MASQUERADE\nCOMMIT\n');
      const monitor = new JumpMonitor({ runner: fake, periodMs: 1000, watchers: [agent] });
      const synced = once(agent, 'synced');
      await monitor.check();
      assert.equal(monitor.fullSyncRequests, 1);
      assert.equal(((await synced)[0] as { full: boolean }).full, true);
      assert.deepEqual(fake.rules('nat', 'POSTROUTING'), [
        '-m comment --comment "kite pod network masquerade" -j KITE-MASQ',
        '-s 10.244.1.0/24 ! -o br-pods -j MASQUERADE',
      ]);
      await monitor.check();
      assert.equal(monitor.fullSyncRequests, 1);
    } finally {
      await agent.stop();
    }
  });
});
