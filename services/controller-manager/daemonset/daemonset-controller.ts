// The DaemonSet controller (Kubernetes' DaemonSetsController): one pod per node that should run it.
// Pods are named <ds>-<5 chars>, owned by the DaemonSet, labelled with the revision hash and the
// template generation, and pinned to their node by node affinity (matchFields metadata.name) for
// the default scheduler to place. Pods on nodes that no longer qualify, extra pods and failed
// pods (with a per-node backoff) are deleted; each template is a ControllerRevision (the history
// library) and RollingUpdate (maxUnavailable or maxSurge) or OnDelete moves pods to the current
// one. Expectations stop it acting twice on what its cache has not seen; node changes requeue.
import { isNotFound } from '../../../lib/api/errors';
import { ControllerRevisions, DaemonSets, Nodes, objectKey, Pods } from '../../../lib/api/kinds';
import { isPodAvailable, isPodReady, isPodTerminal } from '../../../lib/api/pods';
import { type Selector } from '../../../lib/api/selectors';
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from '../../../lib/gen/kite/apps/v1/types';
import { Pod, type Node } from '../../../lib/gen/kite/core/v1/types';
import type { EventRecorder } from '../../../lib/events';
import type { Lister, SharedInformer } from '../../../lib/informer';
import { jsonEqual } from '../../../lib/util/json';
import type { ReconcileResult } from '../../../lib/workqueue';
import { Backoff } from '../../../lib/util/backoff';
import { claimObjects, controllersSelecting, getControllerOf, resolveControllerRef, selectorOf, newControllerRef, recheckOwner, withControllerRef, withoutOwner } from '../common/controller-ref';
import { isForbiddenTerminating } from '../common/errors';
import { ControllerExpectations } from '../common/expectations';
import { slowStartBatch } from '../common/slow-start';
import { QueueController, type ControllerContext } from '../controller';
import { CONTROLLER_REVISION_HASH, nextRevision, RevisionHistory, templateRevisionData } from '../history/history';
import { byCreationTimestampAndPhase, daemonPodTemplate, nodeShouldRunDaemonPod, pinToNode, targetNodeName } from './daemon-pods';
import { calculateStatus } from './daemonset-status';
import { rollingUpdatePlan } from './rolling-update';

export interface DaemonSetControllerOptions {
  /** Concurrent syncs (--concurrent-daemonset-syncs). */
  workers: number;
  /** Most pods created or deleted per sync (Kubernetes' BurstReplicas). */
  burstReplicas: number;
  /** First delay before a failed daemon pod is replaced again; doubles up to failedPodsBackoffMaxMs. */
  failedPodsBackoffMs: number;
  failedPodsBackoffMaxMs: number;
}

export const DEFAULT_DAEMONSET_OPTIONS: DaemonSetControllerOptions = {
  workers: 2,
  burstReplicas: 250,
  failedPodsBackoffMs: 1000,
  failedPodsBackoffMaxMs: 15 * 60_000,
};

export class DaemonSetController extends QueueController<DaemonSetControllerOptions> {
  readonly name = 'daemonset';
  readonly expectations: ControllerExpectations;
  private readonly dsInformer: SharedInformer<DaemonSet>;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly nodeInformer: SharedInformer<Node>;
  private readonly revisionInformer: SharedInformer<ControllerRevision>;
  private readonly dsLister: Lister<DaemonSet>;
  private readonly podLister: Lister<Pod>;
  private readonly nodeLister: Lister<Node>;
  private readonly history: RevisionHistory;
  private readonly failedPodsBackoff: Backoff;
  private readonly recorder: EventRecorder = this.ctx.recorder('daemonset-controller');

  constructor(ctx: ControllerContext, opts: Partial<DaemonSetControllerOptions> = {}) {
    super(ctx, 'daemonset-controller', DEFAULT_DAEMONSET_OPTIONS, opts);
    this.expectations = new ControllerExpectations(() => ctx.now());
    this.failedPodsBackoff = new Backoff(
      { initialMs: this.opts.failedPodsBackoffMs, maxMs: this.opts.failedPodsBackoffMaxMs, resetAfterMs: 2 * this.opts.failedPodsBackoffMaxMs },
      () => ctx.now(),
    );
    this.dsInformer = ctx.informers.forKind(DaemonSets);
    this.podInformer = ctx.informers.forKind(Pods);
    this.nodeInformer = ctx.informers.forKind(Nodes);
    this.revisionInformer = ctx.informers.forKind(ControllerRevisions);
    this.dsLister = this.dsInformer.lister();
    this.podLister = this.podInformer.lister();
    this.nodeLister = this.nodeInformer.lister();
    this.history = new RevisionHistory(ctx.client, this.revisionInformer.lister());
    this.dsInformer.addEventHandler({
      onAdd: (ds) => this.queue.add(objectKey(ds)),
      onUpdate: (_o, ds) => this.queue.add(objectKey(ds)),
      onDelete: (ds) => {
        this.expectations.delete(objectKey(ds));
        this.queue.add(objectKey(ds));
      },
    });
    this.podInformer.addEventHandler({
      onAdd: (p) => this.addPod(p),
      onUpdate: (o, p) => this.updatePod(o, p),
      onDelete: (p) => this.deletePod(p),
    });
    this.nodeInformer.addEventHandler({
      onAdd: (n) => this.nodeChanged(undefined, n),
      onUpdate: (o, n) => this.nodeChanged(o, n),
      onDelete: () => this.enqueueAll(),
    });
    const revisionOwner = (r: ControllerRevision) => this.ownerOf(r);
    this.revisionInformer.addEventHandler({
      onAdd: (r) => this.enqueueOwner(revisionOwner(r)),
      onUpdate: (_o, r) => this.enqueueOwner(revisionOwner(r)),
      onDelete: (r) => this.enqueueOwner(revisionOwner(r)),
    });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.dsInformer, this.podInformer, this.nodeInformer, this.revisionInformer];
  }

  // ---------- event handlers ----------

  private ownerOf(obj: Pod | ControllerRevision): DaemonSet | undefined {
    return resolveControllerRef(this.dsLister, obj, 'DaemonSet');
  }

  private enqueueOwner(ds: DaemonSet | undefined): void {
    if (ds) this.queue.add(objectKey(ds));
  }

  private enqueueAll(): void {
    for (const ds of this.dsLister.list()) this.queue.add(objectKey(ds));
  }

  private addPod(pod: Pod): void {
    if (pod.metadata!.deletionTimestamp) {
      this.deletePod(pod);
      return;
    }
    if (getControllerOf(pod)) {
      const ds = this.ownerOf(pod);
      if (!ds) return;
      this.expectations.creationObserved(objectKey(ds));
      this.queue.add(objectKey(ds));
      return;
    }
    for (const ds of controllersSelecting(this.dsLister, pod)) this.queue.add(objectKey(ds));
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata!.resourceVersion === cur.metadata!.resourceVersion) return;
    if (cur.metadata!.deletionTimestamp) {
      this.deletePod(cur);
      return;
    }
    const oldRef = getControllerOf(old);
    const curRef = getControllerOf(cur);
    if (oldRef && !jsonEqual(oldRef, curRef)) this.enqueueOwner(this.ownerOf(old));
    if (curRef) {
      const ds = this.ownerOf(cur);
      if (!ds) return;
      this.queue.add(objectKey(ds));
      // Pods carry no Available condition: look again once a newly ready pod becomes available.
      const minReady = ds.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.queue.addAfter(objectKey(ds), minReady * 1000 + 1000);
      return;
    }
    if (!jsonEqual(old.metadata!.labels, cur.metadata!.labels) || oldRef) {
      for (const ds of controllersSelecting(this.dsLister, cur)) this.queue.add(objectKey(ds));
    }
  }

  private deletePod(pod: Pod): void {
    const ds = this.ownerOf(pod);
    if (!ds) return;
    const key = objectKey(ds);
    this.expectations.deletionObserved(key, objectKey(pod));
    this.queue.add(key);
  }

  /** A node added, or changed in what decides whether it runs daemon pods. */
  private nodeChanged(old: Node | undefined, cur: Node): void {
    for (const ds of this.dsLister.list()) {
      const now = nodeShouldRunDaemonPod(cur, ds);
      if (!old) {
        if (now.shouldRun) this.queue.add(objectKey(ds));
        continue;
      }
      const before = nodeShouldRunDaemonPod(old, ds);
      if (before.shouldRun !== now.shouldRun || before.shouldContinueRunning !== now.shouldContinueRunning) this.queue.add(objectKey(ds));
    }
  }

  // ---------- reconcile (syncDaemonSet) ----------

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const ds = this.dsLister.get(key);
    if (!ds) {
      this.expectations.delete(key);
      return;
    }
    const selector = selectorOf(ds);
    if (!selector || selector.empty()) {
      this.recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    if (ds.metadata!.deletionTimestamp) return;
    const nodes = this.nodeLister.list();
    const pods = await this.claimPods(ds, selector);
    const nodeToPods = groupByNode(pods);
    const { hash, old, collisionCount } = await this.constructHistory(ds, selector, nodeToPods);
    let requeueAfter: number | undefined;
    if (!this.expectations.satisfied(key)) {
      await this.updateStatus(ds, nodes, nodeToPods, hash, collisionCount, false);
      return;
    }
    let syncError: Error | undefined;
    try {
      requeueAfter = await this.manage(ds, nodes, nodeToPods, hash);
      if (this.expectations.satisfied(key) && ds.spec?.updateStrategy?.type === 'RollingUpdate') {
        const plan = rollingUpdatePlan(ds, nodes, nodeToPods, hash, this.ctx.now());
        await this.syncNodes(ds, plan.deletes, plan.creates, hash);
      }
      await this.cleanupHistory(ds, old, pods);
    } catch (err) {
      syncError = err as Error;
    }
    const updated = await this.updateStatus(ds, nodes, nodeToPods, hash, collisionCount, true);
    if (syncError) throw syncError;
    const minReady = ds.spec?.minReadySeconds ?? 0;
    // A last line of defence against clock skew: look again once ready pods should be available.
    if (minReady > 0 && updated.numberReady !== updated.numberAvailable) requeueAfter = Math.min(requeueAfter ?? Infinity, minReady * 1000);
    if (requeueAfter !== undefined) return { requeueAfter };
  }

  private async claimPods(ds: DaemonSet, selector: Selector): Promise<Pod[]> {
    const client = this.ctx.client.resource(Pods);
    const { claimed, errors } = await claimObjects({
      owner: ds,
      selector,
      candidates: this.podLister.namespace(ds.metadata!.namespace).list(),
      canAdopt: () => recheckOwner(() => this.ctx.client.resource(DaemonSets).get(ds.metadata!.name, ds.metadata!.namespace), ds, 'DaemonSet'),
      adopt: (pod) => client.update(withControllerRef(pod, ds, DaemonSets)),
      release: (pod) => client.update(withoutOwner(pod, ds.metadata!.uid)),
    });
    if (errors.length > 0) throw errors[0];
    // Deleted pods that have finished no longer count anywhere.
    return claimed.filter((p) => !(p.metadata!.deletionTimestamp && isPodTerminal(p)));
  }

  /**
   * constructHistory: the revision equal to the current template (made if missing, duplicates
   * folded into the newest, renumbered to be the newest), and the others.
   */
  private async constructHistory(
    ds: DaemonSet,
    selector: Selector,
    nodeToPods: Map<string, Pod[]>,
  ): Promise<{ hash: string; old: ControllerRevision[]; collisionCount?: number }> {
    const revisions = await this.history.claim(ds, DaemonSets, selector);
    const data = templateRevisionData(ds.spec?.template);
    const current = revisions.filter((r) => jsonEqual(r.data, data));
    const old = revisions.filter((r) => !current.includes(r));
    const next = nextRevision(old);
    let collisionCount = ds.status?.collisionCount;
    let cur: ControllerRevision;
    if (current.length === 0) {
      const made = await this.history.create(ds, DaemonSets, ds.spec?.template, next, collisionCount);
      cur = made.revision;
      if (made.collisionCount !== collisionCount) {
        this.log.info({ daemonSet: objectKey(ds), collisionCount: made.collisionCount }, 'hash collision; bumped collisionCount');
        collisionCount = made.collisionCount;
      }
    } else {
      cur = await this.dedupCurrentRevisions(ds, current, nodeToPods);
      cur = await this.history.setRevision(cur, Math.max(cur.revision, next));
    }
    return { hash: cur.metadata!.labels?.[CONTROLLER_REVISION_HASH] ?? cur.metadata!.name, old, collisionCount };
  }

  /** dedupCurHistories: keeps the newest equal revision, relabels the pods of the others to it, deletes them. */
  private async dedupCurrentRevisions(ds: DaemonSet, current: ControllerRevision[], nodeToPods: Map<string, Pod[]>): Promise<ControllerRevision> {
    const keep = current[current.length - 1];
    const keepHash = keep.metadata!.labels?.[CONTROLLER_REVISION_HASH] ?? '';
    for (const dup of current.slice(0, -1)) {
      const dupHash = dup.metadata!.labels?.[CONTROLLER_REVISION_HASH];
      for (const pod of [...nodeToPods.values()].flat()) {
        if (pod.metadata!.labels?.[CONTROLLER_REVISION_HASH] !== dupHash) continue;
        const next = structuredClone(pod);
        next.metadata!.labels = { ...next.metadata!.labels, [CONTROLLER_REVISION_HASH]: keepHash };
        await this.ctx.client.resource(Pods).update(next);
      }
      await this.history.truncate([dup], 0, () => false);
    }
    this.log.info({ daemonSet: objectKey(ds), kept: keep.metadata!.name, dropped: current.length - 1 }, 'folded duplicate revisions');
    return keep;
  }

  /** cleanupHistory: old revisions beyond revisionHistoryLimit that no pod uses, oldest first. */
  private async cleanupHistory(ds: DaemonSet, old: ControllerRevision[], pods: Pod[]): Promise<void> {
    const live = new Set(pods.map((p) => p.metadata!.labels?.[CONTROLLER_REVISION_HASH]).filter(Boolean));
    await this.history.truncate(old, ds.spec?.revisionHistoryLimit ?? 10, (r) => live.has(r.metadata!.labels?.[CONTROLLER_REVISION_HASH]));
  }

  /** manage: the nodes needing a pod and the pods to delete; resolves to a requeue delay for backoffs. */
  private async manage(ds: DaemonSet, nodes: Node[], nodeToPods: Map<string, Pod[]>, hash: string): Promise<number | undefined> {
    const needing: string[] = [];
    const toDelete: string[] = [];
    let requeueAfter: number | undefined;
    const surge = allowsSurge(ds);
    for (const node of nodes) {
      const name = node.metadata!.name;
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      const pods = nodeToPods.get(name);
      if (shouldRun && !pods) {
        needing.push(name);
      } else if (shouldContinueRunning && pods) {
        const running: Pod[] = [];
        for (const pod of pods) {
          if (pod.metadata!.deletionTimestamp) continue;
          if (pod.status?.phase !== 'Failed') {
            running.push(pod);
            continue;
          }
          // Kubelets may reject a pod over and over: back off before replacing it again.
          const backoffKey = `${ds.metadata!.uid}/${name}`;
          const wait = this.failedPodsBackoff.remainingSinceUpdate(backoffKey);
          if (wait > 0) {
            requeueAfter = Math.min(requeueAfter ?? Infinity, wait);
            continue;
          }
          this.failedPodsBackoff.next(backoffKey);
          this.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.metadata!.namespace}/${pod.metadata!.name} on node ${name}, will try to kill it`);
          toDelete.push(pod.metadata!.name);
        }
        toDelete.push(...excessPods(ds, running, hash, surge, this.ctx.now()));
      } else if (!shouldContinueRunning && pods) {
        for (const pod of pods) if (!pod.metadata!.deletionTimestamp) toDelete.push(pod.metadata!.name);
      }
    }
    // Unscheduled pods meant for nodes that no longer exist.
    const existing = new Set(nodes.map((n) => n.metadata!.name));
    for (const [name, pods] of nodeToPods) {
      if (existing.has(name)) continue;
      for (const pod of pods) if (!pod.spec?.nodeName) toDelete.push(pod.metadata!.name);
    }
    await this.syncNodes(ds, toDelete, needing, hash);
    return requeueAfter;
  }

  /** syncNodes: deletes the named pods and creates one on each node, in slow-start batches. */
  private async syncNodes(ds: DaemonSet, podsToDelete: string[], nodesNeeding: string[], hash: string): Promise<void> {
    if (podsToDelete.length === 0 && nodesNeeding.length === 0) return;
    const key = objectKey(ds);
    const creates = nodesNeeding.slice(0, this.opts.burstReplicas);
    const deletes = podsToDelete.slice(0, this.opts.burstReplicas);
    const ns = ds.metadata!.namespace;
    this.expectations.expect(key, creates.length, deletes.map((n) => `${ns}/${n}`));
    const template = daemonPodTemplate(ds, hash);
    let next = 0;
    const { successes, error } = await slowStartBatch(creates.length, 1, () => this.createPod(ds, template, creates[next++]));
    for (let skipped = creates.length - successes; skipped > 0; skipped--) this.expectations.creationObserved(key);
    const errors: Error[] = error ? [error] : [];
    await Promise.all(deletes.map((name) => this.deletePodOf(ds, name, errors)));
    if (errors.length > 0) throw errors[0];
  }

  private async createPod(ds: DaemonSet, template: ReturnType<typeof daemonPodTemplate>, nodeName: string): Promise<void> {
    const spec = structuredClone(template.spec!);
    spec.affinity = pinToNode(spec.affinity, nodeName);
    const pod = Pod.fromPartial({
      metadata: {
        generateName: `${ds.metadata!.name}-`,
        namespace: ds.metadata!.namespace,
        labels: { ...template.metadata?.labels },
        annotations: { ...template.metadata?.annotations },
        finalizers: [...(template.metadata?.finalizers ?? [])],
        ownerReferences: [newControllerRef(ds, DaemonSets)],
      },
      spec,
    });
    try {
      const created = await this.ctx.client.resource(Pods).create(pod);
      this.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata!.name}`);
    } catch (err) {
      // Pods in a terminating namespace would be deleted anyway: not a failure.
      if (isForbiddenTerminating(err)) return;
      this.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  private async deletePodOf(ds: DaemonSet, name: string, errors: Error[]): Promise<void> {
    const ns = ds.metadata!.namespace;
    try {
      await this.ctx.client.resource(Pods).delete(name, { namespace: ns });
      this.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
    } catch (err) {
      // The delete will never be observed: stop waiting for it.
      this.expectations.deletionObserved(objectKey(ds), `${ns}/${name}`);
      if (isNotFound(err)) return;
      this.recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
      errors.push(err as Error);
    }
  }

  private async updateStatus(
    ds: DaemonSet,
    nodes: Node[],
    nodeToPods: Map<string, Pod[]>,
    hash: string,
    collisionCount: number | undefined,
    observe: boolean,
  ): Promise<DaemonSetStatus> {
    const status = calculateStatus(ds, nodes, nodeToPods, hash, this.ctx.now());
    status.collisionCount = collisionCount;
    if (observe) status.observedGeneration = ds.metadata!.generation;
    if (jsonEqual(ds.status, status)) return status;
    const client = this.ctx.client.resource(DaemonSets);
    let current = ds;
    for (let attempt = 0; ; attempt++) {
      const next = structuredClone(current);
      next.status = status;
      try {
        await client.updateStatus(next);
        return status;
      } catch (err) {
        // Deleted meanwhile: its delete event brings us back to forget it.
        if (isNotFound(err)) return status;
        if (attempt >= 1) throw err;
        current = await client.get(ds.metadata!.name, ds.metadata!.namespace);
      }
    }
  }
}


function allowsSurge(ds: DaemonSet): boolean {
  const ru = ds.spec?.updateStrategy?.type === 'RollingUpdate' ? ds.spec.updateStrategy.rollingUpdate : undefined;
  const surge = ru?.maxSurge;
  return surge !== undefined && surge !== null && surge !== 0 && surge !== '0' && surge !== '0%';
}

/** The node each pod is on or meant for (getNodesToDaemonPods); pods meant for no node are left out. */
function groupByNode(pods: Pod[]): Map<string, Pod[]> {
  const byNode = new Map<string, Pod[]>();
  for (const pod of pods) {
    const node = targetNodeName(pod);
    if (!node) continue;
    const list = byNode.get(node);
    if (list) list.push(pod);
    else byNode.set(node, [pod]);
  }
  return byNode;
}

/**
 * The running pods of one node beyond the one it should keep: without surge all but the oldest;
 * with surge the oldest new and the oldest old pod may coexist while the old one is ready and the
 * new one not yet available.
 */
function excessPods(ds: DaemonSet, running: Pod[], hash: string, surge: boolean, now: number): string[] {
  if (running.length <= 1) return [];
  const sorted = [...running].sort(byCreationTimestampAndPhase);
  if (!surge) return sorted.slice(1).map((p) => p.metadata!.name);
  const out: string[] = [];
  let oldestNew: Pod | undefined;
  let oldestOld: Pod | undefined;
  for (const pod of sorted) {
    if (pod.metadata!.labels?.[CONTROLLER_REVISION_HASH] === hash) {
      if (!oldestNew) {
        oldestNew = pod;
        continue;
      }
    } else if (!oldestOld) {
      oldestOld = pod;
      continue;
    }
    out.push(pod.metadata!.name);
  }
  if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, now))) {
    out.push(oldestOld.metadata!.name);
  }
  return out;
}
