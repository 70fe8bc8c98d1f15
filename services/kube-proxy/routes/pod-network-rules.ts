// iptables rules of the pod network (kindnet's role): forwarding allowed for the cluster's pod
// subnet (Docker sets the FORWARD policy to DROP), and traffic from pods to anything outside
// the pod subnet masqueraded, while traffic to pods keeps its source IP.
import { jumpRule, type JumpRule } from '../iptables/jump-rules';
import { RestoreTable } from '../iptables/restore-payload';
import { masqueradeMark } from '../rules';

export const forwardChain = 'KITE-FORWARD';
export const masqueradeChain = 'KITE-MASQ';

export function podNetworkRules(podSubnet: string): { filter: RestoreTable; nat: RestoreTable } {
  const filter = new RestoreTable('filter');
  filter.declareChain(forwardChain);
  filter.rule(`-A ${forwardChain} -s ${podSubnet} -m comment --comment "kite pod network" -j ACCEPT`);
  filter.rule(`-A ${forwardChain} -d ${podSubnet} -m comment --comment "kite pod network" -j ACCEPT`);

  const nat = new RestoreTable('nat');
  nat.declareChain(masqueradeChain);
  // Marked traffic (hairpin, NodePort) is kube-proxy's to masquerade in KUBE-POSTROUTING.
  nat.rule(`-A ${masqueradeChain} -m mark --mark ${masqueradeMark}/${masqueradeMark} -j RETURN`);
  // ACCEPT ends the nat POSTROUTING walk, so Docker's own masquerade of its bridge subnet cannot NAT pod-to-pod traffic.
  nat.rule(`-A ${masqueradeChain} -d ${podSubnet} -m comment --comment "kite no NAT toward pods" -j ACCEPT`);
  nat.rule(`-A ${masqueradeChain} -s ${podSubnet} ! -d ${podSubnet} -m comment --comment "kite pod traffic leaving the pod network" -j MASQUERADE`);
  return { filter, nat };
}

/**
 * KITE-FORWARD goes last in FORWARD so kube-proxy's REJECT of services without endpoints
 * (filter KUBE-SERVICES) still sees pod traffic; KITE-MASQ goes first in POSTROUTING.
 */
export const podNetworkJumpRules: JumpRule[] = [
  jumpRule('filter', 'FORWARD', 'kite pod network forwarding', forwardChain, '', 'last'),
  jumpRule('nat', 'POSTROUTING', 'kite pod network masquerade', masqueradeChain),
];
