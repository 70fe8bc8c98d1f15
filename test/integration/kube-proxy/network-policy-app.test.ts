// kite-proxy's network policy agent wired to a real apiserver: a NetworkPolicy created through
// the API (defaulted by the apiserver as Kubernetes defaults it) and the pods it selects become
// KITE-NWPLCY-* rules in a network namespace made by the test; deleting the policy removes them.
import { strict as assert } from 'node:assert';
import { NetworkPolicies } from '../../../lib/api/kinds';
import { Pod } from '../../../lib/gen/kite/core/v1/types';
import { NetworkPolicy } from '../../../lib/gen/kite/networking/v1/types';
import { runKubeProxy, type RunningProxy } from '../../../services/kube-proxy/app';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { NetnsSandbox, canUseNetns, removeStaleNamespaces } from '../../support/netns';
import { waitFor } from '../../support/wait';

describe('kite-proxy network policies against a real apiserver (rules in a network namespace)', function () {
  this.timeout(60_000);
  const sandbox = new NetnsSandbox();
  const ac = new AbortController();
  let api: TestApiserver;
  let proxy: RunningProxy;
  let ns: string;

  before(async function () {
    if (!canUseNetns()) this.skip();
    await removeStaleNamespaces();
    ns = await sandbox.netns('node');
    api = await startTestApiserver();
    proxy = await runKubeProxy(
      api.client(),
      { nodeName: 'n1', masqueradeAll: false, nodePortAddresses: [], minSyncPeriodMs: 50, syncPeriodMs: 60_000, healthzBindAddress: '127.0.0.1', netns: ns },
      ac.signal,
    );
  });

  after(async () => {
    ac.abort();
    await proxy?.done;
    await api?.stop();
    await sandbox.cleanup();
  });

  const filter = () => sandbox.exec(ns, ['iptables-save', '-t', 'filter']);

  async function runningPod(name: string, labels: Record<string, string>, ip: string): Promise<void> {
    const c = api.client();
    const pod = await c.pods.create(Pod.fromPartial({ metadata: { name, labels }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] } }));
    pod.status = { ...pod.status!, phase: 'Running', podIP: ip, podIPs: [{ ip }] };
    await c.pods.updateStatus(pod);
  }

  it('enforces a policy created through the API and removes its rules when it is deleted', async () => {
    assert.ok(proxy.policies, 'the network policy agent runs by default');
    await runningPod('web', { app: 'web' }, '10.244.1.2');
    await runningPod('client', { role: 'client' }, '10.244.1.3');
    const policies = api.client().resource<NetworkPolicy>(NetworkPolicies);
    const created = await policies.create(
      NetworkPolicy.fromPartial({
        metadata: { name: 'web-from-clients', namespace: 'default' },
        spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 80 }] }] },
      }),
      { namespace: 'default' },
    );
    assert.deepEqual(created.spec?.policyTypes, ['Ingress']);
    assert.equal(created.spec?.ingress[0].ports[0].protocol, 'TCP');

    const rules = await waitFor('the ingress chain of web', async () => {
      const t = await filter();
      return t.includes('-s 10.244.1.3/32 -p tcp -m tcp --dport 80 -j RETURN') ? t : undefined;
    });
    assert.match(rules, /-A FORWARD -m comment --comment "kite network policies" -j KITE-NWPLCY-FORWARD/);
    assert.match(rules, /-A KITE-NWPLCY-FORWARD -d 10\.244\.1\.2\/32 -m comment --comment "default\/web ingress" -j KITE-NWPLCY-I-/);

    await policies.delete('web-from-clients', { namespace: 'default' });
    await waitFor('the ingress chain removed', async () => !(await filter()).includes('KITE-NWPLCY-I-'));
  });
});
