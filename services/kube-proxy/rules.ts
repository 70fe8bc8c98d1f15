// The iptables rules of kube-proxy's iptables mode, computed from service ports alone (a pure
// function, tested with golden outputs). Layout follows kube-proxy:
//   nat:    PREROUTING/OUTPUT -> KUBE-SERVICES -> KUBE-SVC-<hash> (one per service port;
//           KUBE-SVL-<hash> for internalTrafficPolicy Local) -> KUBE-SEP-<hash> (one per
//           endpoint, DNAT); KUBE-NODEPORTS last in KUBE-SERVICES -> KUBE-EXT-<hash> -> KUBE-SVC
//           or, for externalTrafficPolicy Local, KUBE-SVL;
//           KUBE-MARK-MASQ marks, KUBE-POSTROUTING masquerades what was marked.
//   filter: KUBE-SERVICES / KUBE-EXTERNAL-SERVICES REJECT ports with no usable endpoint, so
//           clients get "connection refused" at once instead of a timeout, and DROP those of a
//           Local policy with no endpoint on this node;
//           KUBE-CLUSTER-IPS-CHECK stops whatever still heads for the service range after DNAT
//           (as kube-proxy's nftables mode does in its cluster-ips-check chain), so no packet
//           to a ClusterIP leaves the node by its default route.
import { endpointChainName, externalChainName, localPolicyChainName, serviceChainName } from './chain-names';
import { jumpRule, type JumpRule } from './iptables/jump-rules';
import { RestoreTable } from './iptables/restore-payload';
import type { ServicePortInfo } from './service-ports';

export const masqueradeMark = '0x4000';

export interface RuleOptions {
  /** The cluster's pod CIDR: ClusterIP traffic from outside it is masqueraded. */
  clusterCIDR?: string;
  /** Masquerade all ClusterIP traffic (kube-proxy's --masquerade-all). */
  masqueradeAll?: boolean;
  /** Addresses NodePorts answer on; every local address when empty (kube-proxy's default). */
  nodeIPs?: string[];
  /** The Service ClusterIP range (the apiserver's --service-cluster-ip-range): nothing in it leaves the node. */
  serviceCIDR?: string;
}

/** The filter chain that rejects or drops what is still addressed to the service range after DNAT. */
export const clusterIPsCheckChain = 'KUBE-CLUSTER-IPS-CHECK';

export interface GeneratedRules {
  filter: RestoreTable;
  nat: RestoreTable;
  /** The KUBE-SVC-* and KUBE-SEP-* chains these rules use. */
  serviceChains: Set<string>;
  /** Per KUBE-SVC chain, the content of its chains, to pass as `unchanged` to the next call. */
  fingerprints: Map<string, string>;
}

/** Whether a nat chain is one of the per-service / per-endpoint chains kube-proxy owns. */
export function isServiceChain(chain: string): boolean {
  return /^KUBE-(SVC|SVL|EXT|SEP)-/.test(chain);
}

/** kube-proxy's probability format: enough digits that 1/n rounds the same way everywhere. */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

function quote(comment: string): string {
  return comment.includes(' ') || comment.includes('"') ? `"${comment.replace(/"/g, '\\"')}"` : comment;
}

/** Rules sending a policy chain (KUBE-SVC or KUBE-SVL) to endpoint chains: affinity first, then equal shares. */
function policyChainRules(sp: ServicePortInfo, chain: string, endpoints: string[], sepChain: (ep: string) => string): string[] {
  const rules: string[] = [];
  const n = endpoints.length;
  const comments = endpoints.map((ep) => quote(`${sp.name} -> ${ep}`));
  if (sp.affinitySeconds) {
    endpoints.forEach((ep, i) => {
      const sep = sepChain(ep);
      rules.push(`-A ${chain} -m comment --comment ${comments[i]} -m recent --name ${sep} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${sep}`);
    });
  }
  endpoints.forEach((ep, i) => {
    // Endpoint i of n is taken with probability 1/(n-i) among those left: equal shares overall.
    const statistic = i < n - 1 ? ` -m statistic --mode random --probability ${probability(n - i)}` : '';
    rules.push(`-A ${chain} -m comment --comment ${comments[i]}${statistic} -j ${sepChain(ep)}`);
  });
  return rules;
}

/** The chains of one service port as kube-proxy names them. */
function chainNames(sp: ServicePortInfo) {
  return {
    cluster: serviceChainName(sp.name, sp.protocol),
    local: localPolicyChainName(sp.name, sp.protocol),
    external: externalChainName(sp.name, sp.protocol),
  };
}

/**
 * The chains of one service port with their rules, as kube-proxy's syncProxyRules writes them:
 * KUBE-SVC (Cluster policy endpoints), KUBE-SVL (this node's endpoints, Local policies),
 * KUBE-EXT (NodePort traffic: masquerade, then the external policy's chain) and KUBE-SEP per
 * endpoint.
 */
function serviceChunk(sp: ServicePortInfo, names: ReturnType<typeof chainNames>, internalChain: string, proto: string, clusterDst: string, options: RuleOptions) {
  const rules: string[] = [];
  const chains: string[] = [];
  const sepChain = (ep: string) => endpointChainName(sp.name, sp.protocol, ep);
  const comment = quote(sp.name);
  const usesCluster = sp.clusterEndpoints.length > 0;
  const usesLocal = sp.localEndpoints.length > 0 && (sp.internalPolicyLocal || sp.externalPolicyLocal);
  const hasInternal = sp.internalPolicyLocal ? sp.localEndpoints.length > 0 : sp.hasEndpoints;
  const hasExternal = sp.externalPolicyLocal ? sp.localEndpoints.length > 0 : sp.hasEndpoints;

  const masquerade: string[] = [];
  if (hasInternal) {
    const clusterComment = quote(`${sp.name} cluster IP`);
    if (options.masqueradeAll) {
      masquerade.push(`-A ${internalChain} -m comment --comment ${clusterComment} ${proto} ${clusterDst} -j KUBE-MARK-MASQ`);
    } else if (options.clusterCIDR) {
      masquerade.push(`-A ${internalChain} -m comment --comment ${clusterComment} ${proto} ${clusterDst} ! -s ${options.clusterCIDR} -j KUBE-MARK-MASQ`);
    }
  }
  if (usesCluster) {
    chains.push(names.cluster);
    if (internalChain === names.cluster) rules.push(...masquerade);
    rules.push(...policyChainRules(sp, names.cluster, sp.clusterEndpoints, sepChain));
  }
  if (usesLocal) {
    chains.push(names.local);
    if (internalChain === names.local) rules.push(...masquerade);
    rules.push(...policyChainRules(sp, names.local, sp.localEndpoints, sepChain));
  }
  if (sp.nodePort && sp.hasEndpoints) {
    const ext = names.external;
    chains.push(ext);
    if (!sp.externalPolicyLocal) {
      // Cluster policy: the endpoint may be on another node, so the reply must come back through this one.
      rules.push(`-A ${ext} -m comment --comment ${quote(`masquerade traffic for ${sp.name} external destinations`)} -j KUBE-MARK-MASQ`);
      rules.push(`-A ${ext} -j ${names.cluster}`);
    } else {
      // Local policy keeps the client's address. Pods and the node itself reaching a NodePort
      // are short-circuited to all endpoints, as if they went out to a load balancer and back.
      if (options.clusterCIDR) {
        rules.push(`-A ${ext} -m comment --comment ${quote(`pod traffic for ${sp.name} external destinations`)} -s ${options.clusterCIDR} -j ${names.cluster}`);
      }
      rules.push(`-A ${ext} -m comment --comment ${quote(`masquerade LOCAL traffic for ${sp.name} external destinations`)} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`);
      rules.push(`-A ${ext} -m comment --comment ${quote(`route LOCAL traffic for ${sp.name} external destinations`)} -m addrtype --src-type LOCAL -j ${names.cluster}`);
      if (hasExternal) rules.push(`-A ${ext} -j ${names.local}`);
    }
  }
  for (const ep of sp.endpoints) {
    const sep = sepChain(ep);
    chains.push(sep);
    const ip = ep.slice(0, ep.lastIndexOf(':'));
    // Hairpin: a pod reaching itself through the service must see the reply come from the service.
    rules.push(`-A ${sep} -m comment --comment ${comment} -s ${ip}/32 -j KUBE-MARK-MASQ`);
    const affinity = sp.affinitySeconds ? ` -m recent --name ${sep} --set` : '';
    rules.push(`-A ${sep} -m comment --comment ${comment}${affinity} ${proto} -j DNAT --to-destination ${ep}`);
  }
  return { chains, rules, hasInternal, hasExternal };
}

/**
 * Rules for every service port. `unchanged` holds the fingerprints of the service chains as
 * they are in iptables now (from the last sync): a service whose chains would be written
 * identically is left out of the payload, since iptables-restore time grows with every chain
 * it declares.
 */
export function generateRules(ports: ServicePortInfo[], options: RuleOptions = {}, unchanged?: ReadonlyMap<string, string>): GeneratedRules {
  const filter = new RestoreTable('filter');
  const nat = new RestoreTable('nat');
  const serviceChains = new Set<string>();
  const fingerprints = new Map<string, string>();

  for (const chain of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', clusterIPsCheckChain]) filter.declareChain(chain);
  filter.rule('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules"', `-m mark --mark ${masqueradeMark}/${masqueradeMark} -j ACCEPT`);
  filter.rule('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule"', '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');

  for (const chain of ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING']) nat.declareChain(chain);
  nat.declareChunkDependency('KUBE-MARK-MASQ', [`-A KUBE-MARK-MASQ -j MARK --or-mark ${masqueradeMark}`]);
  nat.rule('-A KUBE-POSTROUTING', `-m mark ! --mark ${masqueradeMark}/${masqueradeMark} -j RETURN`);
  // Clear the mark so a packet re-entering the stack (e.g. through a tunnel) is not masqueraded twice.
  nat.rule('-A KUBE-POSTROUTING', `-j MARK --xor-mark ${masqueradeMark}`);
  nat.rule('-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE');

  for (const sp of ports) {
    const proto = `-m ${sp.protocol} -p ${sp.protocol}`;
    const clusterDst = `-d ${sp.clusterIP}/32 --dport ${sp.port}`;
    const names = chainNames(sp);
    const internalChain = sp.internalPolicyLocal ? names.local : names.cluster;
    const chunk = serviceChunk(sp, names, internalChain, proto, clusterDst, options);
    // No endpoints at all: REJECT (connection refused at once). Endpoints, but none on this node
    // for a Local policy: DROP, as kube-proxy does.
    const filterComment = quote(`${sp.name} has ${sp.hasEndpoints ? 'no local endpoints' : 'no endpoints'}`);
    const filterTarget = sp.hasEndpoints ? 'DROP' : 'REJECT';

    if (chunk.hasInternal) {
      nat.rule('-A KUBE-SERVICES -m comment --comment', quote(`${sp.name} cluster IP`), proto, clusterDst, '-j', internalChain);
    } else {
      filter.rule('-A KUBE-SERVICES -m comment --comment', filterComment, proto, clusterDst, `-j ${filterTarget}`);
    }
    if (sp.nodePort) {
      if (sp.hasEndpoints) nat.rule('-A KUBE-NODEPORTS -m comment --comment', quote(sp.name), proto, `--dport ${sp.nodePort}`, '-j', names.external);
      if (!chunk.hasExternal) {
        filter.rule('-A KUBE-EXTERNAL-SERVICES -m comment --comment', filterComment, '-m addrtype --dst-type LOCAL', proto, `--dport ${sp.nodePort}`, `-j ${filterTarget}`);
      }
    }
    if (chunk.chains.length === 0) continue;
    for (const c of chunk.chains) serviceChains.add(c);
    const fingerprint = chunk.rules.join('\n');
    fingerprints.set(names.cluster, fingerprint);
    if (unchanged?.get(names.cluster) !== fingerprint) nat.addChunk(chunk.chains, chunk.rules);
  }

  if (options.serviceCIDR) clusterIPsCheck(filter, options.serviceCIDR, ports);

  const nodePortsComment = '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"';
  if (options.nodeIPs?.length) {
    for (const ip of options.nodeIPs) nat.rule('-A KUBE-SERVICES', nodePortsComment, `-d ${ip}/32 -j KUBE-NODEPORTS`);
  } else {
    nat.rule('-A KUBE-SERVICES', nodePortsComment, '-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  }

  return { filter, nat, serviceChains, fingerprints };
}

/**
 * Filter sees packets after nat's DNAT, so a packet still addressed to the service range was
 * claimed by no service: a port a ClusterIP does not have is rejected, an address no Service
 * has is dropped (kube-proxy's nftables mode, "Reject traffic to invalid ports of ClusterIPs",
 * "Drop traffic to unallocated ClusterIPs").
 */
function clusterIPsCheck(filter: RestoreTable, serviceCIDR: string, ports: ServicePortInfo[]): void {
  filter.rule(`-A ${clusterIPsCheckChain} ! -d ${serviceCIDR} -j RETURN`);
  for (const ip of new Set(ports.map((sp) => sp.clusterIP))) {
    filter.rule(`-A ${clusterIPsCheckChain} -m comment --comment "reject traffic to invalid ports of ClusterIPs" -d ${ip}/32 -j REJECT`);
  }
  filter.rule(`-A ${clusterIPsCheckChain} -m comment --comment "drop traffic to unallocated ClusterIPs" -j DROP`);
}

/** Flushes and deletes the KUBE-SVC-/KUBE-SEP- chains among `existingChains` that the rules no longer use. */
export function deleteStaleChains(rules: GeneratedRules, existingChains: Iterable<string>): void {
  const stale = [...new Set(existingChains)].filter((c) => isServiceChain(c) && !rules.serviceChains.has(c)).sort();
  for (const chain of stale) rules.nat.deleteChain(chain);
}

/**
 * Jumps from the built-in chains into kube-proxy's chains, as iptables-save prints them. Those
 * going first stay ahead of every rule of others (Docker's accept rules for its bridge above
 * all), in this order. The cluster IPs check has no conntrack state match: a flow that began
 * before these rules existed was never NATed and must not go on leaving the node either.
 */
export const proxyJumpRules: JumpRule[] = [
  jumpRule('nat', 'PREROUTING', 'kubernetes service portals', 'KUBE-SERVICES'),
  jumpRule('nat', 'OUTPUT', 'kubernetes service portals', 'KUBE-SERVICES'),
  jumpRule('nat', 'POSTROUTING', 'kubernetes postrouting rules', 'KUBE-POSTROUTING'),
  jumpRule('filter', 'INPUT', 'kubernetes externally-visible service portals', 'KUBE-EXTERNAL-SERVICES', '-m conntrack --ctstate NEW'),
  jumpRule('filter', 'FORWARD', 'kubernetes service portals', 'KUBE-SERVICES', '-m conntrack --ctstate NEW'),
  jumpRule('filter', 'FORWARD', 'kubernetes cluster IPs check', clusterIPsCheckChain),
  jumpRule('filter', 'FORWARD', 'kubernetes forwarding rules', 'KUBE-FORWARD'),
  jumpRule('filter', 'OUTPUT', 'kubernetes service portals', 'KUBE-SERVICES', '-m conntrack --ctstate NEW'),
  jumpRule('filter', 'OUTPUT', 'kubernetes cluster IPs check', clusterIPsCheckChain),
];
