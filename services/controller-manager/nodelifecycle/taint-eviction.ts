// The taint eviction manager (Kubernetes' NoExecuteTaintManager): a pod on a node with
// NoExecute taints is deleted at once if it does not tolerate one of them, or once the shortest
// tolerationSeconds of the tolerations it relies on has passed since the taint was added.
// Pods that tolerate every taint forever stay.
import { isNotFound } from '../../../lib/api/errors';
import { Nodes, objectKey, Pods } from '../../../lib/api/kinds';
import type { EventRecorder } from '../../../lib/events';
import type { Node, Pod, Taint } from '../../../lib/gen/kite/core/v1/types';
import type { Lister, SharedInformer } from '../../../lib/informer';
import type { Logger } from '../../../lib/log';
import { parseTime } from '../../../lib/util/time';
import { RateLimitingQueue, runWorkers, type ReconcileResult } from '../../../lib/workqueue';
import { canonicalJson } from '../../../lib/util/json';
import { BY_NODE_NAME, ensureIndex, nodeNameIndex } from '../common/indexes';
import type { ControllerContext } from '../controller';
import { isNoExecute, tolerates } from './taints';

/**
 * When `pod` must leave a node with `taints` (ms since the epoch): now-ish (-Infinity) if a
 * taint is not tolerated, Infinity if every taint is tolerated forever. `addedAt` gives a taint's
 * start when it carries no timeAdded.
 */
export function evictionTime(pod: Pod, taints: Taint[], addedAt: (t: Taint) => number): number {
  let deadline = Infinity;
  for (const taint of taints.filter(isNoExecute)) {
    // As Kubernetes, the first toleration that matches a taint is the one that counts.
    const tol = (pod.spec?.tolerations ?? []).find((t) => tolerates(t, taint));
    if (!tol) return -Infinity;
    if (tol.tolerationSeconds === undefined) continue;
    const start = parseTime(taint.timeAdded);
    const from = Number.isNaN(start) ? addedAt(taint) : start;
    deadline = Math.min(deadline, from + Math.max(0, tol.tolerationSeconds) * 1000);
  }
  return deadline;
}

export class TaintEvictionController {
  readonly queue: RateLimitingQueue;
  readonly podInformer: SharedInformer<Pod>;
  readonly nodeInformer: SharedInformer<Node>;
  private readonly podLister: Lister<Pod>;
  private readonly nodeLister: Lister<Node>;
  /** When taints without timeAdded were first seen, by node/key. */
  private readonly firstSeen = new Map<string, number>();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly recorder: EventRecorder,
    private readonly log: Logger,
    private readonly workers = 2,
  ) {
    this.queue = new RateLimitingQueue({ clock: ctx.clock });
    this.podInformer = ctx.informers.forKind(Pods);
    this.nodeInformer = ctx.informers.forKind(Nodes);
    ensureIndex(this.podInformer, BY_NODE_NAME, nodeNameIndex);
    this.podLister = this.podInformer.lister();
    this.nodeLister = this.nodeInformer.lister();
    this.podInformer.addEventHandler({
      onAdd: (p) => this.enqueuePod(p),
      onUpdate: (o, p) => {
        if (o.spec?.nodeName !== p.spec?.nodeName || canonicalJson(o.spec?.tolerations) !== canonicalJson(p.spec?.tolerations)) this.enqueuePod(p);
      },
    });
    this.nodeInformer.addEventHandler({
      onAdd: (n) => this.enqueueNode(n),
      onUpdate: (o, n) => {
        if (canonicalJson(o.spec?.taints.filter(isNoExecute)) !== canonicalJson(n.spec?.taints.filter(isNoExecute))) this.enqueueNode(n);
      },
      onDelete: (n) => {
        for (const key of [...this.firstSeen.keys()]) if (key.startsWith(`${n.metadata!.name}/`)) this.firstSeen.delete(key);
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this.workers, (key) => this.reconcile(key), { signal, logger: this.log });
  }

  private enqueuePod(pod: Pod): void {
    if (pod.spec?.nodeName) this.queue.add(objectKey(pod));
  }

  private enqueueNode(node: Node): void {
    if (!node.spec?.taints.some(isNoExecute)) return;
    for (const pod of this.podLister.byIndex(BY_NODE_NAME, node.metadata!.name)) this.queue.add(objectKey(pod));
  }

  private taintStart(node: Node, taint: Taint): number {
    const key = `${node.metadata!.name}/${taint.key}=${taint.value}:${taint.effect}`;
    let t = this.firstSeen.get(key);
    if (t === undefined) this.firstSeen.set(key, (t = this.ctx.now()));
    return t;
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const pod = this.podLister.get(key);
    if (!pod?.spec?.nodeName || pod.metadata!.deletionTimestamp) return;
    const node = this.nodeLister.get(pod.spec.nodeName);
    const taints = node?.spec?.taints.filter(isNoExecute) ?? [];
    if (!node || taints.length === 0) return;
    const at = evictionTime(pod, taints, (t) => this.taintStart(node, t));
    if (at === Infinity) return;
    const wait = at - this.ctx.now();
    if (wait > 0) return { requeueAfter: wait };
    const m = pod.metadata!;
    this.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${m.namespace}/${m.name}`);
    try {
      await this.ctx.client.resource(Pods).delete(m.name, { namespace: m.namespace, preconditions: { uid: m.uid } });
      this.log.info({ pod: key, node: node.metadata!.name }, 'evicted pod from tainted node');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
