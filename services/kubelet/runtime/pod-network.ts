// The node's pod network: a Docker bridge network whose subnet is the node's podCIDR, so every
// sandbox attached to it gets a pod IP from that range (Docker's IPAM hands them out).
import type Docker from 'dockerode';
import { engineMessage, engineStatus, RuntimeError } from './errors';
import { LABEL, POD_NETWORK_LABEL } from './labels';

function ipv4ToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new RuntimeError('InvalidPodCIDR', `not an IPv4 address: ${ip}`);
  }
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The subnet in canonical form and its first address (the bridge's gateway). */
export function parseCidr(cidr: string): { subnet: string; gateway: string } {
  const [ip, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (!Number.isInteger(bits) || bits < 8 || bits > 30) {
    throw new RuntimeError('InvalidPodCIDR', `pod CIDR ${cidr}: want an IPv4 prefix between /8 and /30`);
  }
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  const network = (ipv4ToInt(ip) & mask) >>> 0;
  return { subnet: `${intToIpv4(network)}/${bits}`, gateway: intToIpv4(network + 1) };
}

/** Creates the network if missing; an existing one must have the same subnet. */
export async function ensurePodNetwork(docker: Docker, node: string, name: string, cidr: string, retried = false): Promise<void> {
  const { subnet, gateway } = parseCidr(cidr);
  const existing = await docker
    .getNetwork(name)
    .inspect()
    .catch((err: unknown) => {
      if (engineStatus(err) === 404) return undefined;
      throw err;
    });
  if (existing) {
    const subnets = (existing.IPAM?.Config ?? []).map((c: { Subnet?: string }) => c.Subnet);
    if (!subnets.includes(subnet)) {
      throw new RuntimeError('PodNetworkMismatch', `network ${name} exists with subnet ${subnets.join(',') || 'none'}, not the pod CIDR ${subnet}`);
    }
    return;
  }
  try {
    await docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      IPAM: { Driver: 'default', Config: [{ Subnet: subnet, Gateway: gateway }] },
      Labels: { [POD_NETWORK_LABEL]: 'true', [LABEL.node]: node },
    });
  } catch (err) {
    // Another caller created it meanwhile: fine if the subnet matches, which the retry checks.
    if (engineStatus(err) === 409 && !retried) return ensurePodNetwork(docker, node, name, cidr, true);
    throw new RuntimeError('PodNetworkError', `creating pod network ${name} (${subnet}): ${engineMessage(err)}`);
  }
}
