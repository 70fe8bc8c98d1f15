// Flattens Services and their EndpointSlices into what the rules need: one entry per service
// port with the endpoints each traffic policy uses (kube-proxy's ServicePortInfo and
// CategorizeEndpoints). Slice ports are matched to service ports by name and protocol (the
// EndpointSlice controller already resolved named targetPorts to container port numbers).
import type { Service } from '../../lib/gen/kite/core/v1/types';
import { servicePortName } from './chain-names';
import { portKey, serviceProxyNameLabel, type EndpointSliceCache } from './endpointslice-cache';
import { categorizeEndpoints } from './topology';

/** Kubernetes' default stickiness for sessionAffinity ClientIP (3 hours). */
export const defaultAffinityTimeoutSeconds = 10800;

export interface ServicePortInfo {
  /** "namespace/name:port" (":port" only for named ports). */
  name: string;
  /** The Service's "namespace/name". */
  serviceKey: string;
  /** Lowercase, as iptables spells it: tcp, udp, sctp. */
  protocol: string;
  clusterIP: string;
  port: number;
  /** 0 when the port has no NodePort. */
  nodePort: number;
  /** The Service's healthCheckNodePort (externalTrafficPolicy Local), 0 when none. */
  healthCheckNodePort: number;
  /** Seconds of ClientIP stickiness; 0 when the service has no session affinity. */
  affinitySeconds: number;
  internalPolicyLocal: boolean;
  externalPolicyLocal: boolean;
  /** Endpoints ("ip:port", sorted) for Cluster policy traffic (KUBE-SVC chain). */
  clusterEndpoints: string[];
  /** Endpoints on this node for Local policy traffic (KUBE-SVL chain). */
  localEndpoints: string[];
  /** Every endpoint some chain uses: one KUBE-SEP chain each. */
  endpoints: string[];
  /** Whether the service has usable endpoints anywhere (no: REJECT; yes but none local: DROP). */
  hasEndpoints: boolean;
}

export function objectKey(obj: { metadata?: { namespace?: string; name?: string } }): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

function isIPv4(ip: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);
}

/** Whether kube-proxy programs a Service at all: not headless, not ExternalName, IPv4, not another proxy's. */
export function isProxiedService(service: Service): boolean {
  const spec = service.spec;
  if (!spec || spec.type === 'ExternalName' || !isIPv4(spec.clusterIP)) return false;
  return service.metadata?.labels?.[serviceProxyNameLabel] === undefined;
}

/**
 * Service ports to program, sorted by name. Headless (clusterIP None), ExternalName and
 * non-IPv4 services are skipped: kube-proxy does not proxy them.
 */
export function buildServicePorts(services: Iterable<Service>, slices: EndpointSliceCache): ServicePortInfo[] {
  const out: ServicePortInfo[] = [];
  for (const service of services) {
    if (!isProxiedService(service)) continue;
    const spec = service.spec!;
    const key = objectKey(service);
    const byPort = slices.endpointsByPort(key);
    const affinitySeconds =
      spec.sessionAffinity === 'ClientIP'
        ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds || defaultAffinityTimeoutSeconds
        : 0;
    const nodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
    for (const port of spec.ports ?? []) {
      const nodePort = nodePorts ? (port.nodePort ?? 0) : 0;
      const policies = {
        internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
        externallyAccessible: nodePort !== 0,
        externalPolicyLocal: nodePort !== 0 && spec.externalTrafficPolicy === 'Local',
      };
      const eps = categorizeEndpoints(byPort.get(portKey(port.name ?? '', port.protocol ?? '')) ?? [], policies);
      out.push({
        name: servicePortName(service.metadata?.namespace ?? '', service.metadata?.name ?? '', port.name ?? ''),
        serviceKey: key,
        protocol: (port.protocol || 'TCP').toLowerCase(),
        clusterIP: spec.clusterIP,
        port: port.port,
        nodePort,
        // Kubernetes' NeedsHealthCheck: only a LoadBalancer's nodes are probed.
        healthCheckNodePort: spec.type === 'LoadBalancer' && policies.externalPolicyLocal ? (spec.healthCheckNodePort ?? 0) : 0,
        affinitySeconds,
        internalPolicyLocal: policies.internalPolicyLocal,
        externalPolicyLocal: policies.externalPolicyLocal,
        clusterEndpoints: eps.clusterEndpoints.map((e) => e.endpoint),
        localEndpoints: eps.localEndpoints.map((e) => e.endpoint),
        endpoints: eps.allReachableEndpoints.map((e) => e.endpoint),
        hasEndpoints: eps.hasEndpoints,
      });
    }
  }
  const sortKey = (p: ServicePortInfo) => `${p.name} ${p.protocol}`;
  return out.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}
