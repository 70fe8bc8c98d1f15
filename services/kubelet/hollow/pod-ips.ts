// Hands out pod IPs from a node's podCIDR (skipping the network, gateway and broadcast addresses).
export class PodIPAllocator {
  private next = 2;
  private readonly free: number[] = [];
  private readonly base: number;
  private readonly size: number;

  constructor(cidr: string) {
    const m = cidr.match(/^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/);
    if (!m) throw new Error(`invalid pod CIDR "${cidr}"`);
    this.base = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
    this.size = 2 ** (32 - Number(m[5]));
  }

  allocate(): string | undefined {
    const n = this.free.pop() ?? (this.next < this.size - 1 ? this.next++ : undefined);
    if (n === undefined) return undefined;
    const ip = (this.base + n) >>> 0;
    return [(ip >>> 24) & 255, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
  }

  release(ip: string): void {
    const p = ip.split('.').map(Number);
    const n = (((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0) - this.base;
    if (n >= 2 && n < this.size - 1) this.free.push(n);
  }
}
