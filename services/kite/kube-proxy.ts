// The kube-proxy addon of a `kite` cluster, as kubeadm's kube-proxy addon phase installs it (and so
// kind has it): the ServiceAccount kube-proxy bound to the ClusterRole system:node-proxier
// (kubeadm's binding kubeadm:node-proxier), the ConfigMap kube-proxy holding kubeconfig.conf (the
// control-plane endpoint, the pod's ServiceAccount CA and token files) and the DaemonSet
// kube-proxy in kube-system running kite-proxy (services/kube-proxy/) on every node: host network,
// every taint tolerated, the node's name from the downward API, /run/xtables.lock and /lib/modules
// from the node. Kite's own additions: the binding of the ServiceAccount to kite-proxy's network
// policy agent role (kindnet binds its ServiceAccount so), the capabilities NET_ADMIN and NET_RAW
// in place of kubeadm's privileged container, and the program itself from the node: the component
// image (mount points only) with the node's /usr, /etc/alternatives (iptables' nft backend) and
// the application mounted read-only, as the node's component containers have them
// (components.ts). kite-proxy takes flags, so the ConfigMap holds no KubeProxyConfiguration
// (config.conf).
import { SERVICE_ACCOUNT_DIR } from '../../lib/client/in-cluster';
import type { Clientset } from '../../lib/client/clientset';
import { createUnlessExists } from './cluster-client';
import { ClusterRoleBindings, ConfigMaps, DaemonSets, ServiceAccounts } from '../../lib/gen/kite/kinds';
import { stringify } from 'yaml';
import type { ClusterConfig } from './cluster-config';
import { APP_DIR, COMPONENT_IMAGE } from './images';

export const KUBE_PROXY_NAMESPACE = 'kube-system';
export const KUBE_PROXY = 'kube-proxy';
const KUBE_PROXY_LABELS = { 'k8s-app': KUBE_PROXY };
export const KUBE_PROXY_SELECTOR = 'k8s-app=kube-proxy';
/** Where the ConfigMap is mounted in the pod, as kubeadm mounts it. */
const CONFIG_MOUNT = '/var/lib/kube-proxy';
const KUBECONFIG_KEY = 'kubeconfig.conf';

/** kubeadm's kube-proxy kubeconfig.conf: the control-plane endpoint, the pod's ServiceAccount CA and token. */
export function kubeProxyKubeconfig(server: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'default', cluster: { 'certificate-authority': `${SERVICE_ACCOUNT_DIR}/ca.crt`, server } }],
    contexts: [{ name: 'default', context: { cluster: 'default', namespace: 'default', user: 'default' } }],
    'current-context': 'default',
    users: [{ name: 'default', user: { tokenFile: `${SERVICE_ACCOUNT_DIR}/token` } }],
  });
}

/** kubeadm's kube-proxy manifests with kite-proxy in kube-proxy's place, as Kubernetes JSON. `server`: the control-plane endpoint. */
export function kubeProxyManifests(cluster: ClusterConfig, server: string) {
  const bind = (name: string, role: string) => ({
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'ServiceAccount', name: KUBE_PROXY, namespace: KUBE_PROXY_NAMESPACE }],
  });
  const hostPath = (name: string, path: string, type = '') => ({ name, hostPath: { path, type } });
  const readOnly = (name: string, mountPath: string) => ({ name, mountPath, readOnly: true });
  return {
    serviceAccount: { metadata: { name: KUBE_PROXY, namespace: KUBE_PROXY_NAMESPACE } },
    clusterRoleBinding: bind('kubeadm:node-proxier', 'system:node-proxier'),
    networkPolicyBinding: bind('kite:network-policy-agent', 'system:kite:network-policy-agent'),
    configMap: {
      metadata: { name: KUBE_PROXY, namespace: KUBE_PROXY_NAMESPACE, labels: { app: KUBE_PROXY } },
      data: { [KUBECONFIG_KEY]: kubeProxyKubeconfig(server) },
    },
    daemonSet: {
      metadata: { name: KUBE_PROXY, namespace: KUBE_PROXY_NAMESPACE, labels: KUBE_PROXY_LABELS },
      spec: {
        selector: { matchLabels: KUBE_PROXY_LABELS },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels: KUBE_PROXY_LABELS },
          spec: {
            containers: [{
              name: KUBE_PROXY,
              image: COMPONENT_IMAGE,
              imagePullPolicy: 'IfNotPresent',
              command: [
                'node', `${APP_DIR}/bin/kite-proxy`,
                '--kubeconfig', `${CONFIG_MOUNT}/${KUBECONFIG_KEY}`,
                '--node-name', '$(NODE_NAME)',
                '--cluster-cidr', cluster.networking.podSubnet,
                '--service-cluster-ip-range', cluster.networking.serviceSubnet,
              ],
              env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }],
              securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
              volumeMounts: [
                { name: KUBE_PROXY, mountPath: CONFIG_MOUNT },
                { name: 'xtables-lock', mountPath: '/run/xtables.lock', readOnly: false },
                readOnly('lib-modules', '/lib/modules'),
                readOnly('usr', '/usr'),
                readOnly('alternatives', '/etc/alternatives'),
                readOnly('kite', APP_DIR),
              ],
            }],
            hostNetwork: true,
            serviceAccountName: KUBE_PROXY,
            volumes: [
              { name: KUBE_PROXY, configMap: { name: KUBE_PROXY } },
              hostPath('xtables-lock', '/run/xtables.lock', 'FileOrCreate'),
              hostPath('lib-modules', '/lib/modules'),
              hostPath('usr', '/usr'),
              hostPath('alternatives', '/etc/alternatives'),
              hostPath('kite', APP_DIR),
            ],
            tolerations: [{ operator: 'Exists' }],
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            priorityClassName: 'system-node-critical',
          },
        },
      },
    },
  };
}

/** Creates the addon's objects; those that exist already are left as they are (a re-run). */
export async function installKubeProxy(client: Clientset, cluster: ClusterConfig, server: string): Promise<void> {
  const m = kubeProxyManifests(cluster, server);
  const ns = { namespace: KUBE_PROXY_NAMESPACE };
  await createUnlessExists(client.serviceAccounts.create(ServiceAccounts.type.fromJSON(m.serviceAccount), ns));
  await createUnlessExists(client.clusterRoleBindings.create(ClusterRoleBindings.type.fromJSON(m.clusterRoleBinding)));
  await createUnlessExists(client.clusterRoleBindings.create(ClusterRoleBindings.type.fromJSON(m.networkPolicyBinding)));
  await createUnlessExists(client.configMaps.create(ConfigMaps.type.fromJSON(m.configMap), ns));
  await createUnlessExists(client.daemonSets.create(DaemonSets.type.fromJSON(m.daemonSet), ns));
}
