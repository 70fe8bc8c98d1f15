// The cluster DNS addon of a kite cluster (services/kite/cluster-dns.ts), as kubeadm's CoreDNS
// addon: the Service kube-dns at the tenth address of the service range, the kite-dns Deployment
// with CoreDNS's labels, probes, ports, requests, tolerations, priority class and pod
// anti-affinity, the system:coredns RBAC, and every kubelet pointed at that address
// (--cluster-dns, --cluster-domain).
import { strict as assert } from 'node:assert';
import { ClusterRoleBindings, ClusterRoles, Deployments, Services } from '../../../lib/gen/kite/kinds';
import { parseClusterConfig } from '../../../services/kite/cluster-config';
import { dnsManifests, dnsServiceIP } from '../../../services/kite/cluster-dns';
import { nodeComponents } from '../../../services/kite/components';
import { planNodes } from '../../../services/kite/nodes';
import { resolvePort } from '../../../services/kubelet/probes/actions';

describe('kite cluster DNS addon', () => {
  it('puts the DNS Service at the tenth address of the service subnet', () => {
    assert.equal(dnsServiceIP('10.96.0.0/12'), '10.96.0.10');
    assert.equal(dnsServiceIP('10.100.0.0/16'), '10.100.0.10');
  });

  it("describes kubeadm's CoreDNS objects with kite-dns in CoreDNS's place", () => {
    const m = dnsManifests('10.96.0.0/12', 'kite/dns:h-test');
    const svc = Services.type.fromJSON(m.service);
    assert.equal(svc.metadata?.namespace, 'kube-system');
    assert.equal(svc.metadata?.name, 'kube-dns');
    assert.equal(svc.spec?.clusterIP, '10.96.0.10');
    assert.deepEqual(svc.spec?.selector, { 'k8s-app': 'kube-dns' });
    assert.deepEqual(svc.spec?.ports.map((p) => [p.name, p.port, p.protocol]), [['dns', 53, 'UDP'], ['dns-tcp', 53, 'TCP'], ['metrics', 9153, 'TCP']]);
    assert.deepEqual(svc.metadata?.annotations, { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' });

    const d = Deployments.type.fromJSON(m.deployment);
    assert.equal(d.metadata?.name, 'kite-dns');
    assert.equal(d.spec?.replicas, 2);
    const pod = d.spec!.template!;
    assert.deepEqual(pod.metadata?.labels, { 'k8s-app': 'kube-dns' });
    assert.equal(pod.spec?.dnsPolicy, 'Default');
    assert.equal(pod.spec?.serviceAccountName, 'coredns');
    assert.equal(pod.spec?.priorityClassName, 'system-cluster-critical');
    assert.equal(pod.spec?.affinity?.podAffinity, undefined);
    assert.deepEqual(
      pod.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution.map((w) => [
        w.weight,
        w.podAffinityTerm?.topologyKey,
        w.podAffinityTerm?.labelSelector?.matchExpressions.map((e) => [e.key, e.operator, e.values]),
      ]),
      [[100, 'kubernetes.io/hostname', [['k8s-app', 'In', ['kube-dns']]]]],
    );
    assert.deepEqual(pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution, []);
    assert.ok(pod.spec?.tolerations.some((t) => t.key === 'node-role.kubernetes.io/control-plane' && t.effect === 'NoSchedule'));
    const c = pod.spec!.containers[0];
    assert.equal(c.image, 'kite/dns:h-test');
    assert.deepEqual(c.resources?.requests, { cpu: '100m', memory: '70Mi' });
    assert.deepEqual(c.ports.map((p) => [p.name, p.containerPort, p.protocol]), [
      ['dns', 53, 'UDP'], ['dns-tcp', 53, 'TCP'], ['metrics', 9153, 'TCP'], ['liveness-probe', 8080, 'TCP'], ['readiness-probe', 8181, 'TCP'],
    ]);
    assert.deepEqual(c.args, ['--cluster-domain', 'cluster.local', '--ttl', '30'], "kubeadm's Corefile; kite-dns's default --metrics-address, :9153, is the metrics port");
    assert.equal(c.readinessProbe?.httpGet?.path, '/ready');
    assert.equal(resolvePort(c.readinessProbe?.httpGet?.port, c), 8181);
    assert.equal(c.livenessProbe?.httpGet?.path, '/health');
    assert.equal(resolvePort(c.livenessProbe?.httpGet?.port, c), 8080);

    const role = ClusterRoles.type.fromJSON(m.clusterRole);
    assert.deepEqual(role.rules.map((r) => [r.apiGroups, r.resources, r.verbs]), [
      [[''], ['endpoints', 'services', 'pods', 'namespaces'], ['list', 'watch']],
      [['discovery.k8s.io'], ['endpointslices'], ['list', 'watch']],
    ]);
    const binding = ClusterRoleBindings.type.fromJSON(m.clusterRoleBinding);
    assert.deepEqual(binding.subjects.map((s) => [s.kind, s.namespace, s.name]), [['ServiceAccount', 'kube-system', 'coredns']]);
    assert.equal(binding.roleRef?.name, 'system:coredns');
  });

  it('gives every kubelet the DNS Service IP and the cluster domain', () => {
    const { config } = parseClusterConfig('kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  serviceSubnet: 10.100.0.0/16\nnodes:\n- role: control-plane\n- role: worker\n', 'dns');
    for (const node of planNodes(config)) {
      const cmd = nodeComponents(config, node).find((c) => c.name === 'kite-kubelet')!.command;
      assert.equal(cmd[cmd.indexOf('--cluster-dns') + 1], '10.100.0.10', node.name);
      assert.equal(cmd[cmd.indexOf('--cluster-domain') + 1], 'cluster.local', node.name);
    }
  });
});
