// Helpers for tests against the real Docker Engine: unique names, a free pod subnet, and cleanup
// of everything a test's node made (containers and networks carry io.kite.node=<node>).
import { uniqueName } from './names';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { Container, Pod, type PodSpec } from '../../lib/gen/kite/core/v1/types';
import { DockerRuntime } from '../../services/kubelet/runtime/docker-runtime';
import { LABEL } from '../../services/kubelet/runtime/labels';

export function dockerClient(): Docker {
  return new Docker();
}

export { uniqueName };

function ipv4(ip: string): number {
  return ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}

function overlaps(a: string, b: string): boolean {
  const range = (cidr: string): [number, number] => {
    const [ip, bits] = cidr.split('/');
    const size = 2 ** (32 - Number(bits));
    const start = Math.floor(ipv4(ip) / size) * size;
    return [start, start + size - 1];
  };
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
}

/** A random /24 in 10.200.0.0/13 that no Docker network on the engine uses. */
export async function freePodSubnet(docker: Docker): Promise<string> {
  const networks = await docker.listNetworks();
  const used = networks.flatMap((n) => (n.IPAM?.Config ?? []).map((c: { Subnet?: string }) => c.Subnet ?? '')).filter((s) => s.includes('/'));
  for (let i = 0; i < 100; i++) {
    const bytes = randomBytes(2);
    const candidate = `10.${200 + (bytes[0] % 8)}.${bytes[1]}.0/24`;
    if (!used.some((u) => overlaps(u, candidate))) return candidate;
  }
  throw new Error('no free /24 for a test pod network');
}

/** Removes every container and network labelled with this node name. Never throws. */
export async function removeNodeResources(docker: Docker, node: string): Promise<void> {
  const filters = { label: [`${LABEL.node}=${node}`] };
  const containers = await docker.listContainers({ all: true, filters }).catch(() => []);
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  const networks = await docker.listNetworks({ filters }).catch(() => []);
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)));
}

/** A DockerRuntime for a made-up node with its own pod network and root dir, and their cleanup. */
export interface RuntimeFixture {
  docker: Docker;
  runtime: DockerRuntime;
  node: string;
  network: string;
  subnet: string;
  rootDir: string;
  cleanup(): Promise<void>;
}

export async function runtimeFixture(prefix: string): Promise<RuntimeFixture> {
  const docker = dockerClient();
  const node = uniqueName(prefix);
  const rootDir = mkdtempSync(join(tmpdir(), `${node}-`));
  const runtime = new DockerRuntime({ docker, nodeName: node, rootDir });
  const network = `${node}-pods`;
  const cleanup = async (): Promise<void> => {
    await removeNodeResources(docker, node);
    rmSync(rootDir, { recursive: true, force: true });
  };
  try {
    const subnet = await freePodSubnet(docker);
    await runtime.ensurePodNetwork(network, subnet);
    return { docker, runtime, node, network, subnet, rootDir, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** A pod as the apiserver would hand it to the kubelet: unique uid, defaulted spec. */
export function testPod(name: string, containers: Array<Partial<Container>>, spec: Partial<PodSpec> = {}): Pod {
  return Pod.fromPartial({
    metadata: { name, namespace: 'default', uid: randomUUID() },
    spec: {
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      ...spec,
      containers: containers.map((c) => Container.fromPartial({ imagePullPolicy: 'IfNotPresent', ...c })),
    },
  });
}
