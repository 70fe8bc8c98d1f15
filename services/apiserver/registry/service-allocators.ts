// ClusterIP and NodePort allocation. The apiserver is the only writer, so the allocation state is
// an in-memory bitmap rebuilt from the stored Services at start-up and kept in step with every
// create, update and delete (Kubernetes keeps the same bitmap in etcd).
import type { FieldCause } from '../../../lib/api/errors';
import type { Service } from '../../../lib/gen/kite/core/v1/types';

/**
 * A set of integers first..first+size-1 that hands out free members at random. The first
 * `staticBand` members are handed out only once the rest is full, so fixed values (a Service's
 * requested clusterIP, such as the cluster DNS Service's) find them free, as Kubernetes'
 * allocator with offset (KEP-3070) does.
 */
export class RangeAllocator {
  private readonly used = new Set<number>();

  constructor(
    readonly first: number,
    readonly size: number,
    readonly staticBand = 0,
  ) {}

  contains(n: number): boolean {
    return n >= this.first && n < this.first + this.size;
  }

  has(n: number): boolean {
    return this.used.has(n);
  }

  /** Claims n; false if it is outside the range or taken. */
  allocate(n: number): boolean {
    if (!this.contains(n) || this.used.has(n)) return false;
    this.used.add(n);
    return true;
  }

  /** Claims a free member at random, or undefined if the range is full. */
  allocateNext(): number | undefined {
    if (this.used.size >= this.size) return undefined;
    // A band as large as the range is none (NewAllocationMapWithOffset's plain random scan).
    const band = this.staticBand < this.size ? this.staticBand : 0;
    return this.scan(band, this.size - band) ?? this.scan(0, band);
  }

  /** Claims a free member among first+offset..first+offset+count-1, starting at a random one. */
  private scan(offset: number, count: number): number | undefined {
    const start = Math.floor(Math.random() * count);
    for (let i = 0; i < count; i++) {
      const n = this.first + offset + ((start + i) % count);
      if (!this.used.has(n)) {
        this.used.add(n);
        return n;
      }
    }
    return undefined;
  }

  release(n: number): void {
    this.used.delete(n);
  }

  free(): number {
    return this.size - this.used.size;
  }
}

export function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`invalid IPv4 address "${ip}"`);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

export function intToIp(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCIDR(cidr: string): { base: number; bits: number; size: number } {
  const m = cidr.match(/^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/);
  if (!m || Number(m[2]) > 30) throw new Error(`invalid CIDR "${cidr}" (an IPv4 CIDR of /30 or larger is required)`);
  const bits = Number(m[2]);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (ipToInt(m[1]) & mask) >>> 0, bits, size: 2 ** (32 - bits) };
}

export function parsePortRange(range: string): [number, number] {
  const m = range.match(/^(\d+)-(\d+)$/);
  if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) > 65535) throw new Error(`invalid port range "${range}" (expected e.g. 30000-32767)`);
  return [Number(m[1]), Number(m[2])];
}

/**
 * Kubernetes' calculateRangeOffset: the lower band of a Service IP range kept for static
 * addresses, size/16 bounded to 16..256 (none below 16 addresses); 256 for 10.96.0.0/12, so
 * 10.96.0.10 stays free for the cluster DNS Service.
 */
export function staticBandSize(rangeSize: number): number {
  if (rangeSize < 16) return 0;
  return Math.min(256, Math.max(16, Math.floor(rangeSize / 16)));
}

export interface Allocation {
  causes: FieldCause[];
  commit(): void;
  rollback(): void;
}

const needsNodePorts = (svc: Service) => svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';
const needsClusterIP = (svc: Service) => svc.spec?.type !== 'ExternalName' && svc.spec?.clusterIP !== 'None';
/** Kubernetes' NeedsHealthCheck: load balancers probe the nodes of a Local-policy Service. */
const needsHealthCheck = (svc: Service) => svc.spec?.type === 'LoadBalancer' && svc.spec?.externalTrafficPolicy === 'Local';

export class ServiceAllocators {
  readonly ips: RangeAllocator;
  readonly ports: RangeAllocator;
  readonly nodePortRange: [number, number];
  readonly serviceCIDR: string;

  constructor(serviceCIDR: string, nodePortRange: string) {
    const c = parseCIDR(serviceCIDR);
    // Network and broadcast addresses are never handed out.
    this.ips = new RangeAllocator(c.base + 1, c.size - 2, staticBandSize(c.size));
    this.nodePortRange = parsePortRange(nodePortRange);
    this.ports = new RangeAllocator(this.nodePortRange[0], this.nodePortRange[1] - this.nodePortRange[0] + 1);
    this.serviceCIDR = serviceCIDR;
  }

  /** The first address of the range, kept for the `kubernetes` service as Kubernetes does. */
  apiserverServiceIP(): string {
    return intToIp(this.ips.first);
  }

  /** Marks a stored service's IP and ports as used (start-up rebuild). */
  restore(svc: Service): void {
    if (svc.spec?.clusterIP && svc.spec.clusterIP !== 'None') this.ips.allocate(ipToInt(svc.spec.clusterIP));
    for (const p of svc.spec?.ports ?? []) if (p.nodePort) this.ports.allocate(p.nodePort);
    if (svc.spec?.healthCheckNodePort) this.ports.allocate(svc.spec.healthCheckNodePort);
  }

  /**
   * Fills in spec.clusterIP(s) and nodePorts, claiming them; with `old` (an update) keeps what
   * the old object held. On causes nothing stays claimed. Otherwise the caller calls commit()
   * once the write is stored (releasing what an update dropped) or rollback() if it failed.
   */
  allocate(svc: Service, old?: Service): Allocation {
    const spec = svc.spec;
    if (!spec) return { causes: [], commit: () => {}, rollback: () => {} };
    const claimedIPs: number[] = [];
    const claimedPorts: number[] = [];
    const causes: FieldCause[] = [];
    const oldPorts = new Set((old?.spec?.ports ?? []).map((p) => p.nodePort).filter((n) => n > 0));
    const oldIP = old?.spec?.clusterIP && old.spec.clusterIP !== 'None' ? old.spec.clusterIP : '';

    if (needsClusterIP(svc)) {
      if (old?.spec?.clusterIP && old.spec.clusterIP !== 'None') {
        spec.clusterIP = old.spec.clusterIP;
      } else if (spec.clusterIP) {
        const n = ipToInt(spec.clusterIP);
        if (!this.ips.contains(n)) causes.push({ field: 'spec.clusterIP', message: `Invalid value: "${spec.clusterIP}": provided IP is not in the valid range. The range of valid IPs is ${this.serviceCIDR}` });
        else if (!this.ips.allocate(n)) causes.push({ field: 'spec.clusterIP', message: `Invalid value: "${spec.clusterIP}": provided IP is already allocated` });
        else claimedIPs.push(n);
      } else {
        const n = this.ips.allocateNext();
        if (n === undefined) causes.push({ field: 'spec.clusterIP', message: `Internal error: range is full: no more IPs in ${this.serviceCIDR}` });
        else {
          claimedIPs.push(n);
          spec.clusterIP = intToIp(n);
        }
      }
      if (spec.clusterIP) spec.clusterIPs = [spec.clusterIP];
    }

    if (needsNodePorts(svc)) {
      spec.ports.forEach((p, i) => {
        if (p.nodePort && oldPorts.has(p.nodePort)) return;
        if (p.nodePort) {
          if (!this.ports.allocate(p.nodePort)) {
            causes.push({ field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: provided port is already allocated` });
          } else claimedPorts.push(p.nodePort);
        } else {
          const n = this.ports.allocateNext();
          if (n === undefined) causes.push({ field: `spec.ports[${i}].nodePort`, message: `Internal error: range is full: no more node ports in ${this.nodePortRange.join('-')}` });
          else {
            claimedPorts.push(n);
            p.nodePort = n;
          }
        }
      });
    } else {
      for (const p of spec.ports) p.nodePort = 0;
    }

    const oldHealthCheck = old?.spec?.healthCheckNodePort ?? 0;
    if (!needsHealthCheck(svc)) {
      spec.healthCheckNodePort = 0;
    } else if (oldHealthCheck && (!spec.healthCheckNodePort || spec.healthCheckNodePort === oldHealthCheck)) {
      spec.healthCheckNodePort = oldHealthCheck;
    } else if (spec.healthCheckNodePort) {
      const n = spec.healthCheckNodePort;
      if (!this.ports.contains(n)) causes.push({ field: 'spec.healthCheckNodePort', message: `Invalid value: ${n}: provided port is not in the valid range. The range of valid ports is ${this.nodePortRange.join('-')}` });
      else if (!this.ports.allocate(n)) causes.push({ field: 'spec.healthCheckNodePort', message: `Invalid value: ${n}: provided port is already allocated` });
      else claimedPorts.push(n);
    } else {
      const n = this.ports.allocateNext();
      if (n === undefined) causes.push({ field: 'spec.healthCheckNodePort', message: `Internal error: range is full: no more node ports in ${this.nodePortRange.join('-')}` });
      else {
        claimedPorts.push(n);
        spec.healthCheckNodePort = n;
      }
    }

    const rollback = () => {
      claimedIPs.forEach((n) => this.ips.release(n));
      claimedPorts.forEach((n) => this.ports.release(n));
    };
    if (causes.length > 0) rollback();
    const commit = () => {
      // Ports and the address an update dropped go back to the pool.
      const kept = new Set([...spec.ports.map((p) => p.nodePort), spec.healthCheckNodePort]);
      for (const n of oldPorts) if (!kept.has(n)) this.ports.release(n);
      if (oldHealthCheck && !kept.has(oldHealthCheck)) this.ports.release(oldHealthCheck);
      if (oldIP && spec.clusterIP !== oldIP) this.ips.release(ipToInt(oldIP));
    };
    return { causes, commit, rollback };
  }

  /** Returns a service's IP and ports to the pool (after delete or a failed create). */
  release(svc: Service): void {
    if (svc.spec?.clusterIP && svc.spec.clusterIP !== 'None') this.ips.release(ipToInt(svc.spec.clusterIP));
    for (const p of svc.spec?.ports ?? []) if (p.nodePort) this.ports.release(p.nodePort);
    if (svc.spec?.healthCheckNodePort) this.ports.release(svc.spec.healthCheckNodePort);
  }
}
