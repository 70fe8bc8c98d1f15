import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { FakeIptablesRunner } from '../../../../services/kube-proxy/iptables/fake-runner';
import { FakeRouteExecutor } from '../../../../services/kube-proxy/routes/fake-route-executor';
import { RouteAgent, type RouteSyncResult } from '../../../../services/kube-proxy/routes/route-agent';
import { node } from '../fixtures';

describe('RouteAgent (fakes)', () => {
  let routes: FakeRouteExecutor;
  let iptables: FakeIptablesRunner;
  const agents: RouteAgent[] = [];

  function newAgent(): RouteAgent {
    const a = new RouteAgent({ nodeName: 'self', podSubnet: '10.244.0.0/16', routes, iptables, minSyncPeriodMs: 0, syncPeriodMs: 0, retryMinMs: 5 });
    agents.push(a);
    return a;
  }
  const nextSync = async (a: RouteAgent) => (await once(a, 'synced'))[0] as RouteSyncResult;

  beforeEach(() => {
    routes = new FakeRouteExecutor();
    iptables = new FakeIptablesRunner();
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
  });

  it('routes to every other node, follows changes and removes routes of deleted nodes', async () => {
    const a = newAgent();
    a.onNodeUpsert(node('self', '10.244.0.0/24', '172.18.0.2'));
    a.onNodeUpsert(node('w1', '10.244.1.0/24', '172.18.0.3'));
    a.onNodeUpsert(node('w2', '10.244.2.0/24', '172.18.0.4'));
    a.start();
    await nextSync(a);
    assert.deepEqual([...routes.routes], [['10.244.1.0/24', '172.18.0.3'], ['10.244.2.0/24', '172.18.0.4']]);

    a.onNodeUpsert(node('w1', '10.244.1.0/24', '172.18.0.9'));
    a.onNodeDelete(node('w2', '', ''));
    await nextSync(a);
    assert.deepEqual([...routes.routes], [['10.244.1.0/24', '172.18.0.9']]);
    assert.deepEqual(routes.calls.slice(2), ['replace 10.244.1.0/24 via 172.18.0.9', 'remove 10.244.2.0/24 via 172.18.0.4']);
  });

  it('writes the forwarding and masquerade rules with single jumps, FORWARD jump last', async () => {
    await iptables.restore('*filter\n:KUBE-SERVICES - [0:0]\n-A FORWARD -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\nCOMMIT\n');
    const a = newAgent();
    a.start();
    await nextSync(a);
    assert.deepEqual(iptables.rules('filter', 'FORWARD'), [
      '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-m comment --comment "kite pod network forwarding" -j KITE-FORWARD',
    ]);
    assert.deepEqual(iptables.rules('nat', 'POSTROUTING'), ['-m comment --comment "kite pod network masquerade" -j KITE-MASQ']);
    assert.deepEqual(iptables.rules('nat', 'KITE-MASQ'), [
      '-m mark --mark 0x4000/0x4000 -j RETURN',
      '-d 10.244.0.0/16 -m comment --comment "kite no NAT toward pods" -j ACCEPT',
      '-s 10.244.0.0/16 ! -d 10.244.0.0/16 -m comment --comment "kite pod traffic leaving the pod network" -j MASQUERADE',
    ]);
  });

  it('a restart with the same nodes changes nothing', async () => {
    const nodes = [node('self', '10.244.0.0/24', '172.18.0.2'), node('w1', '10.244.1.0/24', '172.18.0.3')];
    const first = newAgent();
    nodes.forEach((n) => first.onNodeUpsert(n));
    first.start();
    await nextSync(first);
    await first.stop();
    const rulesBefore = await iptables.save();
    const callsBefore = routes.calls.length;

    const second = newAgent();
    nodes.forEach((n) => second.onNodeUpsert(n));
    second.start();
    const result = await nextSync(second);
    assert.deepEqual({ replaced: result.replaced, removed: result.removed }, { replaced: 0, removed: 0 });
    assert.equal(routes.calls.length, callsBefore);
    assert.equal(await iptables.save(), rulesBefore);
  });

  it('retries after a failed route change', async () => {
    const a = newAgent();
    a.onNodeUpsert(node('w1', '10.244.1.0/24', '172.18.0.3'));
    routes.failNext();
    a.start();
    await once(a, 'syncFailed');
    assert.match(a.lastError ?? '', /injected failure/);
    await nextSync(a);
    assert.deepEqual([...routes.routes], [['10.244.1.0/24', '172.18.0.3']]);
    assert.equal(a.lastError, undefined);
  });
});
