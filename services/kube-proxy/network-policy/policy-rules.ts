// The iptables rules of NetworkPolicy enforcement (pure, golden-tested), in the filter table
// and in chains of their own (KITE-NWPLCY-*), as Calico and the iptables designs before
// kube-network-policies do it:
//
//   FORWARD -> KITE-NWPLCY-FORWARD (first, above kube-proxy's jumps; bridged pod-to-pod traffic
//   passes FORWARD because the node sets net.bridge.bridge-nf-call-iptables=1)
//     ESTABLISHED,RELATED -> RETURN (replies and the rest of allowed connections)
//     -s <pod IP> -> KITE-NWPLCY-E-<hash> for each pod isolated for egress
//     -d <pod IP> -> KITE-NWPLCY-I-<hash> for each pod isolated for ingress
//   KITE-NWPLCY-I-/E-<hash>: one RETURN per allowed (peer, port); an ipBlock with excepts jumps
//   to KITE-NWPLCY-X-<hash>, which RETURNs for the excepts and otherwise marks the packet; at
//   the end, unmarked packets are dropped and the mark is cleared.
//
// RETURN rather than ACCEPT: an allowed packet goes on through the other direction's check,
// kube-proxy's rules and the pod network's. Only pods of this node have chains: the node of
// the source enforces egress, the node of the destination ingress.
import { createHash } from 'node:crypto';
import { RestoreTable } from '../iptables/restore-payload';
import { savedRules, type SavedTables } from '../iptables/save-parser';
import type { Allowed, IsolatedPod } from './allowed-traffic';

export const chainPrefix = 'KITE-NWPLCY-';
export const policyForwardChain = 'KITE-NWPLCY-FORWARD';
/** Set by an except chain when an ipBlock allows the packet; kube-proxy uses 0x4000 and 0x8000. */
export const allowMark = '0x10000';

const forwardJump = `-A FORWARD -m comment --comment "kite network policies" -j ${policyForwardChain}`;

/**
 * The restore lines that leave the jump from FORWARD present once and at the very top, above
 * kube-proxy's jumps too (as Calico puts its own): KUBE-FORWARD ACCEPTs marked NodePort and
 * hairpin traffic, which must not pass by the policies. Every other jump (kube-proxy's, the
 * route agent's) only needs to stay above rules of others, so moving this one up never makes
 * them move.
 */
export function forwardJumpFix(saved: SavedTables): string[] {
  const rules = savedRules(saved, 'filter', 'FORWARD');
  const existing = rules.filter((r) => r.endsWith(` -j ${policyForwardChain}`));
  if (rules[0] === forwardJump && existing.length === 1) return [];
  return [...existing.map((r) => `-D${r.slice(2)}`), `-I FORWARD 1${forwardJump.slice('-A FORWARD'.length)}`];
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').replace(/[-_]/g, '').slice(0, 12).toUpperCase();
}

/** KITE-NWPLCY-I-<hash> / -E-<hash>: the ingress or egress chain of one pod. */
export function podChainName(direction: 'ingress' | 'egress', namespace: string, name: string): string {
  return `${chainPrefix}${direction === 'ingress' ? 'I' : 'E'}-${hash(`${namespace}/${name}`)}`;
}

function portMatch(a: Allowed): string {
  if (!a.port) return '';
  const proto = a.port.protocol.toLowerCase();
  return a.port.port ? ` -p ${proto} -m ${proto} --dport ${a.port.port}` : ` -p ${proto}`;
}

/** The filter table of every isolated pod of the node; `chains` lists every chain it declares. */
export function networkPolicyRules(pods: IsolatedPod[]): { filter: RestoreTable; chains: Set<string> } {
  const filter = new RestoreTable('filter');
  const chains = new Set<string>([policyForwardChain]);
  filter.declareChain(policyForwardChain);
  filter.rule(`-A ${policyForwardChain} -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "replies of allowed connections" -j RETURN`);
  for (const direction of ['egress', 'ingress'] as const) {
    for (const pod of pods) {
      const allowed = pod[direction];
      if (!allowed) continue;
      const chain = podChainName(direction, pod.namespace, pod.name);
      const match = direction === 'ingress' ? `-d ${pod.ip}/32` : `-s ${pod.ip}/32`;
      filter.rule(`-A ${policyForwardChain} ${match} -m comment --comment "${pod.namespace}/${pod.name} ${direction}" -j ${chain}`);
      chains.add(chain);
      podChain(filter, chains, chain, direction, pod, allowed);
    }
  }
  return { filter, chains };
}

function podChain(filter: RestoreTable, chains: Set<string>, chain: string, direction: 'ingress' | 'egress', pod: IsolatedPod, allowed: Allowed[]): void {
  const rules: string[] = [];
  const exceptJumps: string[] = [];
  const peerFlag = direction === 'ingress' ? '-s' : '-d';
  allowed.forEach((a, i) => {
    const peer = a.peer.cidr ? ` ${peerFlag} ${a.peer.cidr}` : '';
    if (!a.peer.except?.length) {
      rules.push(`-A ${chain}${peer}${portMatch(a)} -j RETURN`);
      return;
    }
    const except = `${chainPrefix}X-${hash(`${chain} ${i} ${JSON.stringify(a)}`)}`;
    chains.add(except);
    filter.addChunk([except], [
      ...a.peer.except.map((e) => `-A ${except} ${peerFlag} ${e} -j RETURN`),
      `-A ${except} -j MARK --set-xmark ${allowMark}/${allowMark}`,
    ]);
    exceptJumps.push(`-A ${chain}${peer}${portMatch(a)} -j ${except}`);
  });
  const comment = `-m comment --comment "${pod.namespace}/${pod.name} ${direction}: no policy allows it"`;
  const tail = exceptJumps.length
    ? [`-A ${chain} -m mark ! --mark ${allowMark}/${allowMark} ${comment} -j DROP`, `-A ${chain} -j MARK --set-xmark 0x0/${allowMark}`]
    : [`-A ${chain} ${comment} -j DROP`];
  filter.addChunk([chain], [...rules, ...exceptJumps, ...tail]);
}
