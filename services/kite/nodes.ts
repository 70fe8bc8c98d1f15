// Kite's node containers on the host engine: names (kind's: <cluster>-control-plane,
// <cluster>-worker, <cluster>-worker2 ...), labels that find everything a cluster owns, and the
// `docker run` arguments that let a Docker Engine run inside (see ../shared/ENVIRONMENT.md:
// every capability but SYS_RESOURCE instead of --privileged, cgroups, a volume for the engine).
import type { ClusterConfig, NodeConfig, NodeRole } from './cluster-config';
import { docker, dockerMaybe } from './docker-cli';

export const CLUSTER_LABEL = 'io.kite.cluster';
export const ROLE_LABEL = 'io.kite.role';
/** The port the apiserver serves gRPC on inside the control-plane node (kitectl's and the components'). */
export const APISERVER_PORT = 6443;
/** The port the apiserver serves Kubernetes' HTTP API on inside the control-plane node (--secure-port; kubectl's). */
export const APISERVER_SECURE_PORT = 6444;

/** Docker 20.10's names of every capability but SYS_RESOURCE, which these VMs' bounding set lacks. */
const CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT',
  'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE',
  'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ',
];

export interface PlannedNode {
  name: string;
  role: NodeRole;
  config: NodeConfig;
}

export const networkName = (cluster: string) => `kite-${cluster}`;

/** Node names in config order, numbered per role as kind numbers them. */
export function planNodes(config: ClusterConfig): PlannedNode[] {
  const seen: Record<string, number> = {};
  return config.nodes.map((n) => {
    const count = (seen[n.role] = (seen[n.role] ?? 0) + 1);
    return { name: `${config.name}-${n.role}${count > 1 ? count : ''}`, role: n.role, config: n };
  });
}

export const volumeNames = (node: string) => ({ docker: `${node}-docker`, kite: `${node}-kite` });

/** `docker run` arguments of a node container (without the image). */
export function nodeRunArgs(cluster: ClusterConfig, node: PlannedNode): string[] {
  const labels = { [CLUSTER_LABEL]: cluster.name, [ROLE_LABEL]: node.role };
  const vols = volumeNames(node.name);
  const args = [
    'run', '-d',
    '--name', node.name,
    '--hostname', node.name,
    '--network', networkName(cluster.name),
    '--restart', 'unless-stopped',
    ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    ...CAPABILITIES.flatMap((c) => ['--cap-add', c]),
    '--security-opt', 'seccomp=unconfined',
    '--security-opt', 'apparmor=unconfined',
    '--security-opt', 'systempaths=unconfined',
    '--device-cgroup-rule', 'a *:* rwm',
    '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw',
    '-v', '/lib/modules:/lib/modules:ro',
    '-v', `${vols.docker}:/var/lib/docker`,
    '-v', `${vols.kite}:/var/lib/kite`,
    // A fresh /run on every start: no stale pid files or sockets after a restart.
    '--tmpfs', '/run',
    '--tmpfs', '/tmp',
  ];
  for (const m of node.config.extraMounts) args.push('-v', `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`);
  for (const p of node.config.extraPortMappings) {
    args.push('-p', `${p.listenAddress}:${p.hostPort || ''}:${p.containerPort}/${p.protocol.toLowerCase()}`);
  }
  // With several control-plane nodes the load balancer publishes the apiserver (load-balancer.ts).
  if (node.role === 'control-plane' && cluster.nodes.filter((n) => n.role === 'control-plane').length === 1) {
    const net = cluster.networking;
    args.push('-p', `${net.apiServerAddress}:${net.apiServerPort || ''}:${APISERVER_PORT}/tcp`);
    args.push('-p', `${net.apiServerAddress}:${net.apiServerSecurePort || ''}:${APISERVER_SECURE_PORT}/tcp`);
  }
  return args;
}

export interface ExistingNode {
  name: string;
  role: NodeRole;
  cluster: string;
  running: boolean;
}

/** The node containers of one cluster (or of every cluster), sorted by name. */
export async function listNodes(cluster?: string): Promise<ExistingNode[]> {
  const filter = cluster ? `label=${CLUSTER_LABEL}=${cluster}` : `label=${CLUSTER_LABEL}`;
  const fmt = `{{.Names}}\t{{.Label "${CLUSTER_LABEL}"}}\t{{.Label "${ROLE_LABEL}"}}\t{{.State}}`;
  const out = await docker(['ps', '-a', '--filter', filter, '--format', fmt]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, clusterName, role, state] = line.split('\t');
      return { name, cluster: clusterName, role: role as NodeRole, running: state === 'running' };
    })
    // The cluster's other containers (port-mapping forwarders) are not nodes.
    .filter((n) => n.role === 'control-plane' || n.role === 'worker')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** IDs of every container the cluster made on the host engine: its nodes and port-mapping forwarders. */
export async function clusterContainers(cluster: string): Promise<string[]> {
  return (await docker(['ps', '-aq', '--filter', `label=${CLUSTER_LABEL}=${cluster}`])).split('\n').filter(Boolean);
}

/** The node's address on its cluster network. */
export async function nodeIP(cluster: string, node: string): Promise<string> {
  const out = await docker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${networkName(cluster)}").IPAddress}}`, node]);
  return out.trim();
}

/** The host address and port the control-plane node publishes the apiserver's gRPC port (or another of its ports) on. */
export async function apiServerEndpoint(node: string, containerPort = APISERVER_PORT): Promise<{ address: string; port: number }> {
  // `docker port` fails when the port is not published at all (a node made by an older Kite).
  const out = ((await dockerMaybe(['port', node, `${containerPort}/tcp`])) ?? '').split('\n').find((l) => /^\d+\.\d+\.\d+\.\d+:\d+$/.test(l.trim()));
  if (!out) throw new Error(`node ${node} publishes no apiserver port ${containerPort}`);
  const [address, port] = out.trim().split(':');
  return { address: address === '0.0.0.0' ? '127.0.0.1' : address, port: Number(port) };
}
