// `kite delete cluster`: everything the cluster's label marks on the host engine (node
// containers, port-mapping forwarders, volumes, the network) and its entries in the kitectl
// config and in the kubectl config files. The nodes' pods, images and iptables rules lived inside the node containers and go
// with them.
import { docker } from './docker-cli';
import { removeFromKubeconfig } from './kubeconfig';
import { removeFromKubectlConfig } from './kubectl-config';
import { CLUSTER_LABEL, clusterContainers, listNodes } from './nodes';

export interface DeleteResult {
  nodes: string[];
  volumes: string[];
  network: boolean;
  kubeconfig?: string;
  /** The kubectl config files the cluster's entries were removed from. */
  kubectlConfigs: string[];
}

export async function deleteCluster(name: string, opts: { kubeconfig?: string } = {}): Promise<DeleteResult> {
  const nodes = (await listNodes(name)).map((n) => n.name);
  const filter = ['--filter', `label=${CLUSTER_LABEL}=${name}`];
  const containers = await clusterContainers(name);
  if (containers.length) await docker(['rm', '-f', '-v', ...containers]);
  const volumes = (await docker(['volume', 'ls', '-q', ...filter])).split('\n').filter(Boolean);
  if (volumes.length) await docker(['volume', 'rm', '-f', ...volumes]);
  const networks = (await docker(['network', 'ls', '-q', ...filter])).split('\n').filter(Boolean);
  if (networks.length) await docker(['network', 'rm', ...networks]);
  const kubeconfig = removeFromKubeconfig(opts.kubeconfig, name);
  const kubectlConfigs = removeFromKubectlConfig(name);
  return { nodes, volumes, network: networks.length > 0, kubeconfig, kubectlConfigs };
}
