// `kite create cluster`: a Docker network for the cluster, one node container per configured
// node, the images and configuration each node needs, then the components, started in kind's
// order (control plane first: its static pod manifests, then its kubelet, which runs them; then
// the workers join), the cluster DNS and kube-proxy addons once
// the apiserver answers (cluster-dns.ts, kube-proxy.ts, as kubeadm init installs CoreDNS and
// kube-proxy; with --wait, creation also waits for each node's kube-proxy pod to be Ready, for
// Services and the routes between nodes' pod subnets come with it), the default StorageClass
// `standard` (local-path-storage.ts, as kind has it), and the user's kitectl config and kubectl
// config (kubectl-config.ts). With several control-plane nodes (kind's HA config, the etcd store
// only), each runs an etcd member of one cluster and its own apiserver, scheduler and
// controller-manager (etcd-cluster.ts), behind the external load balancer (load-balancer.ts)
// that every kubeconfig names.
import type { Clientset } from '../../lib/client/clientset';
import { freePort, indexedIP } from '../../lib/util/net';
import { checkControlPlanes, type ClusterConfig } from './cluster-config';
import { adminClient, poll, waitForDaemonPods, waitForNodes } from './cluster-client';
import { controlPlaneComponents, nodeComponents, startComponent, type ClusterTimings, type StoreBackend } from './components';
import { writeStaticPods } from './control-plane-pods';
import type { EtcdMember } from './etcd-cluster';
import { createLoadBalancer, loadBalancerName, needsLoadBalancer } from './load-balancer';
import { deleteCluster } from './delete-cluster';
import { docker, nodeExec } from './docker-cli';
import { ensureBaseImages, ensureComponentImage, ensureDnsImage, ensureNodeImage, loadImages, NODE_IMAGES } from './images';
import { installClusterDns } from './cluster-dns';
import { installKubeProxy, KUBE_PROXY_NAMESPACE, KUBE_PROXY_SELECTOR } from './kube-proxy';
import { installLocalPathStorage } from './local-path-storage';
import { contextName, externalKubeconfig, mergeKubeconfig } from './kubeconfig';
import { kubectlKubeconfig, mergeKubectlConfig } from './kubectl-config';
import { inClusterServer, readAdminKubeconfig, writeNodeConfigs } from './node-config';
import { APISERVER_SECURE_PORT, apiServerEndpoint, CLUSTER_LABEL, listNodes, networkName, nodeIP, nodeRunArgs, planNodes, volumeNames, type PlannedNode } from './nodes';
import type { Progress } from './progress';
import { formatDuration } from '../../lib/util/duration';

export interface CreateOptions {
  config: ClusterConfig;
  /** The kitectl config file to add the cluster to (default: $KITECONFIG or ~/.kite/config). */
  kubeconfig?: string;
  /** How long to wait for every node to be Ready (0: return once the nodes registered). */
  waitMs: number;
  /** Keep the nodes when creation fails (for debugging). */
  retain: boolean;
  timings: ClusterTimings;
  /** The apiserver's storage: embedded SQLite, or etcd in a container of its own. */
  store: StoreBackend;
  progress: Progress;
}

export interface CreatedCluster {
  kubeconfigPath: string;
  server: string;
  /** The kubectl config file the cluster's context was merged into. */
  kubectlConfigPath: string;
  /** The apiserver's HTTPS endpoint (Kubernetes' HTTP API) on the host. */
  httpsServer: string;
  nodes: string[];
}

const REGISTER_TIMEOUT_MS = 120_000;
/**
 * kubeadm's wait for the control plane ("This can take up to 4m0s"): the apiserver is a static
 * pod, restarted through the kubelet's crash-loop backoff if it exits before etcd answers.
 */
const APISERVER_TIMEOUT_MS = 240_000;

export async function createCluster(o: CreateOptions): Promise<CreatedCluster> {
  const { progress } = o;
  checkControlPlanes(o.config, o.store);
  const config = await withHostPorts(o.config);
  const nodes = planNodes(config);
  if ((await listNodes(config.name)).length) throw new Error(`node(s) already exist for a cluster with the name "${config.name}"`);
  // Leftovers of an interrupted create (a network or volumes without nodes) would make it fail.
  await deleteCluster(config.name, { kubeconfig: o.kubeconfig });
  progress.line(`Creating cluster "${config.name}" ...`);
  let client: Clientset | undefined;
  try {
    const { image, dnsImage } = await progress.step(
      'Ensuring node image 🖼',
      async () => {
        await ensureBaseImages(needsLoadBalancer(config) ? ['haproxy'] : []);
        const [node, dns] = await Promise.all([ensureNodeImage(), ensureDnsImage()]);
        return { ...node, dnsImage: dns.image };
      },
      (r) => `Ensuring node image (${r.image}${r.built ? ', built' : ''}) 🖼`,
    );
    await progress.step(`Preparing nodes ${nodes.map(() => '📦').join(' ')}`, () => prepareNodes(config, nodes, image, [...NODE_IMAGES, dnsImage]));
    const controlPlanes = nodes.filter((n) => n.role === 'control-plane');
    const controlPlane = controlPlanes[0];
    const ha = needsLoadBalancer(config);
    const lb = loadBalancerName(config.name);
    const lbIP = ha ? await progress.step('Configuring the external load balancer ⚖️', () => createLoadBalancer(config, controlPlanes.map((n) => n.name))) : undefined;
    // The API endpoint inside the cluster network: the load balancer, or the one control-plane node.
    const apiHost = ha ? lb : controlPlane.name;
    const members: EtcdMember[] = await Promise.all(controlPlanes.map(async (n) => ({ name: n.name, ip: await nodeIP(config.name, n.name) })));
    await progress.step('Writing configuration 📜', async () => {
      const sans = [
        ...members.flatMap((m) => [m.name, m.ip]),
        ...(lbIP ? [lb, lbIP] : []),
        config.networking.apiServerAddress,
        indexedIP(config.networking.serviceSubnet, 1),
      ];
      await writeNodeConfigs(nodes, sans, ha ? { server: inClusterServer(lb), etcdMembers: members } : {});
    });
    const started = await progress.step('Starting control-plane 🕹️', async () => {
      // Each kubelet starts its static pods (the control plane) before an apiserver answers it.
      await Promise.all(controlPlanes.map(async (cp, i) => {
        await writeStaticPods(cp.name, controlPlaneComponents(config, o.timings, o.store, ha ? { self: members[i], members } : undefined));
        for (const comp of nodeComponents(config, cp)) await startComponent(cp.name, comp);
      }));
      const endpoint = await apiServerEndpoint(apiHost);
      const server = `https://${endpoint.address}:${endpoint.port}`;
      const kubeconfig = externalKubeconfig(await readAdminKubeconfig(controlPlane.name), config.name, server);
      client = adminClient(kubeconfig);
      const c = client;
      await poll('the apiserver to answer', APISERVER_TIMEOUT_MS, async () => (await c.namespaces.list(), true));
      // Retried: kube-system and the bootstrap RBAC policy are written by the apiserver just after it starts answering.
      await poll('the cluster DNS addon to be created', APISERVER_TIMEOUT_MS, async () => (await installClusterDns(c, config.networking.serviceSubnet, dnsImage), true));
      await poll('the kube-proxy addon to be created', APISERVER_TIMEOUT_MS, async () => (await installKubeProxy(c, config, inClusterServer(apiHost)), true));
      await poll('the default StorageClass to be created', APISERVER_TIMEOUT_MS, async () => (await installLocalPathStorage(c), true));
      const kubeconfigPath = mergeKubeconfig(o.kubeconfig, kubeconfig);
      const https = await apiServerEndpoint(apiHost, APISERVER_SECURE_PORT);
      const httpsServer = `https://${https.address}:${https.port}`;
      const kubectlConfigPath = mergeKubectlConfig(kubectlKubeconfig(kubeconfig, httpsServer));
      return { server, kubeconfigPath, httpsServer, kubectlConfigPath };
    });
    const workers = nodes.filter((n) => n.role !== 'control-plane');
    const names = nodes.map((n) => n.name);
    await progress.step(workers.length ? 'Joining worker nodes 🚜' : 'Registering the node 🚜', async () => {
      await Promise.all(workers.map(async (w) => {
        for (const comp of nodeComponents(config, w)) await startComponent(w.name, comp);
      }));
      await waitForNodes(client!, names, false, REGISTER_TIMEOUT_MS);
    });
    if (o.waitMs > 0) {
      await progress.step(`Waiting ≤ ${formatDuration(o.waitMs)} for nodes = Ready ⏳`, async () => {
        const deadline = Date.now() + o.waitMs;
        await waitForNodes(client!, names, true, o.waitMs);
        await waitForDaemonPods(client!, KUBE_PROXY_NAMESPACE, KUBE_PROXY_SELECTOR, names, Math.max(deadline - Date.now(), 0));
      });
    }
    return { ...started, nodes: names };
  } catch (err) {
    if (!o.retain) await deleteCluster(config.name, { kubeconfig: o.kubeconfig }).catch(() => undefined);
    throw err;
  } finally {
    client?.close();
  }
}

/**
 * The apiserver's host ports, chosen once: Docker would pick them too, but new ones on every
 * restart of the node. The gRPC port is the config's apiServerPort when set.
 */
async function withHostPorts(config: ClusterConfig): Promise<ClusterConfig> {
  const net = config.networking;
  const grpc = net.apiServerPort || (await freePort(net.apiServerAddress));
  let https = await freePort(net.apiServerAddress);
  while (https === grpc) https = await freePort(net.apiServerAddress);
  return { ...config, networking: { ...net, apiServerPort: grpc, apiServerSecurePort: https } };
}

async function prepareNodes(config: ClusterConfig, nodes: PlannedNode[], image: string, podImages: string[]): Promise<void> {
  const label = ['--label', `${CLUSTER_LABEL}=${config.name}`];
  await docker(['network', 'create', ...label, networkName(config.name)]);
  await Promise.all(nodes.map(async (n) => {
    for (const v of Object.values(volumeNames(n.name))) await docker(['volume', 'create', ...label, v]);
    await docker([...nodeRunArgs(config, n), image]);
  }));
  await Promise.all(nodes.map(async (n) => {
    await poll(`the Docker Engine in ${n.name}`, 60_000, async () => (await nodeExec(n.name, ['docker', 'version', '-f', '{{.Server.Version}}']), true), 250);
    await ensureComponentImage(n.name);
  }));
  await loadImages(nodes.map((n) => n.name), podImages);
}

export function usage(name: string, created: CreatedCluster, defaultConfig: boolean): string {
  const flag = defaultConfig ? '' : ` --kubeconfig ${created.kubeconfigPath}`;
  return [
    `Set kitectl context to "${contextName(name)}" in ${created.kubeconfigPath}`,
    'You can now use your cluster with:',
    '',
    `kitectl get nodes${flag}`,
    `kitectl apply -f examples/nginx.yaml${flag}`,
    '',
    `Set kubectl context to "${contextName(name)}" in ${created.kubectlConfigPath}`,
    'You can now use your cluster with:',
    '',
    `kubectl cluster-info --context ${contextName(name)}`,
    '',
    `The apiserver answers at ${created.server} (gRPC over TLS, with reflection; kitectl) and ${created.httpsServer} (Kubernetes' HTTP API; kubectl). Delete the cluster with: kite delete cluster --name ${name}`,
  ].join('\n');
}
