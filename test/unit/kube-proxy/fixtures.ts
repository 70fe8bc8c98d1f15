// Builders for the Services and Endpoints the kube-proxy tests use.
import { Endpoints, Node, Service } from '../../../lib/gen/kite/core/v1/types';

export interface PortSpec {
  name?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
  protocol?: string;
}

export function service(namespace: string, name: string, clusterIP: string, ports: PortSpec[], extra: Record<string, unknown> = {}): Service {
  return Service.fromPartial({
    metadata: { namespace, name },
    spec: { clusterIP, type: 'ClusterIP', ports: ports.map((p) => ({ protocol: 'TCP', targetPort: p.port, ...p })), ...extra },
  });
}

export function endpoints(
  namespace: string,
  name: string,
  ips: string[],
  ports: Array<{ name?: string; port: number }>,
  notReady: string[] = [],
): Endpoints {
  return Endpoints.fromPartial({
    metadata: { namespace, name },
    subsets: [
      {
        addresses: ips.map((ip) => ({ ip })),
        notReadyAddresses: notReady.map((ip) => ({ ip })),
        ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
      },
    ],
  });
}

export function endpointsMap(list: Endpoints[]): Map<string, Endpoints> {
  return new Map(list.map((e) => [`${e.metadata?.namespace}/${e.metadata?.name}`, e]));
}

/** A Node with a podCIDR and an InternalIP (none when ip is empty). */
export function node(name: string, podCIDR: string, ip: string, extra: { podCIDRs?: string[] } = {}): Node {
  const addresses = [{ type: 'Hostname', address: name }, ...(ip ? [{ type: 'InternalIP', address: ip }] : [])];
  return Node.fromPartial({ metadata: { name }, spec: { podCIDR, podCIDRs: extra.podCIDRs ?? (podCIDR ? [podCIDR] : []) }, status: { addresses } });
}
