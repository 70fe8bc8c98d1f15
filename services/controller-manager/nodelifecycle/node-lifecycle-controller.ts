// The node lifecycle controller: every monitor period it checks each node's heartbeats (its
// Ready condition and its Lease in kube-node-lease); a node silent past the grace period gets
// Ready=Unknown. Node conditions are mirrored as NoSchedule taints (so nothing new lands on a
// sick node); a node that is not Ready also gets a NoExecute taint (unreachable for Unknown,
// not-ready for False), its pods are marked not ready, and the taint eviction manager deletes
// the pods that do not tolerate the taint long enough. Healthy nodes lose those taints.
import { isConflict, isNotFound } from '../../../lib/api/errors';
import { Leases, Nodes, Pods } from '../../../lib/api/kinds';
import type { EventRecorder } from '../../../lib/events';
import type { Lease } from '../../../lib/gen/kite/coordination/v1/lease';
import type { Node, Pod } from '../../../lib/gen/kite/core/v1/types';
import type { Lister, SharedInformer } from '../../../lib/informer';
import type { Logger } from '../../../lib/log';
import { rfc3339 } from '../../../lib/util/time';
import { realClock, sleep } from '../../../lib/util/clock';
import { BY_NODE_NAME, ensureIndex, nodeNameIndex } from '../common/indexes';
import { waitForSync, type Controller, type ControllerContext } from '../controller';
import { NodeHealthTracker, readyCondition } from './node-health';
import { TaintEvictionController } from './taint-eviction';
import { NOT_READY_TAINT_KEY, reconcileTaints, UNREACHABLE_TAINT_KEY } from './taints';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeLifecycleOptions {
  /** How often node health is checked (--node-monitor-period). */
  monitorPeriodMs: number;
  /** Silence before a node is Unknown (--node-monitor-grace-period). */
  monitorGracePeriodMs: number;
  /** Silence allowed to a node that never reported (--node-startup-grace-period). */
  startupGracePeriodMs: number;
  /**
   * Kubernetes' full-disruption mode: when no node at all is Ready the fault is more likely on
   * the control plane's side, so no node is tainted (and nothing evicted) until one recovers.
   */
  fullDisruptionProtection: boolean;
  /** Concurrent pod evictions. */
  evictionWorkers: number;
}

export const DEFAULT_NODE_LIFECYCLE_OPTIONS: NodeLifecycleOptions = {
  monitorPeriodMs: 5_000,
  monitorGracePeriodMs: 50_000,
  startupGracePeriodMs: 60_000,
  fullDisruptionProtection: true,
  evictionWorkers: 2,
};

type ReadyStatus = 'True' | 'False' | 'Unknown';

export class NodeLifecycleController implements Controller {
  readonly name = 'nodelifecycle';
  readonly taintEviction: TaintEvictionController;
  private readonly opts: NodeLifecycleOptions;
  private readonly nodeInformer: SharedInformer<Node>;
  private readonly leaseInformer: SharedInformer<Lease>;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly nodeLister: Lister<Node>;
  private readonly leaseLister: Lister<Lease>;
  private readonly podLister: Lister<Pod>;
  private readonly tracker: NodeHealthTracker;
  private readonly known = new Map<string, Node>();
  private readonly recorder: EventRecorder;
  private readonly log: Logger;
  private fullyDisrupted = false;

  constructor(
    private readonly ctx: ControllerContext,
    opts: Partial<NodeLifecycleOptions> = {},
  ) {
    this.opts = { ...DEFAULT_NODE_LIFECYCLE_OPTIONS, ...opts };
    this.recorder = ctx.recorder('node-controller');
    this.log = ctx.logger('node-lifecycle-controller');
    this.nodeInformer = ctx.informers.forKind(Nodes);
    this.leaseInformer = ctx.informers.forKind(Leases, { namespace: NODE_LEASE_NAMESPACE });
    this.podInformer = ctx.informers.forKind(Pods);
    ensureIndex(this.podInformer, BY_NODE_NAME, nodeNameIndex);
    this.nodeLister = this.nodeInformer.lister();
    this.leaseLister = this.leaseInformer.lister();
    this.podLister = this.podInformer.lister();
    this.tracker = new NodeHealthTracker(this.opts, () => ctx.now());
    this.taintEviction = new TaintEvictionController(ctx, this.recorder, this.log, this.opts.evictionWorkers);
  }

  async run(signal: AbortSignal): Promise<void> {
    if (!(await waitForSync([this.nodeInformer, this.leaseInformer, this.podInformer], signal))) return;
    const eviction = this.taintEviction.run(signal);
    while (!signal.aborted) {
      try {
        await this.monitorNodeHealth();
      } catch (err) {
        this.log.error({ err }, 'node health pass failed');
      }
      await sleep(this.ctx.clock ?? realClock, this.opts.monitorPeriodMs, signal);
    }
    await eviction;
  }

  /** One pass over all nodes (Kubernetes' monitorNodeHealth). */
  async monitorNodeHealth(): Promise<void> {
    const nodes = this.nodeLister.list();
    this.trackMembership(nodes);
    const results: { node: Node; observed: ReadyStatus; current: ReadyStatus | undefined }[] = [];
    for (const node of nodes) {
      try {
        results.push(await this.updateHealth(node));
      } catch (err) {
        if (!isNotFound(err)) this.log.error({ node: node.metadata!.name, err: (err as Error).message }, 'cannot update node health; no pods will be evicted');
      }
    }
    const allDown = results.length > 0 && results.every((r) => r.current !== 'True');
    const disrupted = this.opts.fullDisruptionProtection && allDown;
    if (disrupted !== this.fullyDisrupted) {
      this.fullyDisrupted = disrupted;
      if (disrupted) this.log.warn('no node is Ready: entering full disruption mode (no tainting, no evictions)');
      else this.log.info('a node is Ready again: leaving full disruption mode');
    }
    for (const r of results) {
      const name = r.node.metadata!.name;
      try {
        // Never reported and still within its startup grace: no NoExecute verdict yet.
        await this.setTaints(r.node, disrupted || !r.current ? 'True' : r.current);
        if (!r.current) continue;
        if (r.current === 'True') continue;
        if (r.observed === 'True') this.recorder.event(r.node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        await this.markPodsNotReady(name);
      } catch (err) {
        this.log.error({ node: name, err: (err as Error).message }, 'cannot update node taints or pods; will retry');
      }
    }
  }

  private trackMembership(nodes: Node[]): void {
    const names = new Set(nodes.map((n) => n.metadata!.name));
    for (const node of nodes) {
      const name = node.metadata!.name;
      if (this.known.has(name)) continue;
      this.known.set(name, node);
      this.recorder.event(node, 'Normal', 'RegisteredNode', `Registered Node ${name} in Controller`);
    }
    for (const [name, node] of this.known) {
      if (names.has(name)) continue;
      this.known.delete(name);
      this.tracker.forget(name);
      this.recorder.event(node, 'Normal', 'RemovingNode', `Removing Node ${name} from Controller`);
    }
  }

  private async updateHealth(node: Node): Promise<{ node: Node; observed: ReadyStatus; current: ReadyStatus | undefined }> {
    const name = node.metadata!.name;
    const lease = this.leaseLister.namespace(NODE_LEASE_NAMESPACE).get(name);
    const observed = (readyCondition(node)?.status ?? 'Unknown') as ReadyStatus;
    const current = (n: Node) => readyCondition(n)?.status as ReadyStatus | undefined;
    const client = this.ctx.client.resource(Nodes);
    let silenced = this.tracker.observe(node, lease);
    if (!silenced) return { node, observed, current: current(node) };
    let updated: Node;
    try {
      updated = await client.updateStatus(silenced);
    } catch (err) {
      if (!isConflict(err)) throw err;
      // The node changed meanwhile (maybe it came back): judge the fresh copy.
      const fresh = await client.get(name);
      silenced = this.tracker.observe(fresh, lease);
      if (!silenced) return { node: fresh, observed, current: current(fresh) };
      updated = await client.updateStatus(silenced);
    }
    this.log.info({ node: name }, 'node stopped posting status; Ready set to Unknown');
    return { node: updated, observed, current: 'Unknown' };
  }

  /**
   * Writes the managed taints if they differ: NoSchedule ones from the node's conditions, and
   * the NoExecute one for `ready` (none when True).
   */
  private async setTaints(node: Node, ready: ReadyStatus): Promise<void> {
    const noExecute = ready === 'False' ? NOT_READY_TAINT_KEY : ready === 'Unknown' ? UNREACHABLE_TAINT_KEY : undefined;
    const client = this.ctx.client.resource(Nodes);
    let cur = node;
    for (let attempt = 0; ; attempt++) {
      const now = rfc3339(new Date(this.ctx.now()));
      const taints = reconcileTaints(cur.spec?.taints ?? [], cur.status?.conditions ?? [], cur.spec?.unschedulable ?? false, noExecute, now);
      if (!taints) return;
      const next = structuredClone(cur);
      next.spec!.taints = taints;
      try {
        await client.update(next);
        this.log.info({ node: cur.metadata!.name, taints: taints.map((t) => `${t.key}:${t.effect}`) }, 'node taints updated');
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 2) throw err;
        cur = await client.get(cur.metadata!.name);
      }
    }
  }

  /** Sets Ready=False on the node's pods (Kubernetes' MarkPodsNotReady), so Services drop them. */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    const client = this.ctx.client.resource(Pods);
    const now = rfc3339(new Date(this.ctx.now()));
    const errors: Error[] = [];
    for (const pod of this.podLister.byIndex(BY_NODE_NAME, nodeName)) {
      // A terminating pod is out of every Service already; writing it would only race its deletion.
      if (pod.metadata!.deletionTimestamp) continue;
      const ready = pod.status?.conditions.find((c) => c.type === 'Ready');
      if (!ready || ready.status === 'False') continue;
      const next = structuredClone(pod);
      const c = next.status!.conditions.find((x) => x.type === 'Ready')!;
      c.status = 'False';
      c.lastTransitionTime = now;
      try {
        await client.updateStatus(next);
        this.recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (err) {
        if (!isNotFound(err)) errors.push(err as Error);
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}
