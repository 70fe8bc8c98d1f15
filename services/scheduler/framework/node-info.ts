// A node as the scheduler sees it: the Node object plus running totals over the pods assigned
// to it (bound or assumed). Totals change by one pod at a time, so a Filter or Score call reads
// them in O(1) instead of summing over the node's pods.
import type { Node, Taint } from '../../../lib/gen/kite/core/v1/types';
import { parseQuantity } from '../../../lib/api/quantity';
import type { HostPort, PodInfo, Resources } from './pod-info';

export interface Allocatable extends Resources {
  pods: number;
}

export class NodeInfo {
  /** Undefined while pods are known to be bound to a node the cache has not seen yet. */
  node: Node | undefined;
  allocatable: Allocatable = { milliCPU: 0, memory: 0, pods: 0 };
  readonly requested: Resources = { milliCPU: 0, memory: 0 };
  readonly nonZeroRequested: Resources = { milliCPU: 0, memory: 0 };
  readonly pods = new Map<string, PodInfo>();
  /** The pods with any pod affinity or anti-affinity term (kube-scheduler's PodsWithAffinity). */
  readonly podsWithAffinity = new Map<string, PodInfo>();
  /** The pods with required anti-affinity terms (PodsWithRequiredAntiAffinity). */
  readonly podsWithRequiredAntiAffinity = new Map<string, PodInfo>();
  /** "protocol/port" -> host IP -> number of pods using it. */
  private readonly usedPorts = new Map<string, Map<string, number>>();

  constructor(readonly name: string) {}

  setNode(node: Node | undefined): void {
    this.node = node;
    const alloc = node?.status?.allocatable ?? {};
    this.allocatable = {
      milliCPU: alloc.cpu === undefined ? 0 : parseQuantity(alloc.cpu).milliValue(),
      memory: alloc.memory === undefined ? 0 : parseQuantity(alloc.memory).value(),
      pods: alloc.pods === undefined ? 0 : parseQuantity(alloc.pods).value(),
    };
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
    if (p.affinity) {
      this.podsWithAffinity.set(p.key, p);
      if (p.affinity.requiredAntiAffinity.length > 0) this.podsWithRequiredAntiAffinity.set(p.key, p);
    }
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
    if (p.affinity) {
      this.podsWithAffinity.delete(key);
      this.podsWithRequiredAntiAffinity.delete(key);
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
}
