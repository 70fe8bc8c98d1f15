// The jump monitor against real iptables in a network namespace made by the test: the proxier
// and the network policy agent program the namespace, a foreign "-I FORWARD 1 -j ACCEPT" goes
// above their jumps (as Docker's rules do when it starts or creates a network), and the jumps
// are back on top within a few checks, in the agreed order, with nothing else changed. No
// periodic full sync runs (syncPeriodMs 0): only the monitor can repair.
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { ExecIptablesRunner } from '../../../services/kube-proxy/iptables/runner';
import { JumpMonitor } from '../../../services/kube-proxy/jump-monitor';
import { NetworkPolicyAgent } from '../../../services/kube-proxy/network-policy/network-policy-agent';
import { Proxier } from '../../../services/kube-proxy/proxier';
import { NetnsSandbox, canUseNetns, removeStaleNamespaces } from '../../support/netns';
import { waitFor } from '../../support/wait';
import { endpoints, service } from '../../unit/kube-proxy/fixtures';

describe('jump monitor (real iptables in a network namespace)', function () {
  this.timeout(60_000);
  const sandbox = new NetnsSandbox();
  let node: string;
  let proxier: Proxier | undefined;
  let policies: NetworkPolicyAgent | undefined;
  let monitor: JumpMonitor | undefined;

  /** iptables-save without its timestamp comments and counters, for comparing states. */
  const saved = async () =>
    (await sandbox.exec(node, ['iptables-save']))
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.replace(/\[\d+:\d+\]/, ''))
      .join('\n');
  const forward = async () => (await sandbox.exec(node, ['iptables', '-w', '-t', 'filter', '-S', 'FORWARD'])).split('\n').filter((l) => l.startsWith('-A '));

  before(async function () {
    if (!canUseNetns()) this.skip();
    await removeStaleNamespaces();
    node = await sandbox.netns('node');
  });

  after(async () => {
    await monitor?.stop();
    await proxier?.stop();
    await policies?.stop();
    await sandbox.cleanup();
  });

  it('puts the jumps back on top within a few seconds after a foreign ACCEPT is inserted above them, changing nothing else', async () => {
    const runner = new ExecIptablesRunner({ netns: node });
    proxier = new Proxier({ runner, clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/16', minSyncPeriodMs: 100, syncPeriodMs: 0, retryMinMs: 100 });
    policies = new NetworkPolicyAgent({ nodeName: 'node', iptables: runner, minSyncPeriodMs: 100, syncPeriodMs: 0, retryMinMs: 100 });
    proxier.onServiceUpsert(service('default', 'web', '10.96.0.10', [{ port: 80 }]));
    proxier.onEndpointSliceUpsert(endpoints('default', 'web', ['10.244.1.2'], [{ port: 80 }]));
    proxier.onServiceUpsert(service('default', 'empty', '10.96.0.20', [{ port: 80 }]));
    const started = Promise.all([once(proxier, 'synced'), once(policies, 'synced')]);
    proxier.start();
    policies.start();
    await started;
    const jumps = await forward();
    assert.deepEqual(
      jumps.map((r) => /-j (\S+)$/.exec(r)?.[1]),
      ['KITE-NWPLCY-FORWARD', 'KUBE-SERVICES', 'KUBE-CLUSTER-IPS-CHECK', 'KUBE-FORWARD'],
    );
    const before = await saved();

    monitor = new JumpMonitor({ runner, periodMs: 1000, watchers: [policies, proxier] });
    monitor.start();
    await sandbox.exec(node, ['iptables', '-w', '-I', 'FORWARD', '1', '-j', 'ACCEPT']);
    assert.equal((await forward())[0], '-A FORWARD -j ACCEPT');

    await waitFor('the jumps back above the foreign ACCEPT', async () => {
      const rules = await forward();
      return rules.length === 5 && rules[4] === '-A FORWARD -j ACCEPT' && rules.slice(0, 4).join('\n') === jumps.join('\n');
    }, 10_000, 200);
    // Nothing else changed: the same rules as before, plus the ACCEPT below the jumps.
    const expected = before.replace(`${jumps[3]}\n`, `${jumps[3]}\n-A FORWARD -j ACCEPT\n`);
    assert.equal(await saved(), expected);

    // In order now: the next checks ask for nothing.
    const requests = monitor.fullSyncRequests;
    await monitor.check();
    await monitor.check();
    assert.equal(monitor.fullSyncRequests, requests);
  });
});
