// Which endpoints a service port uses, as kube-proxy's CategorizeEndpoints (pkg/proxy/topology.go):
//   cluster endpoints (policy Cluster): the ready ones anywhere; when there is none, the serving
//     and terminating ones (ProxyTerminatingEndpoints: a rolling update never drops connections);
//   local endpoints (internalTrafficPolicy or externalTrafficPolicy Local): the ready ones on this
//     node, else this node's serving and terminating ones;
//   reachable endpoints: the union, one KUBE-SEP chain each;
//   hasEndpoints: whether any endpoint the policies could use exists anywhere, which decides
//     between "has no endpoints" (REJECT) and "has no local endpoints" (DROP).
// Topology hints (topology-aware routing) are not implemented: every node uses every endpoint.
import { sortEndpoints, type EndpointInfo } from './endpointslice-cache';

export interface TrafficPolicies {
  internalPolicyLocal: boolean;
  /** externalTrafficPolicy Local on a service reachable from outside (a NodePort). */
  externalPolicyLocal: boolean;
  externallyAccessible: boolean;
}

export interface CategorizedEndpoints {
  clusterEndpoints: EndpointInfo[];
  localEndpoints: EndpointInfo[];
  allReachableEndpoints: EndpointInfo[];
  hasEndpoints: boolean;
}

/** Even with externalTrafficPolicy Local, an externally reachable port needs the cluster endpoints: pod and node traffic to a NodePort is short-circuited to them. */
export function usesClusterEndpoints(p: TrafficPolicies): boolean {
  return !p.internalPolicyLocal || p.externallyAccessible;
}

export function usesLocalEndpoints(p: TrafficPolicies): boolean {
  return p.internalPolicyLocal || (p.externallyAccessible && p.externalPolicyLocal);
}

const servingTerminating = (ep: EndpointInfo) => ep.serving && ep.terminating;

export function categorizeEndpoints(endpoints: EndpointInfo[], policies: TrafficPolicies): CategorizedEndpoints {
  let clusterEndpoints: EndpointInfo[] = [];
  let localEndpoints: EndpointInfo[] = [];
  let hasEndpoints = false;
  if (usesClusterEndpoints(policies)) {
    clusterEndpoints = endpoints.filter((ep) => ep.ready);
    if (clusterEndpoints.length === 0) clusterEndpoints = endpoints.filter(servingTerminating);
    hasEndpoints = clusterEndpoints.length > 0;
  }
  if (!usesLocalEndpoints(policies)) return { clusterEndpoints, localEndpoints, allReachableEndpoints: clusterEndpoints, hasEndpoints };

  if (endpoints.some((ep) => ep.ready || servingTerminating(ep))) hasEndpoints = true;
  localEndpoints = endpoints.filter((ep) => ep.isLocal && ep.ready);
  const localTerminating = localEndpoints.length === 0;
  if (localTerminating) localEndpoints = endpoints.filter((ep) => ep.isLocal && servingTerminating(ep));
  if (!usesClusterEndpoints(policies)) return { clusterEndpoints, localEndpoints, allReachableEndpoints: localEndpoints, hasEndpoints };

  // Cluster endpoints hold every ready endpoint, so they include the local ready ones; local
  // terminating endpoints may be missing from them.
  const all = new Map(clusterEndpoints.map((ep) => [ep.endpoint, ep]));
  if (localTerminating) for (const ep of localEndpoints) all.set(ep.endpoint, ep);
  return { clusterEndpoints, localEndpoints, allReachableEndpoints: sortEndpoints(all.values()), hasEndpoints };
}
