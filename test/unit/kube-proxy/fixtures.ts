// Builders for the Services and EndpointSlices the kube-proxy tests use.
import { Node, Service } from '../../../lib/gen/kite/core/v1/types';
import { EndpointSlice } from '../../../lib/gen/kite/discovery/v1/types';
import { EndpointSliceCache } from '../../../services/kube-proxy/endpointslice-cache';

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

/**
 * The EndpointSlice of a Service (labelled kubernetes.io/service-name as the controller makes
 * them): `ips` ready, `notReady` not ready; `extra` sets per-address conditions and nodeName.
 */
export function endpoints(
  namespace: string,
  name: string,
  ips: string[],
  ports: Array<{ name?: string; port: number; protocol?: string }>,
  notReady: string[] = [],
  extra: { sliceName?: string; nodeName?: Record<string, string>; terminating?: string[] } = {},
): EndpointSlice {
  const endpoint = (ip: string, ready: boolean) => {
    const terminating = extra.terminating?.includes(ip) ?? false;
    return {
      addresses: [ip],
      conditions: { ready: ready && !terminating, serving: ready, terminating },
      nodeName: extra.nodeName?.[ip],
    };
  };
  return EndpointSlice.fromPartial({
    metadata: { namespace, name: extra.sliceName ?? `${name}-abc12`, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: [...ips.map((ip) => endpoint(ip, true)), ...notReady.map((ip) => endpoint(ip, false))],
    ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
  });
}

/** An EndpointSliceCache holding `list` (as kube-proxy on `nodeName` would see it). */
export function endpointsMap(list: EndpointSlice[], nodeName = ''): EndpointSliceCache {
  const cache = new EndpointSliceCache(nodeName);
  for (const slice of list) cache.upsert(slice);
  return cache;
}

/** A Node with a podCIDR and an InternalIP (none when ip is empty). */
export function node(name: string, podCIDR: string, ip: string, extra: { podCIDRs?: string[] } = {}): Node {
  const addresses = [{ type: 'Hostname', address: name }, ...(ip ? [{ type: 'InternalIP', address: ip }] : [])];
  return Node.fromPartial({ metadata: { name }, spec: { podCIDR, podCIDRs: extra.podCIDRs ?? (podCIDR ? [podCIDR] : []) }, status: { addresses } });
}
