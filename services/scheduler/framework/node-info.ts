// A node as the scheduler sees it: the Node object plus running totals over the pods assigned
// to it (bound or assumed). Totals change by one pod at a time, so a Filter or Score call reads
// them in O(1) instead of summing over the node's pods.
import type { Node, Taint } from '../../../lib/gen/kite/core/v1/types';
import { parseQuantity } from '../../../lib/api/quantity';
import type { HostPort, PodInfo, Resources } from './pod-info';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const REGION_LABEL = 'topology.kubernetes.io/region';

export interface Allocatable extends Resources {
  pods: number;
}

export class NodeInfo {
  /** Undefined while pods are known to be bound to a node the cache has not seen yet. */
  node: Node | undefined;
  allocatable: Allocatable = { milliCPU: 0, memory: 0, pods: 0 };
  /** "region\0zone" when the node carries topology labels, else "". */
  zoneKey = '';
  readonly requested: Resources = { milliCPU: 0, memory: 0 };
  readonly nonZeroRequested: Resources = { milliCPU: 0, memory: 0 };
  readonly pods = new Map<string, PodInfo>();
  /** "protocol/port" -> host IP -> number of pods using it. */
  private readonly usedPorts = new Map<string, Map<string, number>>();
  private readonly ownerCounts = new Map<string, number>();

  constructor(readonly name: string) {}

  setNode(node: Node | undefined): void {
    this.node = node;
    const alloc = node?.status?.allocatable ?? {};
    this.allocatable = {
      milliCPU: alloc.cpu === undefined ? 0 : parseQuantity(alloc.cpu).milliValue(),
      memory: alloc.memory === undefined ? 0 : parseQuantity(alloc.memory).value(),
      pods: alloc.pods === undefined ? 0 : parseQuantity(alloc.pods).value(),
    };
    const labels = node?.metadata?.labels ?? {};
    const zone = labels[ZONE_LABEL] ?? '';
    const region = labels[REGION_LABEL] ?? '';
    this.zoneKey = zone || region ? `${region}\0${zone}` : '';
  }

  get labels(): { [key: string]: string } {
    return this.node?.metadata?.labels ?? {};
  }

  get taints(): Taint[] {
    return this.node?.spec?.taints ?? [];
  }

  get podCount(): number {
    return this.pods.size;
  }

  addPod(p: PodInfo): void {
    this.pods.set(p.key, p);
    this.requested.milliCPU += p.requests.milliCPU;
    this.requested.memory += p.requests.memory;
    this.nonZeroRequested.milliCPU += p.nonZeroRequests.milliCPU;
    this.nonZeroRequested.memory += p.nonZeroRequests.memory;
    for (const hp of p.hostPorts) {
      const pk = `${hp.protocol}/${hp.port}`;
      let ips = this.usedPorts.get(pk);
      if (!ips) this.usedPorts.set(pk, (ips = new Map()));
      ips.set(hp.ip, (ips.get(hp.ip) ?? 0) + 1);
    }
    if (p.ownerKey) this.ownerCounts.set(p.ownerKey, (this.ownerCounts.get(p.ownerKey) ?? 0) + 1);
  }

  /** Removes the pod with `key`; returns false when it was not on this node. */
  removePod(key: string): boolean {
    const p = this.pods.get(key);
    if (!p) return false;
    this.pods.delete(key);
    this.requested.milliCPU -= p.requests.milliCPU;
    this.requested.memory -= p.requests.memory;
    this.nonZeroRequested.milliCPU -= p.nonZeroRequests.milliCPU;
    this.nonZeroRequested.memory -= p.nonZeroRequests.memory;
    for (const hp of p.hostPorts) {
      const pk = `${hp.protocol}/${hp.port}`;
      const ips = this.usedPorts.get(pk)!;
      const n = ips.get(hp.ip)! - 1;
      if (n > 0) ips.set(hp.ip, n);
      else ips.delete(hp.ip);
      if (ips.size === 0) this.usedPorts.delete(pk);
    }
    if (p.ownerKey) {
      const n = this.ownerCounts.get(p.ownerKey)! - 1;
      if (n > 0) this.ownerCounts.set(p.ownerKey, n);
      else this.ownerCounts.delete(p.ownerKey);
    }
    return true;
  }

  /**
   * Whether `hp` collides with a port in use: the wildcard address 0.0.0.0 collides with every
   * address on the same protocol/port, a specific address with itself and the wildcard.
   */
  portInUse(hp: HostPort): boolean {
    const ips = this.usedPorts.get(`${hp.protocol}/${hp.port}`);
    if (!ips) return false;
    return hp.ip === '0.0.0.0' || ips.has(hp.ip) || ips.has('0.0.0.0');
  }

  /** Pods on this node controlled by the owner with `ownerKey`. */
  ownerCount(ownerKey: string): number {
    return this.ownerCounts.get(ownerKey) ?? 0;
  }
}
