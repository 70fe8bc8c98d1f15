// A pod as an EndpointSlice endpoint (Kubernetes' podToEndpoint, getEndpointPorts and
// getAddressTypesForService in staging/src/k8s.io/endpointslice/utils.go): its addresses of the
// slice's family, the conditions Kubernetes computes (serving = the pod is Ready, terminating =
// it is being deleted, ready = serving and not terminating, or always with
// publishNotReadyAddresses), its node, the node's zone, the pod as target, and its hostname when
// the pod's subdomain is the Service.
import { isIPv6 } from 'node:net';
import { isPodReady } from '../../../lib/api/pods';
import type { Node, Pod, Service } from '../../../lib/gen/kite/core/v1/types';
import type { Endpoint, EndpointPort } from '../../../lib/gen/kite/discovery/v1/types';
import { findPort } from '../endpoints/endpoint-subsets';

/** v1.LabelTopologyZone. */
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

export type AddressType = 'IPv4' | 'IPv6';

/** The address types a Service's slices carry: its IP families, else its cluster IP's, else IPv4. */
export function addressTypesForService(svc: Service): AddressType[] {
  const families = (svc.spec?.ipFamilies ?? []).filter((f): f is AddressType => f === 'IPv4' || f === 'IPv6');
  if (families.length > 0) return [...new Set(families)];
  const ip = svc.spec?.clusterIP ?? '';
  if (ip && ip !== 'None') return [isIPv6(ip) ? 'IPv6' : 'IPv4'];
  // Kubernetes assumes both families for a headless Service without any; Kite's clusters are IPv4.
  return ['IPv4'];
}

/** The pod's IPs of one family (getEndpointAddresses). */
export function podAddresses(pod: Pod, addressType: AddressType): string[] {
  const ips = pod.status?.podIPs.length ? pod.status.podIPs.map((p) => p.ip) : pod.status?.podIP ? [pod.status.podIP] : [];
  return ips.filter((ip) => isIPv6(ip) === (addressType === 'IPv6'));
}

/** The ports the pod serves for the Service: each Service port whose target the pod has. */
export function endpointPorts(svc: Service, pod: Pod): EndpointPort[] {
  const spec = svc.spec!;
  // A headless Service may have no ports.
  if (spec.ports.length === 0 && spec.clusterIP === 'None') return [];
  const out: EndpointPort[] = [];
  for (const sp of spec.ports) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    out.push({ name: sp.name, protocol: sp.protocol || 'TCP', port, appProtocol: sp.appProtocol || undefined });
  }
  return out;
}

/** Kubernetes' ShouldSetHostname: the pod has a hostname and the Service is its subdomain. */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return !!pod.spec?.hostname && pod.spec.subdomain === svc.metadata!.name && pod.metadata!.namespace === svc.metadata!.namespace;
}

export function podToEndpoint(pod: Pod, node: Node | undefined, svc: Service, addressType: AddressType): Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  // For compatibility, a terminating pod is never ready, unless not-ready addresses are published.
  const ready = !!svc.spec?.publishNotReadyAddresses || (serving && !terminating);
  const m = pod.metadata!;
  const ep: Endpoint = {
    addresses: podAddresses(pod, addressType),
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: '', resourceVersion: '', fieldPath: '' },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata?.labels[LABEL_TOPOLOGY_ZONE];
  if (zone) ep.zone = zone;
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec!.hostname;
  return ep;
}
