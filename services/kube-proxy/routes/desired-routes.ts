// The routes a node needs so its pods reach pods on every other node, as kindnet keeps them:
// each other node's podCIDR via that node's InternalIP. Pure, so it is tested table-driven.
import type { Node } from '../../../lib/gen/kite/core/v1/types';

export interface Route {
  /** Destination CIDR: another node's podCIDR. */
  dst: string;
  /** Gateway: that node's InternalIP. */
  via: string;
}

const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const ipv4Cidr = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;

export function internalIP(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === 'InternalIP' && ipv4.test(a.address))?.address;
}

/** Routes to every other node's IPv4 pod CIDRs, sorted by destination; nodes without a podCIDR or InternalIP are skipped. */
export function desiredRoutes(selfName: string, nodes: Iterable<Node>): Route[] {
  const routes = new Map<string, Route>();
  for (const node of nodes) {
    if (node.metadata?.name === selfName) continue;
    const via = internalIP(node);
    if (!via) continue;
    const cidrs = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : [node.spec?.podCIDR ?? ''];
    for (const dst of cidrs) if (ipv4Cidr.test(dst)) routes.set(dst, { dst, via });
  }
  return [...routes.values()].sort((a, b) => (a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0));
}

/** What to change so `current` becomes `desired`. */
export function routeChanges(current: Route[], desired: Route[]): { replace: Route[]; remove: Route[] } {
  const have = new Map(current.map((r) => [r.dst, r.via]));
  const want = new Set(desired.map((r) => r.dst));
  return {
    replace: desired.filter((r) => have.get(r.dst) !== r.via),
    remove: current.filter((r) => !want.has(r.dst)),
  };
}
