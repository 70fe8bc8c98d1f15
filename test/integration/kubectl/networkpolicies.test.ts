// The real kubectl and kitectl on NetworkPolicies: `get networkpolicies` (and its short name
// netpol) and `describe networkpolicy` print the same text for the documentation's default deny,
// a pod-selector allow rule, and a policy with every peer and port form (namespaceSelector with
// podSelector, ipBlock with except, a port range, a named port, egress).
import { strict as assert } from 'node:assert';
import { installedKubectl, startKubectlHarness, type KubectlHarness } from './kubectl-harness';

const ageless = (text: string) => text.replace(/\b\d+s\b/g, 'AGE');

const policy = (name: string, spec: Record<string, unknown>) => JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name }, spec });

describe('kubectl and kitectl on NetworkPolicies (HTTPS front door)', function () {
  this.timeout(60_000);
  let h: KubectlHarness;

  before(async function () {
    if (!installedKubectl()) this.skip();
    h = await startKubectlHarness();
  });
  after(async () => h?.stop());

  it('get networkpolicies, get netpol and describe networkpolicy print the same as kubectl', async () => {
    await h.ok(['create', '-f', '-'], { stdin: policy('default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }) });
    await h.ok(['create', '-f', '-'], {
      stdin: policy('nginx-from-client', { podSelector: { matchLabels: { app: 'nginx' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ protocol: 'TCP', port: 80 }] }] }),
    });
    await h.ok(['create', '-f', '-'], {
      stdin: policy('db', {
        podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }] },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          { from: [{ namespaceSelector: { matchLabels: { team: 'web' } }, podSelector: { matchLabels: { role: 'frontend' } } }, { ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } }], ports: [{ port: 'sql' }, { protocol: 'TCP', port: 32000, endPort: 32768 }] },
        ],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
      }),
    });
    for (const args of [['get', 'networkpolicies'], ['get', 'netpol', 'db'], ['describe', 'networkpolicy', 'default-deny-ingress'], ['describe', 'networkpolicy', 'nginx-from-client'], ['describe', 'netpol', 'db']]) {
      const r = await h.kitectl(args);
      assert.equal(r.code, 0, `kitectl ${args.join(' ')}: ${r.err}`);
      assert.equal(ageless(r.out), ageless(await h.ok(args)), `kubectl and kitectl ${args.join(' ')}`);
    }
  });
});
