// The kube-proxy addon of a kite cluster (services/kite/kube-proxy.ts), as kubeadm's: the DaemonSet
// kube-proxy in kube-system on the host network tolerating every taint, the node's name from the
// downward API, kubeconfig.conf in the ConfigMap naming the control-plane endpoint and the pod's
// ServiceAccount CA and token files, the ServiceAccount bound to system:node-proxier; and no
// kite-proxy container among the node components any more.
import { strict as assert } from 'node:assert';
import { parse } from 'yaml';
import { ClusterRoleBindings, ConfigMaps, DaemonSets } from '../../../lib/gen/kite/kinds';
import { defaultDaemonSet, validateDaemonSet } from '../../../services/apiserver/registry/validation/daemonset-validation';
import { parseClusterConfig } from '../../../services/kite/cluster-config';
import { nodeComponents } from '../../../services/kite/components';
import { COMPONENT_IMAGE } from '../../../services/kite/images';
import { kubeProxyManifests, KUBE_PROXY_SELECTOR } from '../../../services/kite/kube-proxy';
import { planNodes } from '../../../services/kite/nodes';

const { config } = parseClusterConfig('kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  podSubnet: 10.250.0.0/16\n  serviceSubnet: 10.100.0.0/16\nnodes:\n- role: control-plane\n- role: worker\n', 'proxy');
const m = kubeProxyManifests(config, 'https://proxy-control-plane:6443');

describe('kite kube-proxy addon', () => {
  it("describes kubeadm's kube-proxy DaemonSet running kite-proxy, which the apiserver accepts", () => {
    const ds = DaemonSets.type.fromJSON(m.daemonSet);
    assert.equal(ds.metadata?.namespace, 'kube-system');
    assert.equal(ds.metadata?.name, 'kube-proxy');
    assert.deepEqual(ds.spec?.selector?.matchLabels, { 'k8s-app': 'kube-proxy' });
    assert.equal(KUBE_PROXY_SELECTOR, 'k8s-app=kube-proxy');
    const pod = ds.spec!.template!.spec!;
    assert.equal(pod.hostNetwork, true);
    assert.equal(pod.serviceAccountName, 'kube-proxy');
    assert.deepEqual(pod.tolerations.map((t) => [t.key, t.operator, t.effect]), [['', 'Exists', '']]);
    assert.equal(pod.priorityClassName, 'system-node-critical');
    const c = pod.containers[0];
    assert.equal(c.image, COMPONENT_IMAGE);
    assert.deepEqual(c.command.slice(2), [
      '--kubeconfig', '/var/lib/kube-proxy/kubeconfig.conf', '--node-name', '$(NODE_NAME)',
      '--cluster-cidr', '10.250.0.0/16', '--service-cluster-ip-range', '10.100.0.0/16',
    ]);
    assert.equal(c.env.find((e) => e.name === 'NODE_NAME')?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName');
    assert.deepEqual(c.securityContext?.capabilities?.add, ['NET_ADMIN', 'NET_RAW']);
    assert.notEqual(c.securityContext?.privileged, true);
    const volumes = new Map(pod.volumes.map((v) => [v.name, v]));
    assert.equal(volumes.get('xtables-lock')?.hostPath?.type, 'FileOrCreate');
    for (const mount of c.volumeMounts) {
      const v = volumes.get(mount.name)!;
      assert.ok(v, mount.name);
      if (v.hostPath) assert.equal(mount.readOnly, mount.mountPath !== '/run/xtables.lock', `${mount.mountPath} read-only`);
    }
    defaultDaemonSet(ds);
    assert.deepEqual(validateDaemonSet(ds), []);
  });

  it("holds kubeadm's kubeconfig.conf: the control-plane endpoint, the ServiceAccount's CA and token files", () => {
    const cm = ConfigMaps.type.fromJSON(m.configMap);
    const kubeconfig = parse(cm.data['kubeconfig.conf']);
    assert.equal(kubeconfig.clusters[0].cluster.server, 'https://proxy-control-plane:6443');
    assert.equal(kubeconfig.clusters[0].cluster['certificate-authority'], '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt');
    assert.equal(kubeconfig.users[0].user.tokenFile, '/var/run/secrets/kubernetes.io/serviceaccount/token');
    const volume = DaemonSets.type.fromJSON(m.daemonSet).spec!.template!.spec!.volumes.find((v) => v.configMap);
    assert.equal(volume?.configMap?.name, cm.metadata?.name);
  });

  it('binds the ServiceAccount kube-system/kube-proxy to system:node-proxier and the network policy agent role', () => {
    for (const [b, role] of [[m.clusterRoleBinding, 'system:node-proxier'], [m.networkPolicyBinding, 'system:kite:network-policy-agent']] as const) {
      const binding = ClusterRoleBindings.type.fromJSON(b);
      assert.equal(binding.roleRef?.name, role);
      assert.deepEqual(binding.subjects.map((s) => [s.kind, s.namespace, s.name]), [['ServiceAccount', 'kube-system', 'kube-proxy']]);
    }
    assert.equal(ClusterRoleBindings.type.fromJSON(m.clusterRoleBinding).metadata?.name, 'kubeadm:node-proxier');
  });

  it('starts no kite-proxy container on the nodes', () => {
    for (const node of planNodes(config)) assert.deepEqual(nodeComponents(config, node).map((c) => c.name), ['kite-kubelet']);
  });
});
