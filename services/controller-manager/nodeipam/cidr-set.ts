// The pool of per-node pod subnets carved out of the cluster CIDR (Kubernetes' cidrset):
// 10.244.0.0/16 with /24 blocks gives 256 subnets. A bitmap marks the used ones; allocation
// continues round-robin after the last one handed out, so a released subnet is not reused at
// once (its old routes may linger on other nodes).

export class CidrFullError extends Error {
  constructor(cluster: string) {
    super(`CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range ${cluster}`);
  }
}

function parseIPv4(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`invalid IPv4 address "${ip}"`);
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): { base: number; prefix: number } {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr.trim());
  if (!m || Number(m[2]) > 32) throw new Error(`invalid CIDR "${cidr}"`);
  const prefix = Number(m[2]);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (parseIPv4(m[1]) & mask) >>> 0, prefix };
}

/** Kubernetes refuses more than 2^16 node subnets per cluster CIDR. */
const MAX_SUBNET_BITS = 16;

export class CidrSet {
  private readonly base: number;
  private readonly prefix: number;
  private readonly used: Uint8Array;
  private next = 0;
  private count = 0;

  constructor(
    readonly clusterCidr: string,
    readonly maskSize: number,
  ) {
    const { base, prefix } = parseCidr(clusterCidr);
    if (maskSize < prefix || maskSize > 32) throw new Error(`node CIDR mask size /${maskSize} does not fit in the cluster CIDR ${clusterCidr}`);
    if (maskSize - prefix > MAX_SUBNET_BITS) throw new Error(`node CIDR mask size /${maskSize} is too big for ${clusterCidr}: at most 2^${MAX_SUBNET_BITS} subnets`);
    this.base = base;
    this.prefix = prefix;
    this.used = new Uint8Array(2 ** (maskSize - prefix));
  }

  /** How many subnets the pool has. */
  size(): number {
    return this.used.length;
  }

  /** How many are in use. */
  usedCount(): number {
    return this.count;
  }

  private cidrOf(index: number): string {
    return `${formatIPv4((this.base + index * 2 ** (32 - this.maskSize)) >>> 0)}/${this.maskSize}`;
  }

  /** The subnet indexes `cidr` covers, or undefined when it lies outside the cluster CIDR. */
  private indexes(cidr: string): [number, number] | undefined {
    const { base, prefix } = parseCidr(cidr);
    const clusterSize = 2 ** (32 - this.prefix);
    if (base < this.base || base >= this.base + clusterSize) return undefined;
    const blockBits = 32 - this.maskSize;
    const first = Math.floor((base - this.base) / 2 ** blockBits);
    const count = prefix >= this.maskSize ? 1 : 2 ** (this.maskSize - Math.max(prefix, this.prefix));
    return [first, Math.min(this.used.length, first + count)];
  }

  /** The next free subnet; throws CidrFullError when none is left. */
  allocateNext(): string {
    for (let i = 0; i < this.used.length; i++) {
      const index = (this.next + i) % this.used.length;
      if (this.used[index]) continue;
      this.used[index] = 1;
      this.count++;
      this.next = (index + 1) % this.used.length;
      return this.cidrOf(index);
    }
    throw new CidrFullError(this.clusterCidr);
  }

  /** Marks `cidr` (e.g. a node's existing podCIDR) as used; false if it is outside the pool. */
  occupy(cidr: string): boolean {
    const r = this.indexes(cidr);
    if (!r) return false;
    for (let i = r[0]; i < r[1]; i++) {
      if (!this.used[i]) this.count++;
      this.used[i] = 1;
    }
    return true;
  }

  release(cidr: string): void {
    const r = this.indexes(cidr);
    if (!r) return;
    for (let i = r[0]; i < r[1]; i++) {
      if (this.used[i]) this.count--;
      this.used[i] = 0;
    }
  }
}
