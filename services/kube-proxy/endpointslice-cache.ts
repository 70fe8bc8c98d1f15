// kube-proxy's EndpointSliceCache (pkg/proxy/endpointslicecache.go): the EndpointSlices of
// every Service, merged per service port. A Service may have several slices (the controller
// splits them at 100 endpoints, mirrored and custom slices add more); kube-proxy sees the union,
// one endpoint per "ip:port", a ready copy winning over a not-ready one.
import type { EndpointSlice } from '../../lib/gen/kite/discovery/v1/types';

/** The label that ties a slice to its Service. */
export const serviceNameLabel = 'kubernetes.io/service-name';
/** Services and slices carrying this label belong to another proxy (kube-proxy's informers filter them out). */
export const serviceProxyNameLabel = 'service.kubernetes.io/service-proxy-name';
/** Slices of headless Services carry this label; kube-proxy does not watch them. */
export const headlessLabel = 'service.kubernetes.io/headless';

/** One endpoint of one service port, as kube-proxy's BaseEndpointInfo. */
export interface EndpointInfo {
  /** "ip:port". */
  endpoint: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** On this node (nodeName equals kube-proxy's node). */
  isLocal: boolean;
}

/** "name/protocol" of a port, the key endpoints are grouped by (protocol uppercase). */
export function portKey(name: string, protocol: string): string {
  return `${name}/${(protocol || 'TCP').toUpperCase()}`;
}

function isIPv4(ip: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);
}

/** "a.b.c.d:port" as one number, so endpoints sort naturally (10.0.0.9 before 10.0.0.10). */
function endpointOrder(endpoint: string): number {
  const [a, b, c, d, port] = endpoint.split(/[.:]/).map(Number);
  return (((a * 256 + b) * 256 + c) * 256 + d) * 65536 + port;
}

export function sortEndpoints<T extends { endpoint: string }>(endpoints: Iterable<T>): T[] {
  return [...endpoints]
    .map((e) => ({ e, order: endpointOrder(e.endpoint) }))
    .sort((x, y) => x.order - y.order)
    .map((x) => x.e);
}

/** The Service a slice belongs to ("namespace/name"), or undefined when kube-proxy ignores it. */
export function sliceServiceKey(slice: EndpointSlice): string | undefined {
  const labels = slice.metadata?.labels ?? {};
  const service = labels[serviceNameLabel];
  if (!service || labels[serviceProxyNameLabel] !== undefined || labels[headlessLabel] !== undefined) return undefined;
  return `${slice.metadata?.namespace ?? ''}/${service}`;
}

export class EndpointSliceCache {
  /** Service key -> slice name -> slice. */
  private readonly byService = new Map<string, Map<string, EndpointSlice>>();
  /** Slice "namespace/name" -> the service key it was filed under (a slice's label may change). */
  private readonly sliceOwner = new Map<string, string>();

  constructor(private readonly nodeName = '') {}

  /** Files a slice under its Service; true when something changed. */
  upsert(slice: EndpointSlice): boolean {
    const removed = this.delete(slice);
    const service = sliceServiceKey(slice);
    if (!service || (slice.addressType && slice.addressType !== 'IPv4')) return removed;
    const name = slice.metadata?.name ?? '';
    let slices = this.byService.get(service);
    if (!slices) this.byService.set(service, (slices = new Map()));
    slices.set(name, slice);
    this.sliceOwner.set(`${slice.metadata?.namespace ?? ''}/${name}`, service);
    return true;
  }

  delete(slice: { metadata?: { namespace?: string; name?: string } }): boolean {
    const key = `${slice.metadata?.namespace ?? ''}/${slice.metadata?.name ?? ''}`;
    const service = this.sliceOwner.get(key);
    if (service === undefined) return false;
    this.sliceOwner.delete(key);
    const slices = this.byService.get(service)!;
    slices.delete(slice.metadata?.name ?? '');
    if (slices.size === 0) this.byService.delete(service);
    return true;
  }

  /** The services that have at least one slice. */
  services(): IterableIterator<string> {
    return this.byService.keys();
  }

  /**
   * Endpoints of a Service by port key ("name/PROTOCOL"), merged over its slices (in name order,
   * as Kubernetes), sorted by address. Only the first address of an endpoint counts.
   */
  endpointsByPort(service: string): Map<string, EndpointInfo[]> {
    const byPort = new Map<string, Map<string, EndpointInfo>>();
    const slices = [...(this.byService.get(service)?.values() ?? [])].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
    for (const slice of slices) {
      for (const port of slice.ports ?? []) {
        if (!port.port) continue;
        const key = portKey(port.name ?? '', port.protocol ?? '');
        let set = byPort.get(key);
        if (!set) byPort.set(key, (set = new Map()));
        for (const ep of slice.endpoints ?? []) {
          const ip = ep.addresses?.[0];
          if (!ip || !isIPv4(ip)) continue;
          // As Kubernetes reads the conditions: ready and serving unless set false, terminating only when set.
          const info: EndpointInfo = {
            endpoint: `${ip}:${port.port}`,
            ready: ep.conditions?.ready ?? true,
            serving: ep.conditions?.serving ?? true,
            terminating: ep.conditions?.terminating ?? false,
            isLocal: !!this.nodeName && ep.nodeName === this.nodeName,
          };
          if (!set.has(info.endpoint) || info.ready) set.set(info.endpoint, info);
        }
      }
    }
    return new Map([...byPort].map(([key, set]) => [key, sortEndpoints(set.values())]));
  }

  /** Distinct addresses of a Service's ready endpoints on this node (what its health check reports). */
  localReadyEndpointCount(service: string): number {
    const ips = new Set<string>();
    for (const endpoints of this.endpointsByPort(service).values()) {
      for (const ep of endpoints) if (ep.isLocal && ep.ready) ips.add(ep.endpoint.slice(0, ep.endpoint.lastIndexOf(':')));
    }
    return ips.size;
  }
}
