// Each node's /etc/kite: the cluster CA, and one kubeconfig per component with that component's
// own client certificate (system:node:<name> for kubelets, the scheduler's, the
// controller-manager's; kube-proxy's pods use their ServiceAccount, kube-proxy.ts) and the
// kubelet's serving pair for the node's name (the apiserver verifies it when it proxies logs and
// exec). The control-plane node also holds the CA key, the
// apiserver's serving pair, its kubelet-client identity, the key that encrypts Secrets at rest
// and the admin kubeconfig that `kite get kubeconfig` hands out; with several control-plane
// nodes, each also its etcd member's pairs and the apiserver's etcd client pair, and the
// kubelet's and admin kubeconfigs name the load balancer (load-balancer.ts) instead of a node. A
// control-plane node's scheduler and controller-manager kubeconfigs always name that node's own
// apiserver, as kubeadm's do since v1.20 (the LocalAPIEndpoint, not the ControlPlaneEndpoint):
// they never depend on the load balancer or on another node's apiserver.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { issueCertificate, writeClusterPKI, writeKubeconfigForIdentity, type CertKeyPair, type ClusterPKI } from '../../lib/pki';
import { docker, nodeExec } from './docker-cli';
import { writeEncryptionConfig } from './encryption-config';
import { memberCertificates, type EtcdMember } from './etcd-cluster';
import { APISERVER_PORT, type PlannedNode } from './nodes';

/** Inside every node; each component container gets only the files it names, read-only (components.ts). */
export const CONFIG_DIR = '/etc/kite';
export const KUBECONFIGS = {
  admin: 'admin.conf',
  scheduler: 'scheduler.conf',
  controllerManager: 'controller-manager.conf',
  kubelet: 'kubelet.conf',
} as const;
/** The admin identity's user and cluster entry names inside admin.conf. */
const ADMIN_USER = 'kubernetes-admin';

/** The address components use to reach the apiserver: the control-plane node's name, which Docker's DNS resolves on the cluster network. */
export const inClusterServer = (controlPlane: string) => `https://${controlPlane}:${APISERVER_PORT}`;

export interface NodeConfigOptions {
  /** The apiserver's address in the kubelets' and admin kubeconfigs (default: the control-plane node's, inClusterServer). */
  server?: string;
  /** Several control-plane nodes: each one's etcd member, whose certificates it gets (etcd-cluster.ts). */
  etcdMembers?: EtcdMember[];
}

/** Writes the PKI and kubeconfigs of every node and copies them into the nodes. */
export async function writeNodeConfigs(nodes: PlannedNode[], sans: string[], opts: NodeConfigOptions = {}): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'kite-pki-'));
  try {
    const pki = await writeClusterPKI(join(work, 'pki'), { apiserverSANs: sans, nodeNames: nodes.map((n) => n.name) });
    const controlPlane = nodes.find((n) => n.role === 'control-plane')!.name;
    const server = opts.server ?? inClusterServer(controlPlane);
    const ca = { cert: readFileSync(pki.ca.cert, 'utf8'), key: readFileSync(pki.ca.key, 'utf8') };
    await Promise.all(nodes.map(async (n) => {
      const dir = stageNodeConfig(work, n, pki, server);
      // The apiserver dials the node's IP and verifies the node's name (which survives IP changes).
      const serving = await issueCertificate(ca, { commonName: n.name, altNames: [n.name], usage: 'server' });
      writePair(dir, 'pki/kubelet', serving);
      const member = opts.etcdMembers?.find((m) => m.name === n.name);
      if (member) for (const [base, pair] of Object.entries(await memberCertificates(ca, member))) writePair(dir, base, pair);
      await copyInto(n, dir);
    }));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Writes <base>.crt and <base>.key (owner-only) under a node's staged /etc/kite. */
function writePair(dir: string, base: string, pair: CertKeyPair): void {
  mkdirSync(dirname(join(dir, base)), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, `${base}.crt`), pair.cert);
  writeFileSync(join(dir, `${base}.key`), pair.key, { mode: 0o600 });
}

/** Lays out one node's /etc/kite in <work>/nodes/<name>. */
export function stageNodeConfig(work: string, node: PlannedNode, pki: ClusterPKI, server: string): string {
  const dir = join(work, 'nodes', node.name);
  mkdirSync(join(dir, 'pki'), { recursive: true, mode: 0o700 });
  cpSync(pki.ca.cert, join(dir, 'pki', 'ca.crt'));
  const kubeconfig = (file: string, identity: ClusterPKI['admin'], user: string, to = server) =>
    writeKubeconfigForIdentity(join(dir, file), pki, identity, to, user);
  kubeconfig(KUBECONFIGS.kubelet, pki.nodes[node.name], `system:node:${node.name}`);
  if (node.role === 'control-plane') {
    for (const f of ['ca.key', 'apiserver.crt', 'apiserver.key', 'apiserver-kubelet-client.crt', 'apiserver-kubelet-client.key', 'sa.key', 'sa.pub']) {
      cpSync(join(pki.dir, f), join(dir, 'pki', f));
    }
    const local = inClusterServer(node.name);
    kubeconfig(KUBECONFIGS.scheduler, pki.scheduler, 'system:kube-scheduler', local);
    kubeconfig(KUBECONFIGS.controllerManager, pki.controllerManager, 'system:kube-controller-manager', local);
    kubeconfig(KUBECONFIGS.admin, pki.admin, ADMIN_USER);
    writeEncryptionConfig(dir);
  }
  return dir;
}

async function copyInto(node: PlannedNode, dir: string): Promise<void> {
  await docker(['cp', `${dir}/.`, `${node.name}:${CONFIG_DIR}`]);
  // Files are readable by the component containers, which run as root; nobody else logs into nodes.
  await nodeExec(node.name, ['chmod', '-R', 'go-rwx', CONFIG_DIR]);
}

/** The admin kubeconfig stored in the control-plane node. */
export async function readAdminKubeconfig(controlPlane: string): Promise<string> {
  return nodeExec(controlPlane, ['cat', `${CONFIG_DIR}/${KUBECONFIGS.admin}`]);
}

