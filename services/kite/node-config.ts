// Each node's /etc/kite: the cluster CA, and one kubeconfig per component with that component's
// own client certificate (system:node:<name> for kubelets, system:kube-proxy, the scheduler's,
// the controller-manager's). The control-plane node also holds the CA key, the apiserver's
// serving pair and the admin kubeconfig that `kite get kubeconfig` hands out.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeClusterPKI, writeKubeconfigForIdentity, type ClusterPKI } from '../../lib/pki';
import { docker, nodeExec } from './docker-cli';
import { APISERVER_PORT, type PlannedNode } from './nodes';

/** Inside every node (bind-mounted read-only into the component containers). */
export const CONFIG_DIR = '/etc/kite';
export const KUBECONFIGS = {
  admin: 'admin.conf',
  scheduler: 'scheduler.conf',
  controllerManager: 'controller-manager.conf',
  kubelet: 'kubelet.conf',
  proxy: 'proxy.conf',
} as const;
/** The admin identity's user and cluster entry names inside admin.conf. */
const ADMIN_USER = 'kubernetes-admin';

/** The address components use to reach the apiserver: the control-plane node's name, which Docker's DNS resolves on the cluster network. */
export const inClusterServer = (controlPlane: string) => `https://${controlPlane}:${APISERVER_PORT}`;

/** Writes the PKI and kubeconfigs of every node and copies them into the nodes. */
export async function writeNodeConfigs(nodes: PlannedNode[], sans: string[]): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'kite-pki-'));
  try {
    const pki = await writeClusterPKI(join(work, 'pki'), { apiserverSANs: sans, nodeNames: nodes.map((n) => n.name) });
    const controlPlane = nodes.find((n) => n.role === 'control-plane')!.name;
    const server = inClusterServer(controlPlane);
    await Promise.all(nodes.map((n) => copyInto(n, stage(work, n, pki, server))));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Lays out one node's /etc/kite in a directory of its own. */
function stage(work: string, node: PlannedNode, pki: ClusterPKI, server: string): string {
  const dir = join(work, 'nodes', node.name);
  mkdirSync(join(dir, 'pki'), { recursive: true, mode: 0o700 });
  cpSync(pki.ca.cert, join(dir, 'pki', 'ca.crt'));
  const kubeconfig = (file: string, identity: ClusterPKI['admin'], user: string) =>
    writeKubeconfigForIdentity(join(dir, file), pki, identity, server, user);
  kubeconfig(KUBECONFIGS.kubelet, pki.nodes[node.name], `system:node:${node.name}`);
  kubeconfig(KUBECONFIGS.proxy, pki.proxy, 'system:kube-proxy');
  if (node.role === 'control-plane') {
    for (const f of ['ca.key', 'apiserver.crt', 'apiserver.key']) cpSync(join(pki.dir, f), join(dir, 'pki', f));
    kubeconfig(KUBECONFIGS.scheduler, pki.scheduler, 'system:kube-scheduler');
    kubeconfig(KUBECONFIGS.controllerManager, pki.controllerManager, 'system:kube-controller-manager');
    kubeconfig(KUBECONFIGS.admin, pki.admin, ADMIN_USER);
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

