// Simulated ("hollow") nodes, kubemark/kwok style: N nodes in one process that register, keep
// their Leases fresh, run the pods bound to them through Pending -> Running (pod IPs from the
// node's podCIDR) and finish their deletion. No containers run. One pod informer and one node
// informer serve every simulated node, so 1000 nodes cost little more than one.
import { isAlreadyExists, isConflict, isNotFound } from '../../../lib/api/errors';
import { Nodes, Pods, objectKey } from '../../../lib/api/kinds';
import type { Clientset } from '../../../lib/client/clientset';
import type { Lease } from '../../../lib/gen/kite/coordination/v1/lease';
import type { Node, Pod } from '../../../lib/gen/kite/core/v1/types';
import { InformerFactory } from '../../../lib/informer';
import { logger } from '../../../lib/log';
import { rfc3339, rfc3339Micro } from '../../../lib/util/time';
import { healthyConditions, newNode, newNodeLease, NODE_LEASE_NAMESPACE } from '../status/node';
import { simulatedRunningStatus } from '../status/pod';
import { PodIPAllocator } from './pod-ips';
import { SimulatedUsage } from './simulated-stats';
import { startStatsServer, type StatsServer } from './stats-server';

export interface HollowNodesOptions {
  count: number;
  namePrefix: string;
  /** Lease renewal period (kubelet: 10 s). */
  leaseRenewIntervalMs: number;
  leaseDurationSeconds: number;
  /** Node status (Ready heartbeat) period. */
  statusIntervalMs: number;
  /** Simulated time from bound to Running. */
  podStartDelayMs: number;
  capacity: { cpu: string; memory: string; pods: string };
  labels: Record<string, string>;
  /** Requests in flight at most, so thousands of nodes don't flood the apiserver. */
  maxInFlight: number;
  /**
   * Serve each node's stats (GetSummary, GetResourceMetrics: simulated-stats.ts) on an endpoint of
   * its own on this host, registered as the node's InternalIP and kubelet port, so the
   * metrics-scraper reaches it (kwok's nodes likewise share the kwok controller's address).
   * Unset, nodes have made-up addresses and no endpoint.
   */
  statsHost?: string;
}

export const DEFAULT_HOLLOW_OPTIONS: HollowNodesOptions = {
  count: 1,
  namePrefix: 'hollow-node-',
  leaseRenewIntervalMs: 10_000,
  leaseDurationSeconds: 40,
  statusIntervalMs: 60_000,
  podStartDelayMs: 0,
  capacity: { cpu: '4', memory: '16Gi', pods: '110' },
  labels: {},
  maxInFlight: 64,
};

interface NodeState {
  name: string;
  index: number;
  internalIP: string;
  lease?: Lease;
  ips?: PodIPAllocator;
  cidr?: string;
  podIPs: Map<string, string>;
  /** Heartbeats are suspended (tests simulate a dead node). */
  paused: boolean;
  stats?: StatsServer;
}

/** A counting semaphore. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}
  async run<R>(fn: () => Promise<R>): Promise<R> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export class HollowNodes {
  readonly opts: HollowNodesOptions;
  private readonly nodes = new Map<string, NodeState>();
  private readonly log = logger('hollow-nodes');
  private readonly limiter: Limiter;
  private readonly inFlight = new Set<string>();
  private readonly factory: InformerFactory;

  constructor(
    private readonly client: Clientset,
    opts: Partial<HollowNodesOptions> = {},
  ) {
    this.opts = { ...DEFAULT_HOLLOW_OPTIONS, ...opts };
    this.limiter = new Limiter(this.opts.maxInFlight);
    for (let i = 0; i < this.opts.count; i++) {
      const name = `${this.opts.namePrefix}${i}`;
      this.nodes.set(name, { name, index: i, internalIP: hollowNodeIP(i), podIPs: new Map(), paused: false });
    }
    this.factory = new InformerFactory((kind, scope) => client.resource(kind).listerWatcher(scope));
  }

  get nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  /** Stops (or resumes) a node's heartbeats, as if its agent died. */
  setPaused(name: string, paused: boolean): void {
    const n = this.nodes.get(name);
    if (n) n.paused = paused;
  }

  /** Registers the nodes, then keeps them alive until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.opts.statsHost !== undefined) await this.serveStats(this.opts.statsHost);
    await Promise.all([...this.nodes.values()].map((n) => this.limiter.run(() => this.register(n))));
    const nodeInformer = this.factory.forKind(Nodes);
    nodeInformer.addEventHandler({
      onAdd: (n) => this.onNode(n),
      onUpdate: (_o, n) => this.onNode(n),
    });
    const pods = this.factory.forKind(Pods, { fieldSelector: 'spec.nodeName!=' });
    pods.addEventHandler({
      onAdd: (p) => this.onPod(p),
      onUpdate: (_o, p) => this.onPod(p),
      onDelete: (p) => this.forgetPod(p),
    });
    this.factory.start(signal);
    await this.factory.waitForCacheSync(signal);
    this.log.info({ nodes: this.nodes.size }, 'hollow nodes registered');

    const leaseTimer = setInterval(() => this.each((n) => this.renewLease(n)), this.opts.leaseRenewIntervalMs);
    const statusTimer = setInterval(() => this.each((n) => this.postStatus(n)), this.opts.statusIntervalMs);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    clearInterval(leaseTimer);
    clearInterval(statusTimer);
    for (const n of this.nodes.values()) n.stats?.stop();
    await this.factory.stopped();
  }

  private async serveStats(host: string): Promise<void> {
    const pods = () => this.factory.forKind(Pods, { fieldSelector: 'spec.nodeName!=' });
    for (const n of this.nodes.values()) {
      const usage = new SimulatedUsage(Date.now());
      n.internalIP = host;
      n.stats = await startStatsServer(host, () => {
        const running = pods()
          .lister()
          .list()
          .filter((p) => p.spec?.nodeName === n.name && p.status?.phase === 'Running');
        return usage.summary(n.name, running, Date.now());
      });
    }
  }

  private each(fn: (n: NodeState) => Promise<void>): void {
    for (const n of this.nodes.values()) {
      if (n.paused) continue;
      void this.limiter.run(() => fn(n)).catch((err: Error) => this.log.warn({ node: n.name, err: err.message }, 'heartbeat failed'));
    }
  }

  private async register(n: NodeState): Promise<void> {
    const node = newNode({ name: n.name, internalIP: n.internalIP, kubeletPort: n.stats?.port, capacity: this.opts.capacity, labels: { 'kite.io/hollow-node': 'true', ...this.opts.labels } });
    try {
      await this.client.nodes.create(node);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      await this.postStatus(n);
    }
    await this.renewLease(n);
  }

  private async renewLease(n: NodeState): Promise<void> {
    const now = new Date();
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        if (!n.lease) {
          n.lease = await this.client.leases.get(n.name, NODE_LEASE_NAMESPACE).catch(async (err) => {
            if (!isNotFound(err)) throw err;
            return this.client.leases.create(newNodeLease(n.name, this.opts.leaseDurationSeconds, now));
          });
        }
        const next = structuredClone(n.lease);
        next.spec!.renewTime = rfc3339Micro(now);
        n.lease = await this.client.leases.update(next);
        return;
      } catch (err) {
        n.lease = undefined;
        if (!isConflict(err) && !isNotFound(err)) throw err;
      }
    }
  }

  private async postStatus(n: NodeState): Promise<void> {
    const node = await this.client.nodes.get(n.name);
    node.status!.conditions = healthyConditions(rfc3339(), node.status!.conditions);
    await this.client.nodes.updateStatus(node);
  }

  private onNode(node: Node): void {
    const n = this.nodes.get(node.metadata!.name);
    const cidr = node.spec?.podCIDR;
    if (n && cidr && cidr !== n.cidr) {
      n.cidr = cidr;
      n.ips = new PodIPAllocator(cidr);
    }
  }

  private onPod(pod: Pod): void {
    const n = this.nodes.get(pod.spec!.nodeName);
    if (!n) return;
    const key = objectKey(pod);
    if (this.inFlight.has(key)) return;
    if (pod.metadata!.deletionTimestamp) {
      this.track(key, () => this.finishDeletion(pod));
    } else if (pod.status?.phase === 'Pending') {
      this.track(key, async () => {
        if (this.opts.podStartDelayMs > 0) await new Promise((r) => setTimeout(r, this.opts.podStartDelayMs));
        await this.start(n, pod);
      });
    }
  }

  private track(key: string, fn: () => Promise<void>): void {
    this.inFlight.add(key);
    void this.limiter
      .run(fn)
      .catch((err: Error) => {
        if (!isNotFound(err)) this.log.warn({ pod: key, err: err.message }, 'pod sync failed');
      })
      .finally(() => this.inFlight.delete(key));
  }

  private async start(n: NodeState, pod: Pod): Promise<void> {
    const key = objectKey(pod);
    let ip = n.podIPs.get(key);
    if (!ip) {
      // Without node IPAM (no controller-manager) each node still gets its own /24.
      n.ips ??= new PodIPAllocator(`10.${128 + Math.floor(n.index / 256)}.${n.index % 256}.0/24`);
      ip = n.ips.allocate() ?? '0.0.0.0';
      n.podIPs.set(key, ip);
    }
    const next = structuredClone(pod);
    next.status = simulatedRunningStatus(pod, ip, n.internalIP, rfc3339());
    await this.client.pods.updateStatusWithoutReply(next);
  }

  private async finishDeletion(pod: Pod): Promise<void> {
    await this.client.pods.delete(pod.metadata!.name, {
      namespace: pod.metadata!.namespace,
      gracePeriodSeconds: 0,
      preconditions: { uid: pod.metadata!.uid },
    });
  }

  private forgetPod(pod: Pod): void {
    const n = this.nodes.get(pod.spec!.nodeName);
    const key = objectKey(pod);
    const ip = n?.podIPs.get(key);
    if (n && ip) {
      n.podIPs.delete(key);
      n.ips?.release(ip);
    }
  }
}

/** A made-up but unique InternalIP per simulated node. */
function hollowNodeIP(index: number): string {
  return `10.${200 + Math.floor(index / 65536)}.${Math.floor(index / 256) % 256}.${index % 256}`;
}
