// Builders for the Services and EndpointSlices the kite-dns tests use.
import { Service } from '../../../lib/gen/kite/core/v1/types';
import { EndpointSlice } from '../../../lib/gen/kite/discovery/v1/types';
import { SERVICE_NAME_LABEL } from '../../../services/kite-dns/records';

export function service(namespace: string, name: string, spec: Record<string, unknown>): Service {
  return Service.fromPartial({ metadata: { namespace, name }, spec: { type: 'ClusterIP', ...spec } });
}

export interface EndpointSpec {
  ip: string;
  hostname?: string;
  ready?: boolean;
}

export function slice(namespace: string, service: string, name: string, endpoints: EndpointSpec[], ports: { name?: string; port: number; protocol?: string }[] = []): EndpointSlice {
  return EndpointSlice.fromPartial({
    metadata: { namespace, name, labels: { [SERVICE_NAME_LABEL]: service } },
    addressType: endpoints[0]?.ip.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], hostname: e.hostname, conditions: e.ready === undefined ? {} : { ready: e.ready } })),
    ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
  });
}
