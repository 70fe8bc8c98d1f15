// kite: Kite's kind. Creates clusters whose nodes are Docker containers (each running its own
// Docker Engine and the Kite components as containers) from kind's cluster config.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { TABLE_OPTIONS, TabWriter } from '../../lib/util/tabwriter';
import { checkControlPlanes, DEFAULT_CLUSTER_NAME, defaultStore, readClusterConfig } from './cluster-config';
import { DEFAULT_TIMINGS } from './components';
import { createCluster, usage } from './create-cluster';
import { deleteCluster } from './delete-cluster';
import { exportLogs } from './export-logs';
import { ensureBaseImages, ensureNodeImage, loadImages } from './images';
import { externalKubeconfig, mergeKubeconfig, renderKubeconfig } from './kubeconfig';
import { kubectlKubeconfig, mergeKubectlConfig } from './kubectl-config';
import { apiEndpointContainer } from './load-balancer';
import { readAdminKubeconfig } from './node-config';
import { APISERVER_SECURE_PORT, apiServerEndpoint, listNodes } from './nodes';
import { createPortMapping, deletePortMapping, listPortMappings } from './port-mappings';
import { startForwarder } from './port-forwarder';
import { Progress } from './progress';
import { formatDuration } from '../../lib/util/duration';
import { durationOption } from '../../lib/util/flags';

const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

async function requireNodes(name: string) {
  const nodes = await listNodes(name);
  if (!nodes.length) throw new Error(`no nodes found for cluster "${name}" (see: kite get clusters)`);
  return nodes;
}

async function controlPlaneOf(name: string) {
  const cp = (await requireNodes(name)).find((n) => n.role === 'control-plane');
  if (!cp) throw new Error(`cluster "${name}" has no control-plane node`);
  return cp.name;
}

async function kubeconfigOf(name: string) {
  const cp = await controlPlaneOf(name);
  const ep = await apiServerEndpoint(await apiEndpointContainer(name, cp));
  return externalKubeconfig(await readAdminKubeconfig(cp), name, `https://${ep.address}:${ep.port}`);
}

/** The kubectl kubeconfig: the same identity, the apiserver's HTTPS port. */
async function kubectlConfigOf(name: string) {
  const ep = await apiServerEndpoint(await apiEndpointContainer(name, await controlPlaneOf(name)), APISERVER_SECURE_PORT);
  return kubectlKubeconfig(await kubeconfigOf(name), `https://${ep.address}:${ep.port}`);
}

const program = new Command('kite').description("Kite's kind: Kite clusters in Docker containers, from kind's cluster config");

const create = program.command('create').description('Creates one of [cluster, port-mapping]');
create
  .command('cluster')
  .description('Creates a local Kite cluster')
  .option('--name <name>', 'cluster name, overrides the config\'s name (default "kite")')
  .option('--config <file>', 'kind-style cluster config file (kind.x-k8s.io/v1alpha4)')
  .option('--kubeconfig <file>', 'kitectl config file to add the cluster to (default $KITECONFIG or ~/.kite/config); kubectl\'s context goes to $KUBECONFIG or ~/.kube/config')
  .addOption(durationOption('--wait <duration>', 'wait for every node to be Ready (e.g. 2m; 0 returns once they registered)', '2m'))
  .option('--retain', 'keep the nodes if creation fails (for debugging)', false)
  .addOption(new Option('--store <backend>', "the apiserver's storage: embedded SQLite, or etcd as a static pod, one member per control-plane node (default: sqlite; etcd when the config has several control-plane nodes, which need it)").choices(['sqlite', 'etcd']))
  .addOption(durationOption('--node-monitor-grace-period <duration>', 'silence after which a node is marked NotReady/Unknown', DEFAULT_TIMINGS.nodeMonitorGracePeriod))
  .addOption(durationOption('--pod-eviction-timeout <duration>', 'how long pods stay on an unreachable/NotReady node before eviction', `${DEFAULT_TIMINGS.podEvictionSeconds}s`))
  .action(async (o) => {
    const { config, warnings } = readClusterConfig(o.config, o.name);
    const store = o.store ?? defaultStore(config);
    for (const w of [...warnings, ...checkControlPlanes(config, store)]) process.stderr.write(`WARNING: ${w}\n`);
    const started = Date.now();
    const created = await createCluster({
      config,
      kubeconfig: o.kubeconfig ? resolve(o.kubeconfig) : undefined,
      waitMs: o.wait,
      retain: o.retain,
      timings: {
        nodeMonitorGracePeriod: formatDuration(o.nodeMonitorGracePeriod),
        podEvictionSeconds: Math.round(o.podEvictionTimeout / 1000),
      },
      store,
      progress: new Progress(),
    });
    process.stderr.write(`Cluster "${config.name}" created in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    out(usage(config.name, created, !o.kubeconfig));
  });

const del = program.command('delete').description('Deletes one of [cluster, port-mapping]');
del
  .command('cluster')
  .description('Deletes a cluster: its node containers, volumes, network, kitectl config entries and kubectl config entries ($KUBECONFIG or ~/.kube/config)')
  .option('--name <name>', 'cluster name', DEFAULT_CLUSTER_NAME)
  .option('--kubeconfig <file>', 'kitectl config file to remove the cluster from')
  .action(async (o) => {
    process.stderr.write(`Deleting cluster "${o.name}" ...\n`);
    const r = await deleteCluster(o.name, { kubeconfig: o.kubeconfig });
    if (r.nodes.length) process.stderr.write(`Deleted nodes: ${JSON.stringify(r.nodes)}\n`);
    else process.stderr.write(`No nodes found for cluster "${o.name}"\n`);
  });

const get = program.command('get').description('Gets one of [clusters, nodes, kubeconfig, port-mappings]');
get
  .command('clusters')
  .description('Lists existing Kite clusters')
  .action(async () => {
    const names = [...new Set((await listNodes()).map((n) => n.cluster))].sort();
    if (!names.length) process.stderr.write('No kite clusters found.\n');
    for (const n of names) out(n);
  });
get
  .command('nodes')
  .description("Lists a cluster's node containers")
  .option('--name <name>', 'cluster name', DEFAULT_CLUSTER_NAME)
  .option('-A, --all-clusters', 'nodes of every cluster')
  .action(async (o) => {
    const nodes = await listNodes(o.allClusters ? undefined : o.name);
    if (!nodes.length) process.stderr.write(`No kite nodes found for cluster "${o.name}".\n`);
    for (const n of nodes) out(`${n.name}${n.running ? '' : ' (stopped)'}`);
  });
get
  .command('kubeconfig')
  .description("Prints a cluster's kitectl config (admin identity), or with --kubectl its kubectl kubeconfig")
  .option('--name <name>', 'cluster name', DEFAULT_CLUSTER_NAME)
  .option('--kubectl', "the kubeconfig for kubectl (the apiserver's HTTPS port) instead of kitectl's (its gRPC port)", false)
  .action(async (o) => {
    out(renderKubeconfig(o.kubectl ? await kubectlConfigOf(o.name) : await kubeconfigOf(o.name)));
  });

const exportCmd = program.command('export').description('Exports one of [logs, kubeconfig]');
exportCmd
  .command('logs [dir]')
  .description("Writes each node's component logs and container states to DIR (default: a new temporary directory)")
  .option('--name <name>', 'cluster name', DEFAULT_CLUSTER_NAME)
  .action(async (dir: string | undefined, o) => {
    const target = dir ? resolve(dir) : mkdtempSync(join(tmpdir(), `kite-logs-${o.name}-`));
    await exportLogs(o.name, await requireNodes(o.name), target);
    out(`Exported logs for cluster "${o.name}" to:\n${target}`);
  });

program
  .command('load')
  .description('Loads images into nodes')
  .command('docker-image <image...>')
  .description("Loads images from the host's Docker Engine into every node of a cluster (skips nodes that have the same image)")
  .option('--name <name>', 'cluster name', DEFAULT_CLUSTER_NAME)
  .option('--nodes <names>', 'comma-separated nodes to load into (default: all)')
  .action(async (images: string[], o) => {
    let nodes = (await requireNodes(o.name)).map((n) => n.name);
    if (o.nodes) {
      const wanted = String(o.nodes).split(',');
      const unknown = wanted.filter((w) => !nodes.includes(w));
      if (unknown.length) throw new Error(`unknown node(s) of cluster "${o.name}": ${unknown.join(', ')}`);
      nodes = wanted;
    }
    const { loaded } = await loadImages(nodes, images);
    for (const n of nodes) {
      process.stderr.write(loaded[n] ? `Image(s) ${loaded[n].join(', ')} loaded into node ${n}\n` : `Node ${n} already has ${images.join(', ')}\n`);
    }
  });

program
  .command('build')
  .description('Builds one of [node-image]')
  .command('node-image')
  .description('Builds the base images and the node image with the current Kite sources')
  .action(async () => {
    await ensureBaseImages();
    const r = await ensureNodeImage();
    out(`${r.built ? 'built' : 'reused'} ${r.image}`);
  });

exportCmd
  .command('kubeconfig')
  .description("Adds a cluster's context to the kitectl config and to the kubectl config ($KUBECONFIG or ~/.kube/config) and makes it current in both")
  .option('--name <name>', 'cluster name', DEFAULT_CLUSTER_NAME)
  .option('--kubeconfig <file>', 'kitectl config file (default $KITECONFIG or ~/.kite/config)')
  .action(async (o) => {
    out(`Set kitectl context in ${mergeKubeconfig(o.kubeconfig, await kubeconfigOf(o.name))}`);
    const kubectl = await kubectlConfigOf(o.name).catch((err: Error) => {
      // A cluster made before its apiserver served Kubernetes' HTTP API (no HTTPS port published):
      // kitectl's context still works, kubectl's needs the cluster made again.
      if (!/publishes no apiserver port/.test(err.message)) throw err;
      process.stderr.write(`WARNING: no kubectl context for cluster "${o.name}": ${err.message}; it predates Kite's HTTP API: recreate it (kite delete cluster, kite create cluster) to use kubectl\n`);
      return undefined;
    });
    if (kubectl) out(`Set kubectl context in ${mergeKubectlConfig(kubectl)}`);
  });

const protocolOption = () =>
  new Option('--protocol <protocol>', 'TCP or UDP').default('TCP').argParser((v) => {
    const p = v.toUpperCase();
    if (p !== 'TCP' && p !== 'UDP') throw new InvalidArgumentError('must be TCP or UDP');
    return p;
  });
const portArg = (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('must be a port number');
  return Number(v);
};

create
  .command('port-mapping')
  .description("Publishes a node's port on the host after the cluster was created (as extraPortMappings does at creation)")
  .requiredOption('--container-port <port>', 'port on the node (e.g. a NodePort)', portArg)
  .requiredOption('--host-port <port>', 'port on the host', portArg)
  .option('--listen-address <address>', 'host address to listen on', '0.0.0.0')
  .addOption(protocolOption())
  .option('--node <node>', "node whose port is published (default: the cluster's control-plane node)")
  .option('--name <name>', 'cluster name', DEFAULT_CLUSTER_NAME)
  .action(async (o) => {
    const spec = { node: o.node, containerPort: o.containerPort, hostPort: o.hostPort, listenAddress: o.listenAddress, protocol: o.protocol };
    const { container, node } = await createPortMapping(o.name, spec);
    process.stderr.write(`Mapped ${o.listenAddress}:${o.hostPort}/${o.protocol} to ${node}:${o.containerPort} (container ${container})\n`);
  });
del
  .command('port-mapping')
  .description('Removes a port mapping made with `kite create port-mapping`')
  .requiredOption('--host-port <port>', 'port on the host', portArg)
  .addOption(protocolOption())
  .option('--name <name>', 'cluster name', DEFAULT_CLUSTER_NAME)
  .action(async (o) => {
    await deletePortMapping(o.name, o.hostPort, o.protocol);
    process.stderr.write(`Removed the mapping of host port ${o.hostPort}/${o.protocol}\n`);
  });
get
  .command('port-mappings')
  .description('Lists the ports a cluster publishes on the host: from its config and added since')
  .option('--name <name>', 'cluster name', DEFAULT_CLUSTER_NAME)
  .action(async (o) => {
    await requireNodes(o.name);
    const rows = (await listPortMappings(o.name)).map((m) => [
      `${m.listenAddress}:${m.hostPort || '(random)'}/${m.protocol}`,
      `${m.node}:${m.containerPort}`,
      m.source === 'added' ? `added (${m.running ? 'running' : 'stopped'})` : 'config',
    ]);
    out(table([['HOST', 'NODE PORT', 'SOURCE'], ...rows]));
  });

// Run by the forwarder containers `kite create port-mapping` starts; not for users.
program
  .command('port-forwarder', { hidden: true })
  .requiredOption('--listen-port <port>', 'port to listen on', portArg)
  .requiredOption('--target <host:port>', 'where to relay to')
  .addOption(protocolOption())
  .action(async (o) => {
    const [host, port] = String(o.target).split(':');
    const f = await startForwarder({ protocol: o.protocol, listenPort: o.listenPort, targetHost: host, targetPort: portArg(port) });
    // On standard output: `kite create port-mapping` waits for this line.
    out(`forwarding ${o.protocol} port ${f.port} to ${o.target}`);
    const stop = () => void f.close().then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });

const table = (rows: string[][]) => {
  const w = new TabWriter(TABLE_OPTIONS);
  w.write(rows.map((r) => `${r.join('\t')}\n`).join(''));
  return w.flush();
};

program.parseAsync().catch((err: Error) => {
  process.stderr.write(`ERROR: ${err.message}\n`);
  process.exit(1);
});
