// The iptables rules of kube-proxy's iptables mode, computed from service ports alone (a pure
// function, tested with golden outputs). Layout follows kube-proxy:
//   nat:    PREROUTING/OUTPUT -> KUBE-SERVICES -> KUBE-SVC-<hash> (one per service port)
//           -> KUBE-SEP-<hash> (one per endpoint, DNAT); KUBE-NODEPORTS last in KUBE-SERVICES;
//           KUBE-MARK-MASQ marks, KUBE-POSTROUTING masquerades what was marked.
//   filter: KUBE-SERVICES / KUBE-EXTERNAL-SERVICES REJECT ports with no ready endpoint, so
//           clients get "connection refused" at once instead of a timeout;
//           KUBE-CLUSTER-IPS-CHECK stops whatever still heads for the service range after DNAT
//           (as kube-proxy's nftables mode does in its cluster-ips-check chain), so no packet
//           to a ClusterIP leaves the node by its default route.
import { endpointChainName, serviceChainName } from './chain-names';
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
  return chain.startsWith('KUBE-SVC-') || chain.startsWith('KUBE-SEP-');
}

/** kube-proxy's probability format: enough digits that 1/n rounds the same way everywhere. */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

function quote(comment: string): string {
  return comment.includes(' ') || comment.includes('"') ? `"${comment.replace(/"/g, '\\"')}"` : comment;
}

/** The KUBE-SVC chain of one service port and its KUBE-SEP chains, with their rules. */
function serviceChunk(sp: ServicePortInfo, svcChain: string, clusterComment: string, proto: string, clusterDst: string, options: RuleOptions) {
  const rules: string[] = [];
  const n = sp.endpoints.length;
  if (options.masqueradeAll) {
    rules.push(`-A ${svcChain} -m comment --comment ${clusterComment} ${proto} ${clusterDst} -j KUBE-MARK-MASQ`);
  } else if (options.clusterCIDR) {
    rules.push(`-A ${svcChain} -m comment --comment ${clusterComment} ${proto} ${clusterDst} ! -s ${options.clusterCIDR} -j KUBE-MARK-MASQ`);
  }
  const sepChains = sp.endpoints.map((ep) => endpointChainName(sp.name, sp.protocol, ep));
  const epComments = sp.endpoints.map((ep) => quote(`${sp.name} -> ${ep}`));
  if (sp.affinitySeconds) {
    sepChains.forEach((sep, i) => {
      rules.push(`-A ${svcChain} -m comment --comment ${epComments[i]} -m recent --name ${sep} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${sep}`);
    });
  }
  sepChains.forEach((sep, i) => {
    // Endpoint i of n is taken with probability 1/(n-i) among those left: equal shares overall.
    const statistic = i < n - 1 ? ` -m statistic --mode random --probability ${probability(n - i)}` : '';
    rules.push(`-A ${svcChain} -m comment --comment ${epComments[i]}${statistic} -j ${sep}`);
  });
  const comment = quote(sp.name);
  sp.endpoints.forEach((ep, i) => {
    const sep = sepChains[i];
    const ip = ep.slice(0, ep.lastIndexOf(':'));
    // Hairpin: a pod reaching itself through the service must see the reply come from the service.
    rules.push(`-A ${sep} -m comment --comment ${comment} -s ${ip}/32 -j KUBE-MARK-MASQ`);
    const affinity = sp.affinitySeconds ? ` -m recent --name ${sep} --set` : '';
    rules.push(`-A ${sep} -m comment --comment ${comment}${affinity} ${proto} -j DNAT --to-destination ${ep}`);
  });
  return { chains: [svcChain, ...sepChains], rules };
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
    if (sp.endpoints.length === 0) {
      filter.rule('-A KUBE-SERVICES -m comment --comment', quote(`${sp.name} has no endpoints`), proto, clusterDst, '-j REJECT');
      if (sp.nodePort) {
        filter.rule(
          '-A KUBE-EXTERNAL-SERVICES -m comment --comment', quote(`${sp.name} has no endpoints`),
          '-m addrtype --dst-type LOCAL', proto, `--dport ${sp.nodePort}`, '-j REJECT',
        );
      }
      continue;
    }

    const svcChain = serviceChainName(sp.name, sp.protocol);
    const clusterComment = quote(`${sp.name} cluster IP`);
    nat.rule('-A KUBE-SERVICES -m comment --comment', clusterComment, proto, clusterDst, '-j', svcChain);
    if (sp.nodePort) {
      // Traffic to a NodePort may come from anywhere: masquerade so replies return through this node.
      nat.rule('-A KUBE-NODEPORTS -m comment --comment', quote(sp.name), proto, `--dport ${sp.nodePort}`, '-j KUBE-MARK-MASQ');
      nat.rule('-A KUBE-NODEPORTS -m comment --comment', quote(sp.name), proto, `--dport ${sp.nodePort}`, '-j', svcChain);
    }

    const chunk = serviceChunk(sp, svcChain, clusterComment, proto, clusterDst, options);
    for (const c of chunk.chains) serviceChains.add(c);
    const fingerprint = chunk.rules.join('\n');
    fingerprints.set(svcChain, fingerprint);
    if (unchanged?.get(svcChain) !== fingerprint) nat.addChunk(chunk.chains, chunk.rules);
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
