// NetworkPolicyAgent against the in-memory iptables: the jump from FORWARD first (above
// kube-proxy's) and single,
// chains following policy and pod changes, chains of removed pods and of a previous run
// deleted, no iptables-restore when nothing changed.
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { FakeIptablesRunner } from '../../../../services/kube-proxy/iptables/fake-runner';
import { jumpRule, jumpRuleFixes } from '../../../../services/kube-proxy/iptables/jump-rules';
import { parseIptablesSave } from '../../../../services/kube-proxy/iptables/save-parser';
import { NetworkPolicyAgent, type NetworkPolicySyncResult } from '../../../../services/kube-proxy/network-policy/network-policy-agent';
import { podChainName } from '../../../../services/kube-proxy/network-policy/policy-rules';
import { npNamespace, npPod, npPolicy } from './fixtures';

describe('NetworkPolicyAgent (fake iptables)', () => {
  let iptables: FakeIptablesRunner;
  const agents: NetworkPolicyAgent[] = [];

  function newAgent(): NetworkPolicyAgent {
    const a = new NetworkPolicyAgent({ nodeName: 'self', iptables, minSyncPeriodMs: 0, syncPeriodMs: 0, retryMinMs: 5 });
    agents.push(a);
    return a;
  }
  const nextSync = async (a: NetworkPolicyAgent) => (await once(a, 'synced'))[0] as NetworkPolicySyncResult;
  const policyChains = () => [...(iptables.tables.get('filter')?.keys() ?? [])].filter((c) => c.startsWith('KITE-NWPLCY-')).sort();

  beforeEach(() => {
    iptables = new FakeIptablesRunner();
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
  });

  it('jumps first from FORWARD, follows policies and pods, deletes chains nobody uses', async () => {
    await iptables.restore(
      '*filter\n:DOCKER-USER - [0:0]\n:KITE-NWPLCY-I-LEFTOVER - [0:0]\n-A FORWARD -j DOCKER-USER\n-A KITE-NWPLCY-I-LEFTOVER -j DROP\nCOMMIT\n',
    );
    const a = newAgent();
    a.onNamespaceUpsert(npNamespace('default'));
    a.onPodUpsert(npPod('default', 'web', '10.244.0.10', { app: 'web' }));
    a.onPolicyUpsert(npPolicy('default', 'deny', { policyTypes: ['Ingress'] }));
    a.start();
    assert.equal((await nextSync(a)).isolatedPods, 1);
    const web = podChainName('ingress', 'default', 'web');
    assert.deepEqual(iptables.rules('filter', 'FORWARD'), ['-m comment --comment "kite network policies" -j KITE-NWPLCY-FORWARD', '-j DOCKER-USER']);
    assert.deepEqual(policyChains(), ['KITE-NWPLCY-FORWARD', web]);

    a.onPodUpsert(npPod('default', 'db', '10.244.0.11', { app: 'db' }));
    await nextSync(a);
    const db = podChainName('ingress', 'default', 'db');
    assert.deepEqual(policyChains(), ['KITE-NWPLCY-FORWARD', db, web].sort());

    a.onPolicyDelete(npPolicy('default', 'deny', {}));
    await nextSync(a);
    assert.deepEqual(policyChains(), ['KITE-NWPLCY-FORWARD']);
    assert.equal(iptables.rules('filter', 'FORWARD').length, 2);
  });

  it("goes above kube-proxy's jumps (KUBE-FORWARD accepts marked traffic), which then stay where they are", async () => {
    await iptables.restore(
      [
        '*filter',
        ':KUBE-SERVICES - [0:0]',
        ':KUBE-FORWARD - [0:0]',
        ':KITE-NWPLCY-FORWARD - [0:0]',
        '-A FORWARD -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
        '-A FORWARD -m comment --comment "kite network policies" -j KITE-NWPLCY-FORWARD',
        'COMMIT',
        '',
      ].join('\n'),
    );
    const a = newAgent();
    a.start();
    await nextSync(a);
    const forward = iptables.rules('filter', 'FORWARD');
    assert.deepEqual(forward, [
      '-m comment --comment "kite network policies" -j KITE-NWPLCY-FORWARD',
      '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    ]);
    const kubeProxyJumps = [
      jumpRule('filter', 'FORWARD', 'kubernetes service portals', 'KUBE-SERVICES'),
      jumpRule('filter', 'FORWARD', 'kubernetes forwarding rules', 'KUBE-FORWARD'),
    ];
    assert.equal(jumpRuleFixes(parseIptablesSave(await iptables.save()), kubeProxyJumps).size, 0);
  });

  it('skips iptables-restore on a partial sync that changes nothing', async () => {
    const a = newAgent();
    a.onPodUpsert(npPod('default', 'web', '10.244.0.10', { app: 'web' }));
    a.start();
    assert.equal((await nextSync(a)).applied, true);
    a.onPodUpsert(npPod('default', 'web', '10.244.0.10', { app: 'web', version: '2' }));
    assert.equal((await nextSync(a)).applied, false);
  });
});
