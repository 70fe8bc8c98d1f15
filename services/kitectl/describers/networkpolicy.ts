// `describe networkpolicy` as kubectl's describeNetworkPolicy prints it: the metadata ("Created
// on" in Go's time format), then "Spec:" with the pod selector, the ingress and egress rules
// (ports, "To Port Range" for one with an endPort, then each peer's selectors or ipBlock, rules
// separated by dashes) or "Not affecting
// ... traffic" for a direction the policy does not govern, and the policy types.
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '../../../lib/gen/kite/networking/v1/types';
import { formatSelector } from '../../../lib/printers/format';
import { DescribeWriter, writeAnnotations, writeLabels } from './describe-writer';

/** Go's time.Time String() of a whole-second UTC time: "2024-07-28 10:03:17 +0000 UTC". */
function goTime(timestamp: string | undefined): string {
  const d = new Date(timestamp ?? 0);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

interface Rule {
  ports: NetworkPolicyPort[];
  peers: NetworkPolicyPeer[];
}

/** kubectl's printNetworkPolicySpecIngressFrom / EgressTo. */
function writeRules(w: DescribeWriter, rules: Rule[], direction: 'ingress' | 'egress'): void {
  const indent = '    ';
  if (rules.length === 0) {
    w.write(0, `${indent}<none> (Selected pods are isolated for ${direction} connectivity)\n`);
    return;
  }
  const peerTitle = direction === 'ingress' ? 'From' : 'To';
  rules.forEach((rule, i) => {
    if (rule.ports.length === 0) w.write(0, `${indent}To Port: <any> (traffic allowed to all ports)\n`);
    for (const p of rule.ports) {
      const port: unknown = p.port;
      const shown = port === undefined || port === null ? '<nil>' : String(port);
      if (p.endPort === undefined || p.endPort === null) w.write(0, `${indent}To Port: ${shown}/${p.protocol || 'TCP'}\n`);
      else w.write(0, `${indent}To Port Range: ${shown}-${p.endPort}/${p.protocol || 'TCP'}\n`);
    }
    if (rule.peers.length === 0) {
      w.write(0, `${indent}${peerTitle}: <any> (traffic not restricted by ${direction === 'ingress' ? 'source' : 'destination'})\n`);
    }
    for (const peer of rule.peers) {
      w.write(0, `${indent}${peerTitle}:\n`);
      if (peer.namespaceSelector) w.write(1, `${indent}NamespaceSelector: ${formatSelector(peer.namespaceSelector)}\n`);
      if (peer.podSelector) w.write(1, `${indent}PodSelector: ${formatSelector(peer.podSelector)}\n`);
      if (!peer.namespaceSelector && !peer.podSelector && peer.ipBlock) {
        w.write(1, `${indent}IPBlock:\n`);
        w.write(2, `${indent}CIDR: ${peer.ipBlock.cidr}\n`);
        w.write(2, `${indent}Except: ${peer.ipBlock.except.join(', ')}\n`);
      }
    }
    if (i !== rules.length - 1) w.write(0, `${indent}----------\n`);
  });
}

export function describeNetworkPolicy(n: NetworkPolicy): string {
  const w = new DescribeWriter();
  const m = n.metadata;
  w.write(0, `Name:\t${m?.name}\n`);
  w.write(0, `Namespace:\t${m?.namespace}\n`);
  w.write(0, `Created on:\t${goTime(m?.creationTimestamp)}\n`);
  writeLabels(w, 'Labels', m?.labels);
  writeAnnotations(w, m?.annotations);
  const spec = n.spec ?? { ingress: [], egress: [], policyTypes: [] };
  w.write(0, 'Spec:\n');
  w.write(1, 'PodSelector: ');
  const sel = spec.podSelector;
  const empty = !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
  w.write(2, empty ? '<none> (Allowing the specific traffic to all pods in this namespace)\n' : `${formatSelector(sel)}\n`);
  if (spec.policyTypes.includes('Ingress')) {
    w.write(1, 'Allowing ingress traffic:\n');
    writeRules(w, spec.ingress.map((r) => ({ ports: r.ports, peers: r.from })), 'ingress');
  } else w.write(1, 'Not affecting ingress traffic\n');
  if (spec.policyTypes.includes('Egress')) {
    w.write(1, 'Allowing egress traffic:\n');
    writeRules(w, spec.egress.map((r) => ({ ports: r.ports, peers: r.to })), 'egress');
  } else w.write(1, 'Not affecting egress traffic\n');
  w.write(1, `Policy Types: ${spec.policyTypes.join(', ')}\n`);
  return w.toString();
}
