// The node side of the kubelet: registers the Node (labels, taints, capacity, allocatable,
// addresses, kubelet endpoint), posts its status every nodeStatusUpdateFrequency (the Ready
// heartbeat) and right away when it changes, and renews its Lease in kube-node-lease.
import { isAlreadyExists, isConflict, isNotFound } from '../../../lib/api/errors';
import type { Clientset } from '../../../lib/client/clientset';
import type { Lease } from '../../../lib/gen/kite/coordination/v1/lease';
import { Node, type NodeStatus } from '../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../lib/log';
import { rfc3339, rfc3339Micro } from '../../../lib/util/time';
import type { KubeletConfig } from '../config';
import { healthyConditions, newNode, newNodeLease, NODE_LEASE_NAMESPACE, type NotReady } from '../status/node';
import type { Capacity } from './machine';
import { jsonEqual } from '../../../lib/util/json';

export interface NodeAgentOptions {
  config: KubeletConfig;
  client: Pick<Clientset, 'nodes' | 'leases'>;
  capacity: Capacity;
  allocatable: Capacity;
  nodeIP: string;
  /** The kubelet endpoint's port as others reach it. */
  kubeletPort: number;
  nodeInfo: Record<string, string>;
  /** Why the node is not ready now, or undefined when it is. */
  health: () => NotReady | undefined;
}

export class NodeAgent {
  private lease: Lease | undefined;
  private node: Node | undefined;
  private readonly log;
  private timers: NodeJS.Timeout[] = [];
  private lastHealth: string | undefined;
  private posting: Promise<void> | undefined;

  constructor(private readonly o: NodeAgentOptions) {
    this.log = logger('kubelet', { module: 'node', node: o.config.nodeName });
  }

  /** Creates the Node, or brings an existing one's labels and status up to date; then renews the Lease. */
  async register(): Promise<Node> {
    await this.ensureNode();
    await this.writeStatus();
    await this.renewLease();
    return this.node!;
  }

  private async ensureNode(): Promise<void> {
    const c = this.o.config;
    const desired = newNode({
      name: c.nodeName,
      internalIP: this.o.nodeIP,
      labels: c.nodeLabels,
      taints: c.registerWithTaints,
      capacity: this.o.capacity,
      allocatable: this.o.allocatable,
      kubeletPort: this.o.kubeletPort,
      nodeInfo: this.o.nodeInfo,
    });
    try {
      this.node = await this.o.client.nodes.create(desired);
      this.log.info({ capacity: this.o.capacity, allocatable: this.o.allocatable, ip: this.o.nodeIP }, 'node registered');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      let existing = await this.o.client.nodes.get(c.nodeName);
      const labels = { ...existing.metadata!.labels, ...desired.metadata!.labels };
      if (!jsonEqual(labels, existing.metadata!.labels)) {
        existing = await this.o.client.nodes.update({ ...existing, metadata: { ...existing.metadata!, labels } });
      }
      this.node = existing;
      this.log.info({ ip: this.o.nodeIP }, 'node already registered; updating its status');
    }
  }

  /** The Node as last read or written. */
  current(): Node | undefined {
    return this.node;
  }

  /** Tells the agent about a newer copy of its Node (from a watch). */
  observe(node: Node): void {
    if (!this.node || Number(node.metadata!.resourceVersion) > Number(this.node.metadata!.resourceVersion)) this.node = node;
  }

  /** Heartbeats until stop(). */
  start(): void {
    const c = this.o.config;
    const every = (ms: number, fn: () => Promise<void>, what: string) => {
      const t = setInterval(() => void fn().catch((err: Error) => this.log.warn({ err: err.message }, `${what} failed`)), ms);
      t.unref();
      this.timers.push(t);
    };
    every(c.nodeLeaseRenewIntervalMs, () => this.renewLease(), 'lease renewal');
    every(c.nodeStatusUpdateFrequencyMs, () => this.postStatus(), 'node status update');
    // Health changes (runtime down or back) are posted at once, not at the next heartbeat.
    every(Math.min(1_000, c.nodeStatusUpdateFrequencyMs), async () => {
      if (JSON.stringify(this.o.health()) !== this.lastHealth) await this.postStatus();
    }, 'node status update');
  }

  stop(): void {
    this.timers.forEach((t) => clearInterval(t));
    this.timers = [];
  }

  /** Posts the node's status; concurrent callers share one write. */
  postStatus(): Promise<void> {
    this.posting ??= this.writeStatus().finally(() => (this.posting = undefined));
    return this.posting;
  }

  private desiredStatus(prev: NodeStatus | undefined): NodeStatus {
    const health = this.o.health();
    this.lastHealth = JSON.stringify(health);
    const fresh = newNode({
      name: this.o.config.nodeName,
      internalIP: this.o.nodeIP,
      capacity: this.o.capacity,
      allocatable: this.o.allocatable,
      kubeletPort: this.o.kubeletPort,
      nodeInfo: this.o.nodeInfo,
    }).status!;
    return {
      ...fresh,
      phase: prev?.phase ?? '',
      images: prev?.images ?? [],
      conditions: healthyConditions(rfc3339(), prev?.conditions ?? [], health),
    };
  }

  private async writeStatus(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const node = this.node ?? (await this.o.client.nodes.get(this.o.config.nodeName));
      try {
        this.node = await this.o.client.nodes.updateStatus(Node.fromPartial({ ...node, status: this.desiredStatus(node.status) }));
        return;
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw err;
        this.node = undefined;
        // Deleted (e.g. by an admin): register again.
        if (isNotFound(err)) await this.ensureNode();
      }
    }
  }

  private async renewLease(): Promise<void> {
    const c = this.o.config;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        if (!this.lease) {
          this.lease = await this.o.client.leases.get(c.nodeName, NODE_LEASE_NAMESPACE).catch(async (err) => {
            if (!isNotFound(err)) throw err;
            return this.o.client.leases.create(newNodeLease(c.nodeName, c.nodeLeaseDurationSeconds));
          });
        }
        const next = structuredClone(this.lease);
        next.spec!.holderIdentity = c.nodeName;
        next.spec!.leaseDurationSeconds = c.nodeLeaseDurationSeconds;
        next.spec!.renewTime = rfc3339Micro(new Date());
        this.lease = await this.o.client.leases.update(next);
        return;
      } catch (err) {
        this.lease = undefined;
        if (!isConflict(err) && !isNotFound(err)) throw err;
      }
    }
  }
}
