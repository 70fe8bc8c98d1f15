// NetworkPolicy semantics, resolved to addresses (pure): for each pod of this node, whether it
// is isolated for ingress and for egress, and the traffic the union of the policies selecting it
// allows, as concrete peers (pod IPs or CIDRs with excepts) and ports (named ports resolved on
// the destination pod). Mirrors the Kubernetes NetworkPolicy concept page and what
// kube-network-policies (kindnet's network-policy controller) evaluates per packet:
// - a pod selected by no policy with a policy type is not isolated for that direction;
// - a rule with no peers allows every peer, with no ports every port;
// - podSelector alone selects pods of the policy's namespace, namespaceSelector alone every pod
//   of the selected namespaces, both together the selected pods of the selected namespaces;
// - hostNetwork pods are neither targets nor peers; only IPv4 is programmed (iptables).
import { isIPv4 } from 'node:net';
import { selectorFromLabelSelector } from '../../../lib/api/selectors';
import type { Namespace, Pod } from '../../../lib/gen/kite/core/v1/types';
import type { LabelSelector } from '../../../lib/gen/kite/meta/v1/meta';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '../../../lib/gen/kite/networking/v1/types';
import { cidrContainsIP, parseCidr } from '../../../lib/util/cidr';

/** The remote end of allowed traffic: a CIDR ("10.244.1.5/32" for a pod) minus excepts, or anything when absent. */
export interface AllowedPeer {
  cidr?: string;
  except?: string[];
}

/** A protocol and, optionally, a destination port or range ("80" or "8000:8080"). */
export interface AllowedPort {
  protocol: string;
  port?: string;
}

/** One allowed (peer, port) pair; no port means every protocol and port. */
export interface Allowed {
  peer: AllowedPeer;
  port?: AllowedPort;
}

/** A pod of this node that some policy isolates; `ingress`/`egress` undefined: not isolated that way. */
export interface IsolatedPod {
  namespace: string;
  name: string;
  ip: string;
  ingress?: Allowed[];
  egress?: Allowed[];
}

export interface PolicyInputs {
  nodeName: string;
  policies: Iterable<NetworkPolicy>;
  pods: Iterable<Pod>;
  namespaces: Iterable<Namespace>;
}

/** An absent podSelector is the empty one: every pod (of the namespace). */
const EMPTY_SELECTOR: LabelSelector = { matchLabels: {}, matchExpressions: [] };

/** A pod that takes part in policies: it has an IPv4 address, its own network, and is not finished. */
function podIP(pod: Pod): string | undefined {
  const ip = pod.status?.podIP;
  if (!ip || !isIPv4(ip) || pod.spec?.hostNetwork) return undefined;
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return undefined;
  return ip;
}

/** The effective policy types: as SetDefaults_NetworkPolicy when the stored object has none. */
export function policyTypes(policy: NetworkPolicy): string[] {
  const spec = policy.spec;
  if (!spec) return [];
  if (spec.policyTypes.length) return spec.policyTypes;
  return spec.egress.length ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** Every local pod isolated by at least one policy, with the traffic allowed to and from it. */
export function isolatedPods(inputs: PolicyInputs): IsolatedPod[] {
  const namespaces = new Map<string, Record<string, string>>();
  for (const ns of inputs.namespaces) namespaces.set(ns.metadata?.name ?? '', ns.metadata?.labels ?? {});
  const pods = [...inputs.pods].filter((p) => podIP(p) !== undefined);
  const policies = [...inputs.policies].sort((a, b) => key(a).localeCompare(key(b)));
  const ctx: Context = { namespaces, pods };

  const out: IsolatedPod[] = [];
  for (const pod of pods) {
    if (pod.spec?.nodeName !== inputs.nodeName) continue;
    const namespace = pod.metadata?.namespace ?? '';
    const labels = pod.metadata?.labels ?? {};
    const selecting = policies.filter((p) => p.metadata?.namespace === namespace && selectorFromLabelSelector(p.spec?.podSelector ?? EMPTY_SELECTOR).matches(labels));
    if (!selecting.length) continue;
    const isolated: IsolatedPod = { namespace, name: pod.metadata?.name ?? '', ip: podIP(pod)! };
    for (const policy of selecting) {
      const types = policyTypes(policy);
      if (types.includes('Ingress')) {
        isolated.ingress ??= [];
        for (const rule of policy.spec!.ingress) isolated.ingress.push(...ruleTraffic(ctx, namespace, rule.from, rule.ports, pod, 'ingress'));
      }
      if (types.includes('Egress')) {
        isolated.egress ??= [];
        for (const rule of policy.spec!.egress) isolated.egress.push(...ruleTraffic(ctx, namespace, rule.to, rule.ports, pod, 'egress'));
      }
    }
    if (isolated.ingress) isolated.ingress = unique(isolated.ingress);
    if (isolated.egress) isolated.egress = unique(isolated.egress);
    if (isolated.ingress || isolated.egress) out.push(isolated);
  }
  return out.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

interface Context {
  namespaces: Map<string, Record<string, string>>;
  pods: Pod[];
}

/** A resolved peer, with the pod behind it when it is one (egress named ports resolve on it). */
interface Peer extends AllowedPeer {
  pod?: Pod;
}

function key(p: NetworkPolicy): string {
  return `${p.metadata?.namespace}/${p.metadata?.name}`;
}

function ruleTraffic(ctx: Context, namespace: string, peers: NetworkPolicyPeer[], ports: NetworkPolicyPort[], target: Pod, direction: 'ingress' | 'egress'): Allowed[] {
  const resolvedPeers: Peer[] = peers.length ? peers.flatMap((p) => resolvePeer(ctx, namespace, p)) : [{}];
  if (!ports.length) return resolvedPeers.map(({ cidr, except }) => ({ peer: peerOf(cidr, except) }));
  const out: Allowed[] = [];
  for (const peer of resolvedPeers) {
    for (const port of ports) {
      const protocol = port.protocol || 'TCP';
      const value: unknown = port.port;
      if (value === undefined || value === null) out.push({ peer: peerOf(peer.cidr, peer.except), port: { protocol } });
      else if (typeof value === 'number') {
        const range = port.endPort !== undefined && port.endPort > value ? `${value}:${port.endPort}` : `${value}`;
        out.push({ peer: peerOf(peer.cidr, peer.except), port: { protocol, port: range } });
      } else if (direction === 'ingress') {
        // The destination is the isolated pod itself: its container port of that name and protocol.
        for (const n of namedPort(target, String(value), protocol)) out.push({ peer: peerOf(peer.cidr, peer.except), port: { protocol, port: `${n}` } });
      } else {
        // The destination is the peer: each pod it covers, with its own number for the name.
        for (const dest of peer.pod ? [peer.pod] : ctx.pods.filter((p) => peerCovers(peer, podIP(p)!))) {
          for (const n of namedPort(dest, String(value), protocol)) out.push({ peer: { cidr: `${podIP(dest)}/32` }, port: { protocol, port: `${n}` } });
        }
      }
    }
  }
  return out;
}

function peerOf(cidr: string | undefined, except: string[] | undefined): AllowedPeer {
  const peer: AllowedPeer = {};
  if (cidr) peer.cidr = cidr;
  if (except?.length) peer.except = except;
  return peer;
}

function resolvePeer(ctx: Context, namespace: string, peer: NetworkPolicyPeer): Peer[] {
  if (peer.ipBlock) {
    if (!isIPv4(peer.ipBlock.cidr.split('/')[0])) return [];
    return [{ cidr: peer.ipBlock.cidr, except: peer.ipBlock.except.filter((e) => isIPv4(e.split('/')[0])) }];
  }
  const podSelector = selectorFromLabelSelector(peer.podSelector ?? EMPTY_SELECTOR);
  const nsSelector = peer.namespaceSelector ? selectorFromLabelSelector(peer.namespaceSelector) : undefined;
  return ctx.pods
    .filter((p) => {
      const ns = p.metadata?.namespace ?? '';
      const inNamespace = nsSelector ? ctx.namespaces.has(ns) && nsSelector.matches(ctx.namespaces.get(ns)) : ns === namespace;
      return inNamespace && podSelector.matches(p.metadata?.labels ?? {});
    })
    .map((p) => ({ cidr: `${podIP(p)}/32`, pod: p }));
}

function peerCovers(peer: Peer, ip: string): boolean {
  if (!peer.cidr) return true;
  const within = (c: string) => {
    const parsed = parseCidr(c);
    return !!parsed && cidrContainsIP(parsed, ip);
  };
  return within(peer.cidr) && !(peer.except ?? []).some(within);
}

/** The numbers of a pod's container ports with this name and protocol (Kubernetes resolves names per pod). */
function namedPort(pod: Pod, name: string, protocol: string): number[] {
  const numbers = new Set<number>();
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports) if (p.name === name && (p.protocol || 'TCP') === protocol) numbers.add(p.containerPort);
  }
  return [...numbers].sort((a, b) => a - b);
}

function unique(list: Allowed[]): Allowed[] {
  const seen = new Map<string, Allowed>();
  for (const a of list) seen.set(JSON.stringify(a), a);
  return [...seen.values()];
}
