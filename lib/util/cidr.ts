// CIDR parsing for IPv4 and IPv6 (Go's net.ParseCIDR, as Kubernetes' netutils.ParseCIDRSloppy
// reads it): the network address, the prefix length, and containment between networks.
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  family: 4 | 6;
  /** The network address as a number (host bits cleared). */
  network: bigint;
  bits: number;
}

function ipToBigInt(ip: string): bigint | undefined {
  if (isIPv4(ip)) return ip.split('.').reduce((n, o) => (n << 8n) | BigInt(Number(o)), 0n);
  if (!isIPv6(ip)) return undefined;
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipToBigInt(v4[1])!;
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Parses "a.b.c.d/n" or "x::/n"; undefined when it is not a CIDR. */
export function parseCidr(value: string): Cidr | undefined {
  const slash = value.indexOf('/');
  if (slash < 0) return undefined;
  const ip = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  const family = isIPv4(ip) ? 4 : isIPv6(ip) ? 6 : undefined;
  if (!family || !/^\d{1,3}$/.test(prefix)) return undefined;
  const width = family === 4 ? 32 : 128;
  const bits = Number(prefix);
  if (bits > width) return undefined;
  const mask = ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  return { family, network: ipToBigInt(ip)! & mask, bits };
}

/** Whether `ip` (an address) lies in `cidr`. */
export function cidrContainsIP(cidr: Cidr, ip: string): boolean {
  const family = isIPv4(ip) ? 4 : isIPv6(ip) ? 6 : undefined;
  if (family !== cidr.family) return false;
  const width = family === 4 ? 32 : 128;
  return ipToBigInt(ip)! >> BigInt(width - cidr.bits) === cidr.network >> BigInt(width - cidr.bits);
}

/** Whether network `inner` starts inside `outer` (Go's outer.Contains(inner.IP)). */
export function cidrContainsNetwork(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family) return false;
  const width = outer.family === 4 ? 32 : 128;
  const shift = BigInt(width - outer.bits);
  return inner.network >> shift === outer.network >> shift;
}
