// The Kite components of a node. The kubelet is its own container on the node's engine with the
// node's network (--network host), restart policy "always" (the node's engine brings it back after
// a node restart); the control plane (etcd with the etcd store, kube-apiserver,
// kube-controller-manager, kube-scheduler) runs as static pods of the control-plane node's kubelet
// (control-plane-pods.ts), each mounting what its container would. The image holds only mount
// points: the node's /usr (Node.js,
// iptables, iproute2 and their libraries) is mounted read-only, as is the application (/opt/kite,
// from the node image). Of the node's /etc/kite (certificates and kubeconfigs) a component sees
// only the files its command line names, each mounted read-only, as kubeadm gives each static pod
// only its own: the scheduler its kubeconfig, the controller-manager its kubeconfig and the CA
// certificate (--root-ca-file), the kubelet its kubeconfig, serving pair and CA, the apiserver
// its PKI (with kubeadm's service-account key pair, sa.key signing bound tokens and sa.pub
// verifying them) and the EncryptionConfiguration of Secrets at rest; no component sees ca.key
// or admin.conf. kube-proxy is not among them: as in kind, it is the
// DaemonSet kube-proxy (kube-proxy.ts), whose pods the kubelet runs.
import type { ClusterConfig } from './cluster-config';
import { CLUSTER_DOMAIN, dnsServiceIP } from './cluster-dns';
import { nodeExec } from './docker-cli';
import { ENCRYPTION_CONFIG } from './encryption-config';
import { apiserverEtcdArgs, ETCD_METRICS_URL, etcdMemberComponent, type EtcdMember } from './etcd-cluster';
import { APP_DIR, COMPONENT_IMAGE, PAUSE_IMAGE } from './images';
import { CONFIG_DIR, KUBECONFIGS } from './node-config';
import { APISERVER_PORT, APISERVER_SECURE_PORT, type PlannedNode } from './nodes';

export const COMPONENT_LABEL = 'io.kite.component';
/** kubeadm's staticPodPath, inside every node (the kubelet sees it read-only at the same path). */
export const MANIFESTS_DIR = '/etc/kubernetes/manifests';
/** The issuer of service-account tokens, as kubeadm and kind set it. */
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** Inside the node: the apiserver's SQLite store and the kubelet's root, on the node's /var/lib/kite volume. */
const APISERVER_DATA = '/var/lib/kite/apiserver';
const KUBELET_ROOT = '/var/lib/kite/kubelet';
/** Where the local-path provisioner's hostPath volumes live on a node (rancher.io/local-path's default). */
const LOCAL_PATH_ROOT = '/var/local-path-provisioner';

/** Timings a test cluster shortens (Kubernetes' defaults otherwise). */
export interface ClusterTimings {
  /** Silence after which the node controller marks a node Unknown (--node-monitor-grace-period). */
  nodeMonitorGracePeriod: string;
  /** How long pods stay bound to a NotReady/unreachable node before eviction (the apiserver's default tolerations). */
  podEvictionSeconds: number;
}

export const DEFAULT_TIMINGS: ClusterTimings = { nodeMonitorGracePeriod: '40s', podEvictionSeconds: 300 };

export type StoreBackend = 'sqlite' | 'etcd';

export interface Component {
  name: string;
  /** Extra `docker run` arguments. */
  run: string[];
  /** The container's command (a Kite program from bin/, or etcd). */
  command: string[];
  /** Node directories holding the component's data, created 0700 before it starts. */
  privateDirs?: string[];
}

const kiteProgram = (name: string, ...args: string[]) => ['node', `${APP_DIR}/bin/${name}`, ...args];
const ETCD_DATA = '/var/lib/kite/etcd';
const ETCD_CLIENT = '127.0.0.1:2379';

const kubeconfig = (file: string) => ['--kubeconfig', `${CONFIG_DIR}/${file}`];

/** With the etcd store, etcd (Debian's, from the node's /usr) is a component of its own, on loopback only. */
function etcdComponent(): Component {
  return {
    name: 'etcd',
    run: ['-v', `${ETCD_DATA}:${ETCD_DATA}`],
    privateDirs: [ETCD_DATA],
    command: [
      '/usr/bin/etcd', '--name', 'kite', '--data-dir', ETCD_DATA,
      '--listen-client-urls', `http://${ETCD_CLIENT}`, '--advertise-client-urls', `http://${ETCD_CLIENT}`,
      '--listen-peer-urls', 'http://127.0.0.1:2380', '--initial-advertise-peer-urls', 'http://127.0.0.1:2380',
      '--initial-cluster', 'kite=http://127.0.0.1:2380', '--listen-metrics-urls', ETCD_METRICS_URL, '--auto-compaction-retention', '1',
    ],
  };
}

/** One of several control-plane nodes (a highly available cluster): its etcd member among all of them (etcd-cluster.ts). */
export interface ControlPlaneMember {
  self: EtcdMember;
  members: EtcdMember[];
}

/**
 * The static pods of a control-plane node. With several control-plane nodes (`member`), each has
 * an etcd member of one cluster and its apiserver uses its own member over TLS.
 */
export function controlPlaneComponents(cluster: ClusterConfig, timings: ClusterTimings, store: StoreBackend, member?: ControlPlaneMember): Component[] {
  const net = cluster.networking;
  const storeArgs = member
    ? apiserverEtcdArgs(member.self)
    : store === 'etcd' ? ['--store', 'etcd', '--etcd-endpoints', ETCD_CLIENT] : ['--store', 'sqlite', '--data-dir', APISERVER_DATA];
  const etcd = member ? [etcdMemberComponent(cluster.name, member.self, member.members)] : store === 'etcd' ? [etcdComponent()] : [];
  return [
    ...etcd,
    {
      name: 'kube-apiserver',
      run: store === 'sqlite' ? ['-v', `${APISERVER_DATA}:${APISERVER_DATA}`] : [],
      privateDirs: store === 'sqlite' ? [APISERVER_DATA] : [],
      command: kiteProgram(
        'kite-apiserver',
        '--port', String(APISERVER_PORT),
        // Kubernetes' HTTP API (kubectl's) beside gRPC, with the same certificate, CA and gate.
        '--secure-port', String(APISERVER_SECURE_PORT),
        '--bind-address', '0.0.0.0',
        ...storeArgs,
        '--tls-cert-file', `${CONFIG_DIR}/pki/apiserver.crt`,
        '--tls-private-key-file', `${CONFIG_DIR}/pki/apiserver.key`,
        '--client-ca-file', `${CONFIG_DIR}/pki/ca.crt`,
        '--authorization-mode', 'Node,RBAC',
        '--kubelet-client-certificate', `${CONFIG_DIR}/pki/apiserver-kubelet-client.crt`,
        '--kubelet-client-key', `${CONFIG_DIR}/pki/apiserver-kubelet-client.key`,
        '--kubelet-certificate-authority', `${CONFIG_DIR}/pki/ca.crt`,
        '--service-account-issuer', SERVICE_ACCOUNT_ISSUER,
        '--service-account-signing-key-file', `${CONFIG_DIR}/pki/sa.key`,
        '--service-account-key-file', `${CONFIG_DIR}/pki/sa.pub`,
        // Secrets encrypted at rest (a Kite default; kind does not encrypt).
        '--encryption-provider-config', `${CONFIG_DIR}/${ENCRYPTION_CONFIG}`,
        '--service-cluster-ip-range', net.serviceSubnet,
        '--default-not-ready-toleration-seconds', String(timings.podEvictionSeconds),
        '--default-unreachable-toleration-seconds', String(timings.podEvictionSeconds),
      ),
    },
    {
      name: 'kube-controller-manager',
      run: [],
      command: kiteProgram(
        'kite-controller-manager',
        ...kubeconfig(KUBECONFIGS.controllerManager),
        // Its health endpoints (the static pod's probes) on loopback only, as kubeadm binds them.
        '--bind-address', '127.0.0.1',
        '--cluster-cidr', net.podSubnet,
        '--allocate-node-cidrs',
        '--node-monitor-grace-period', timings.nodeMonitorGracePeriod,
        // Published as ca.crt of every namespace's kube-root-ca.crt, which pods' token volumes project.
        '--root-ca-file', `${CONFIG_DIR}/pki/ca.crt`,
      ),
    },
    { name: 'kube-scheduler', run: [], command: kiteProgram('kite-scheduler', ...kubeconfig(KUBECONFIGS.scheduler), '--bind-address', '127.0.0.1') },
  ];
}

export function nodeComponents(cluster: ClusterConfig, node: PlannedNode): Component[] {
  const labels = { ...node.config.labels };
  if (node.role === 'control-plane') labels['node-role.kubernetes.io/control-plane'] = '';
  return [
    {
      name: 'kite-kubelet',
      // The kubelet's root is at the same path inside and outside: pods' volume binds are resolved by the node's engine.
      // So is the local-path provisioner's directory, so that the kubelet's hostPath checks of those
      // PersistentVolumes (DirectoryOrCreate) see and make the node's directories.
      // The node's process IDs and the rights to enter a pod's network namespace (nsenter: SYS_PTRACE
      // to open /proc/<pid>/ns/net, SYS_ADMIN to join it) are what port-forward needs, as kind's
      // kubelet has them on the node.
      // kubeadm's static pod directory (control-plane-pods.ts), read-only: the kubelet only reads it.
      run: ['-v', '/run/docker.sock:/var/run/docker.sock', '-v', `${KUBELET_ROOT}:${KUBELET_ROOT}`, '-v', `${MANIFESTS_DIR}:${MANIFESTS_DIR}:ro`, '-v', `${LOCAL_PATH_ROOT}:${LOCAL_PATH_ROOT}`, '--pid', 'host', '--cap-add', 'SYS_ADMIN', '--cap-add', 'SYS_PTRACE'],
      command: kiteProgram(
        'kite-kubelet',
        ...kubeconfig(KUBECONFIGS.kubelet),
        '--node-name', node.name,
        '--root-dir', KUBELET_ROOT,
        '--pod-manifest-path', MANIFESTS_DIR,
        '--pod-infra-container-image', PAUSE_IMAGE,
        '--tls-cert-file', `${CONFIG_DIR}/pki/kubelet.crt`,
        '--tls-private-key-file', `${CONFIG_DIR}/pki/kubelet.key`,
        '--client-ca-file', `${CONFIG_DIR}/pki/ca.crt`,
        // Only callers the apiserver allows (its kubelet client, not other nodes) may exec or read logs.
        '--authorization-mode', 'Webhook',
        // ClusterFirst pods ask the cluster DNS Service (cluster-dns.ts), as kubeadm configures the kubelet.
        '--cluster-dns', dnsServiceIP(cluster.networking.serviceSubnet),
        '--cluster-domain', CLUSTER_DOMAIN,
        ...(Object.keys(labels).length ? ['--node-labels', Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')] : []),
        ...(node.role === 'control-plane' ? ['--register-with-taints', 'node-role.kubernetes.io/control-plane:NoSchedule'] : []),
      ),
    },
  ];
}

/** The /etc/kite files a component's command line names: all of /etc/kite it is given. */
export function configFiles(c: Component): string[] {
  return [...new Set(c.command.filter((arg) => arg.startsWith(`${CONFIG_DIR}/`)))];
}

/** `docker run` of a component inside its node; a component that already exists is left alone. */
export async function startComponent(node: string, c: Component): Promise<void> {
  const existing = await nodeExec(node, ['docker', 'ps', '-aq', '--filter', `name=^${c.name}$`]);
  if (existing.trim()) return;
  if (c.privateDirs?.length) await nodeExec(node, ['mkdir', '-p', '-m', '0700', ...c.privateDirs]);
  await nodeExec(node, ['docker', ...componentRunArgs(c)]);
}

/** The `docker run` arguments of a component. */
export function componentRunArgs(c: Component): string[] {
  return [
    'run', '-d',
    '--name', c.name,
    '--restart', 'always',
    '--network', 'host',
    '--label', `${COMPONENT_LABEL}=${c.name}`,
    '-v', '/usr:/usr:ro',
    // Debian's alternatives pick iptables' nft backend, the one the node's engine uses too.
    '-v', '/etc/alternatives:/etc/alternatives:ro',
    // The node's OS, as the kubelet reports it (nodeInfo.osImage).
    '-v', '/etc/os-release:/etc/os-release:ro',
    '-v', `${APP_DIR}:${APP_DIR}:ro`,
    ...configFiles(c).flatMap((f) => ['-v', `${f}:${f}:ro`]),
    ...c.run,
    COMPONENT_IMAGE,
    ...c.command,
  ];
}

/** Names and states of a node's component containers. */
export async function componentStates(node: string): Promise<{ name: string; state: string }[]> {
  const out = await nodeExec(node, ['docker', 'ps', '-a', '--filter', `label=${COMPONENT_LABEL}`, '--format', '{{.Names}}\t{{.Status}}']);
  return out.split('\n').filter(Boolean).map((l) => {
    const [name, state] = l.split('\t');
    return { name, state };
  });
}
