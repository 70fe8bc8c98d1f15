// Flattens Services and Endpoints into what the rules need: one entry per service port with
// its ready endpoints. Endpoints ports are matched to service ports by name (the Endpoints
// controller already resolved named targetPorts to container port numbers).
import type { Endpoints, Service } from '../../lib/gen/kite/core/v1/types';
import { servicePortName } from './chain-names';

/** Kubernetes' default stickiness for sessionAffinity ClientIP (3 hours). */
export const defaultAffinityTimeoutSeconds = 10800;

export interface ServicePortInfo {
  /** "namespace/name:port" (":port" only for named ports). */
  name: string;
  /** Lowercase, as iptables spells it: tcp, udp, sctp. */
  protocol: string;
  clusterIP: string;
  port: number;
  /** 0 when the port has no NodePort. */
  nodePort: number;
  /** Seconds of ClientIP stickiness; 0 when the service has no session affinity. */
  affinitySeconds: number;
  /** Ready endpoints as "ip:port", sorted, without duplicates. */
  endpoints: string[];
}

export function objectKey(obj: { metadata?: { namespace?: string; name?: string } }): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

function isIPv4(ip: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);
}

/** "a.b.c.d:port" as one number, so endpoints sort naturally (10.0.0.9 before 10.0.0.10). */
function endpointOrder(endpoint: string): number {
  const [a, b, c, d, port] = endpoint.split(/[.:]/).map(Number);
  return (((a * 256 + b) * 256 + c) * 256 + d) * 65536 + port;
}

function sortEndpoints(endpoints: Iterable<string>): string[] {
  return [...endpoints]
    .map((e) => ({ e, order: endpointOrder(e) }))
    .sort((x, y) => x.order - y.order)
    .map((x) => x.e);
}

/** Ready endpoints per Endpoints port name. */
function readyEndpointsByPortName(endpoints: Endpoints | undefined): Map<string, string[]> {
  const byName = new Map<string, Set<string>>();
  for (const subset of endpoints?.subsets ?? []) {
    for (const port of subset.ports ?? []) {
      if (!(port.port > 0)) continue;
      const set = byName.get(port.name ?? '') ?? new Set<string>();
      for (const address of subset.addresses ?? []) {
        if (isIPv4(address.ip)) set.add(`${address.ip}:${port.port}`);
      }
      byName.set(port.name ?? '', set);
    }
  }
  return new Map([...byName].map(([name, set]) => [name, sortEndpoints(set)]));
}

/**
 * Service ports to program, sorted by name. Headless (clusterIP None), ExternalName and
 * non-IPv4 services are skipped: kube-proxy does not proxy them.
 */
export function buildServicePorts(services: Iterable<Service>, endpoints: ReadonlyMap<string, Endpoints>): ServicePortInfo[] {
  const out: ServicePortInfo[] = [];
  for (const service of services) {
    const spec = service.spec;
    if (!spec || spec.type === 'ExternalName' || !isIPv4(spec.clusterIP)) continue;
    const key = objectKey(service);
    const byPortName = readyEndpointsByPortName(endpoints.get(key));
    const affinitySeconds =
      spec.sessionAffinity === 'ClientIP'
        ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds || defaultAffinityTimeoutSeconds
        : 0;
    const nodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
    for (const port of spec.ports ?? []) {
      out.push({
        name: servicePortName(service.metadata?.namespace ?? '', service.metadata?.name ?? '', port.name ?? ''),
        protocol: (port.protocol || 'TCP').toLowerCase(),
        clusterIP: spec.clusterIP,
        port: port.port,
        nodePort: nodePorts ? (port.nodePort ?? 0) : 0,
        affinitySeconds,
        endpoints: byPortName.get(port.name ?? '') ?? [],
      });
    }
  }
  const sortKey = (p: ServicePortInfo) => `${p.name} ${p.protocol}`;
  return out.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}
