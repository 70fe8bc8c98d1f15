// The scheduler's view of the cluster: nodes and the pods assigned to them, including pods it
// has assumed onto a node but not yet seen bound. Assume when a placement is chosen (before the
// bind call returns), so the next cycle already counts the pod; confirm when the informer
// delivers the bound pod; forget when the bind fails. An assumed pod whose binding finished but
// that the informer never confirms expires after `assumedPodTtlMs`.
//
// The scheduling cycle runs synchronously between two informer events, so the cache itself is
// the cycle's snapshot: nothing can change it while filters and scores read it.
import { logger } from '../../../lib/log';
import type { Node } from '../../../lib/gen/kite/core/v1/types';
import type { Clock } from '../../../lib/util/clock';
import { NodeInfo } from '../framework/node-info';
import type { PodInfo } from '../framework/pod-info';

const log = logger('scheduler', { part: 'cache' });

export class SchedulerCache {
  /** Every NodeInfo, including placeholders for nodes that pods name but the cache has not seen. */
  private readonly nodes = new Map<string, NodeInfo>();
  /** NodeInfos of known nodes, in a stable order for round-robin scanning. */
  private readonly list: NodeInfo[] = [];
  private readonly listIndex = new Map<string, number>();
  /** Pod key -> the node it is on (bound or assumed). */
  private readonly podNodes = new Map<string, string>();
  /** Assumed pod key -> expiry time; Infinity until its binding finishes. */
  private readonly assumed = new Map<string, number>();
  /** Nodes holding pods with pod affinity terms, and with required anti-affinity terms. */
  private readonly withAffinity = new Set<NodeInfo>();
  private readonly withRequiredAntiAffinity = new Set<NodeInfo>();

  constructor(
    private readonly clock: Clock,
    /** 0 = assumed pods never expire. */
    private readonly assumedPodTtlMs = 30_000,
  ) {}

  /** Known nodes, in scan order. Read-only for callers. */
  nodeInfos(): readonly NodeInfo[] {
    return this.list;
  }

  nodeCount(): number {
    return this.list.length;
  }

  /** Nodes with pods that have pod affinity or anti-affinity terms (kube-scheduler's HavePodsWithAffinityList). */
  havePodsWithAffinity(): Iterable<NodeInfo> {
    return this.withAffinity;
  }

  /** Nodes with pods that have required anti-affinity terms (HavePodsWithRequiredAntiAffinityList). */
  havePodsWithRequiredAntiAffinity(): Iterable<NodeInfo> {
    return this.withRequiredAntiAffinity;
  }

  getNodeInfo(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  addNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const ni = this.nodeInfo(name);
    ni.setNode(node);
    if (!this.listIndex.has(name)) {
      this.listIndex.set(name, this.list.length);
      this.list.push(ni);
    }
  }

  updateNode(node: Node): void {
    this.addNode(node);
  }

  removeNode(name: string): void {
    const ni = this.nodes.get(name);
    if (!ni) return;
    const i = this.listIndex.get(name);
    if (i !== undefined) {
      const last = this.list.pop()!;
      if (last !== ni) {
        this.list[i] = last;
        this.listIndex.set(last.name, i);
      }
      this.listIndex.delete(name);
    }
    // Pods still on a removed node stay accounted until their own delete events arrive.
    ni.setNode(undefined);
    if (ni.podCount === 0) this.nodes.delete(name);
  }

  isAssumed(key: string): boolean {
    return this.assumed.has(key);
  }

  /** Places a pod the scheduler chose a node for; `pod` must already name that node. */
  assumePod(pod: PodInfo): void {
    if (this.podNodes.has(pod.key)) throw new Error(`pod ${pod.key} is already in the scheduler cache`);
    this.place(pod);
    this.assumed.set(pod.key, Infinity);
  }

  /** The bind call returned; start the expiry clock for the informer's confirmation. */
  finishBinding(key: string): void {
    if (!this.assumed.has(key)) return;
    this.assumed.set(key, this.assumedPodTtlMs > 0 ? this.clock.now() + this.assumedPodTtlMs : Infinity);
  }

  /** Undoes assumePod after a failed bind. */
  forgetPod(key: string): void {
    if (!this.assumed.delete(key)) return;
    this.unplace(key);
  }

  /** An assigned pod from the informer: confirms an assumption, or adds (or moves) the pod. */
  addPod(pod: PodInfo): void {
    this.assumed.delete(pod.key);
    this.unplace(pod.key);
    this.place(pod);
  }

  updatePod(pod: PodInfo): void {
    this.addPod(pod);
  }

  removePod(key: string): void {
    this.assumed.delete(key);
    this.unplace(key);
  }

  /** Drops assumed pods whose binding finished more than the TTL ago without confirmation. */
  cleanupExpiredAssumedPods(): void {
    const now = this.clock.now();
    for (const [key, deadline] of this.assumed) {
      if (deadline > now) continue;
      log.warn({ pod: key }, 'assumed pod expired without the informer confirming its binding');
      this.assumed.delete(key);
      this.unplace(key);
    }
  }

  private nodeInfo(name: string): NodeInfo {
    let ni = this.nodes.get(name);
    if (!ni) this.nodes.set(name, (ni = new NodeInfo(name)));
    return ni;
  }

  private place(pod: PodInfo): void {
    const ni = this.nodeInfo(pod.nodeName);
    ni.addPod(pod);
    this.podNodes.set(pod.key, pod.nodeName);
    if (pod.affinity) this.trackAffinity(ni);
  }

  private trackAffinity(ni: NodeInfo): void {
    if (ni.podsWithAffinity.size > 0) this.withAffinity.add(ni);
    else this.withAffinity.delete(ni);
    if (ni.podsWithRequiredAntiAffinity.size > 0) this.withRequiredAntiAffinity.add(ni);
    else this.withRequiredAntiAffinity.delete(ni);
  }

  private unplace(key: string): void {
    const nodeName = this.podNodes.get(key);
    if (nodeName === undefined) return;
    this.podNodes.delete(key);
    const ni = this.nodes.get(nodeName)!;
    const hadAffinity = ni.podsWithAffinity.has(key);
    ni.removePod(key);
    if (hadAffinity) this.trackAffinity(ni);
    if (ni.podCount === 0 && ni.node === undefined) this.nodes.delete(nodeName);
  }
}
