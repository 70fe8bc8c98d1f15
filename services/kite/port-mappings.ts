// Port mappings of a cluster: the extraPortMappings its nodes were created with, and those added
// later with `kite create port-mapping` (a forwarder container per mapping, see
// port-forwarder.ts). Forwarders carry the cluster's label, so `kite delete cluster` removes them
// with the nodes; they restart with the host's engine as the nodes do.
import { docker, dockerMaybe } from './docker-cli';
import { CLUSTER_LABEL, clusterContainers, listNodes, networkName, ROLE_LABEL } from './nodes';

export const PORT_MAPPING_ROLE = 'port-mapping';
const NODE_LABEL = 'io.kite.port-mapping.node';
const CONTAINER_PORT_LABEL = 'io.kite.port-mapping.container-port';

export interface PortMappingSpec {
  /** The node whose port is published. */
  node: string;
  containerPort: number;
  hostPort: number;
  listenAddress: string;
  protocol: 'TCP' | 'UDP';
}

export interface ListedPortMapping extends PortMappingSpec {
  /** "config": made with the node (extraPortMappings, the apiserver); "added": a forwarder. */
  source: 'config' | 'added';
  /** The forwarder container (added mappings only). */
  container?: string;
  running: boolean;
}

export const forwarderName = (cluster: string, m: Pick<PortMappingSpec, 'protocol' | 'hostPort'>) =>
  `${cluster}-port-${m.protocol.toLowerCase()}-${m.hostPort}`;

function checkPort(what: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${what} must be a port number from 1 to 65535, not "${port}"`);
}

/**
 * Publishes the node's containerPort on the host at listenAddress:hostPort (no node: the
 * control-plane node's). Resolves with the forwarder container's name and the node.
 */
export async function createPortMapping(
  cluster: string,
  spec: Omit<PortMappingSpec, 'node'> & { node?: string },
): Promise<{ container: string; node: string }> {
  checkPort('--container-port', spec.containerPort);
  checkPort('--host-port', spec.hostPort);
  const nodes = await listNodes(cluster);
  if (!nodes.length) throw new Error(`no nodes found for cluster "${cluster}" (see: kite get clusters)`);
  const node = spec.node ? nodes.find((n) => n.name === spec.node) : nodes.find((n) => n.role === 'control-plane');
  if (!node) throw new Error(`cluster "${cluster}" has no node "${spec.node ?? 'control-plane'}" (its nodes: ${nodes.map((n) => n.name).join(', ')})`);
  const m: PortMappingSpec = { ...spec, node: node.name };
  const existing = (await listPortMappings(cluster)).find((p) => p.hostPort === m.hostPort && p.protocol === m.protocol);
  if (existing) {
    throw new Error(`host port ${m.hostPort}/${m.protocol} is already mapped to ${existing.node}:${existing.containerPort} (${existing.source === 'added' ? `delete it with: kite delete port-mapping --name ${cluster} --host-port ${m.hostPort}` : 'by the cluster config'})`);
  }
  // The forwarder runs from the nodes' own image: it is on the host already and carries Kite.
  const image = (await docker(['inspect', '-f', '{{.Config.Image}}', node.name])).trim();
  const name = forwarderName(cluster, m);
  const proto = m.protocol.toLowerCase();
  try {
    await docker([
      'run', '-d',
      '--name', name,
      '--network', networkName(cluster),
      '--restart', 'unless-stopped',
      '--label', `${CLUSTER_LABEL}=${cluster}`,
      '--label', `${ROLE_LABEL}=${PORT_MAPPING_ROLE}`,
      '--label', `${NODE_LABEL}=${m.node}`,
      '--label', `${CONTAINER_PORT_LABEL}=${m.containerPort}`,
      '-p', `${m.listenAddress}:${m.hostPort}:${m.hostPort}/${proto}`,
      '--entrypoint', '/usr/local/bin/node',
      image,
      '/opt/kite/bin/kite', 'port-forwarder',
      '--protocol', m.protocol,
      '--listen-port', String(m.hostPort),
      '--target', `${m.node}:${m.containerPort}`,
    ]);
  } catch (err) {
    // `docker run` made the container before publishing the port failed: leave nothing behind.
    await dockerMaybe(['rm', '-f', name]);
    const msg = (err as Error).message;
    if (/address already in use|port is already allocated/.test(msg)) {
      throw new Error(`host port ${m.listenAddress}:${m.hostPort}/${m.protocol} is already in use on this machine; choose another --host-port`);
    }
    throw err;
  }
  await waitForForwarder(name);
  return { container: name, node: m.node };
}

/** The host port answers only once the forwarder listens (until then Docker's proxy resets connections). */
async function waitForForwarder(name: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // The forwarder says so on its standard output; `docker logs` gives that on its own.
    if (/^forwarding /m.test((await dockerMaybe(['logs', name])) ?? '')) return;
    const state = (await dockerMaybe(['inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', name]))?.trim().split(' ');
    if (state?.[0] === 'false') {
      // Kept for its logs; listed as stopped, removed by delete port-mapping or delete cluster.
      throw new Error(`the forwarder container ${name} exited with code ${state[1]}: see docker logs ${name}`);
    }
    if (Date.now() > deadline) throw new Error(`the forwarder container ${name} did not start listening within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Removes an added mapping; mappings from the cluster config cannot be removed. */
export async function deletePortMapping(cluster: string, hostPort: number, protocol: 'TCP' | 'UDP'): Promise<string> {
  const all = await listPortMappings(cluster);
  const m = all.find((p) => p.hostPort === hostPort && p.protocol === protocol);
  if (!m) throw new Error(`cluster "${cluster}" maps no host port ${hostPort}/${protocol} (see: kite get port-mappings --name ${cluster})`);
  if (m.source === 'config') throw new Error(`host port ${hostPort}/${protocol} comes from the cluster config (extraPortMappings) and lives as long as node ${m.node}`);
  await docker(['rm', '-f', m.container!]);
  return m.container!;
}

/** Every port the cluster publishes on the host, sorted by host port. */
export async function listPortMappings(cluster: string): Promise<ListedPortMapping[]> {
  const out: ListedPortMapping[] = [];
  const ids = await clusterContainers(cluster);
  if (!ids.length) return out;
  const inspected = JSON.parse(await docker(['inspect', ...ids])) as DockerInspect[];
  for (const c of inspected) {
    const name = c.Name.replace(/^\//, '');
    const labels = c.Config.Labels ?? {};
    const running = c.State.Running;
    for (const [key, binds] of Object.entries(c.HostConfig.PortBindings ?? {})) {
      const [port, proto] = key.split('/');
      for (const b of binds ?? []) {
        const base = { hostPort: Number(b.HostPort), listenAddress: b.HostIp || '0.0.0.0', protocol: proto.toUpperCase() as 'TCP' | 'UDP', running };
        if (labels[ROLE_LABEL] === PORT_MAPPING_ROLE) {
          out.push({ ...base, node: labels[NODE_LABEL], containerPort: Number(labels[CONTAINER_PORT_LABEL]), source: 'added', container: name });
        } else {
          out.push({ ...base, node: name, containerPort: Number(port), source: 'config' });
        }
      }
    }
  }
  return out.sort((a, b) => a.hostPort - b.hostPort);
}

interface DockerInspect {
  Name: string;
  Config: { Labels?: Record<string, string> };
  State: { Running: boolean };
  HostConfig: { PortBindings?: Record<string, { HostIp: string; HostPort: string }[] | null> };
}
