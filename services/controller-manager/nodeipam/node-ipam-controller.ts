// Node IPAM (Kubernetes' range allocator): gives every node a pod subnet (spec.podCIDR and
// spec.podCIDRs) from --cluster-cidr in --node-cidr-mask-size blocks. Subnets nodes already have
// are marked used as the informer lists them, so a restart hands out no duplicates; a deleted
// node's subnet goes back to the pool.
import { isNotFound } from '../../../lib/api/errors';
import { Nodes } from '../../../lib/api/kinds';
import type { EventRecorder } from '../../../lib/events';
import type { Node } from '../../../lib/gen/kite/core/v1/types';
import type { Lister, SharedInformer } from '../../../lib/informer';
import { QueueController, type ControllerContext } from '../controller';
import { CidrFullError, CidrSet } from './cidr-set';

export interface NodeIpamOptions {
  /** --cluster-cidr */
  clusterCidr: string;
  /** --node-cidr-mask-size */
  nodeCidrMaskSize: number;
  workers: number;
}

export const DEFAULT_NODE_IPAM_OPTIONS: NodeIpamOptions = { clusterCidr: '10.244.0.0/16', nodeCidrMaskSize: 24, workers: 1 };

export class NodeIpamController extends QueueController<NodeIpamOptions> {
  readonly name = 'nodeipam';
  readonly cidrs: CidrSet;
  private readonly informer: SharedInformer<Node>;
  private readonly lister: Lister<Node>;
  /** Subnets taken for nodes whose update has not succeeded yet (kept across retries). */
  private readonly pending = new Map<string, string>();
  private readonly recorder: EventRecorder = this.ctx.recorder('cidrAllocator');

  constructor(
    ctx: ControllerContext,
    opts: Partial<NodeIpamOptions> = {},
  ) {
    super(ctx, 'node-ipam-controller', DEFAULT_NODE_IPAM_OPTIONS, opts);
    this.cidrs = new CidrSet(this.opts.clusterCidr, this.opts.nodeCidrMaskSize);
    this.informer = ctx.informers.forKind(Nodes);
    this.lister = this.informer.lister();
    this.informer.addEventHandler({
      onAdd: (n) => this.observe(n),
      onUpdate: (_o, n) => this.observe(n),
      onDelete: (n) => this.forget(n),
    });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.informer];
  }

  protected override beforeWorkers(): void {
    this.log.info({ clusterCidr: this.opts.clusterCidr, used: this.cidrs.usedCount(), size: this.cidrs.size() }, 'node CIDR pool restored');
  }

  private observe(node: Node): void {
    const cidr = node.spec?.podCIDR;
    if (cidr) {
      if (!this.cidrs.occupy(cidr)) this.log.warn({ node: node.metadata!.name, podCIDR: cidr }, 'node podCIDR is outside the cluster CIDR');
    } else {
      this.queue.add(node.metadata!.name);
    }
  }

  private forget(node: Node): void {
    const name = node.metadata!.name;
    if (node.spec?.podCIDR) this.cidrs.release(node.spec.podCIDR);
    const pending = this.pending.get(name);
    if (pending) this.cidrs.release(pending);
    this.pending.delete(name);
    // A subnet came free: nodes that found the pool full can have it.
    for (const n of this.lister.list()) if (!n.spec?.podCIDR) this.queue.add(n.metadata!.name);
  }

  async reconcile(name: string): Promise<void> {
    const node = this.lister.get(name);
    const pending = this.pending.get(name);
    if (!node) return;
    if (node.spec?.podCIDR) {
      // Already has one (perhaps not ours): ours goes back unless it is the same.
      if (pending && pending !== node.spec.podCIDR) this.cidrs.release(pending);
      this.pending.delete(name);
      this.cidrs.occupy(node.spec.podCIDR);
      return;
    }
    let cidr = pending;
    if (!cidr) {
      try {
        cidr = this.cidrs.allocateNext();
      } catch (err) {
        if (err instanceof CidrFullError) this.recorder.event(node, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
        throw err;
      }
      this.pending.set(name, cidr);
    }
    const next = structuredClone(node);
    next.spec!.podCIDR = cidr;
    next.spec!.podCIDRs = [cidr];
    try {
      await this.ctx.client.resource(Nodes).update(next);
    } catch (err) {
      if (isNotFound(err)) {
        this.cidrs.release(cidr);
        this.pending.delete(name);
        return;
      }
      throw err;
    }
    this.pending.delete(name);
    this.log.info({ node: name, podCIDR: cidr }, 'assigned pod CIDR');
  }
}
