// The StatefulSet controller (Kubernetes' pkg/controller/statefulset StatefulSetController): pods
// and revisions are mapped to their StatefulSet, which is synced from the listers: orphan
// revisions and pods named after the set adopted (others released), then defaultStatefulSetControl
// (stateful-set-control.ts) does the work and the status is written when it changed.
import { isConflict, isNotFound } from '../../../lib/api/errors';
import { ControllerRevisions, objectKey, PersistentVolumeClaims, Pods, StatefulSets } from '../../../lib/api/kinds';
import { isPodReady } from '../../../lib/api/pods';
import { type Selector } from '../../../lib/api/selectors';
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from '../../../lib/gen/kite/apps/v1/types';
import type { PersistentVolumeClaim, Pod } from '../../../lib/gen/kite/core/v1/types';
import { enqueueHandler, type Lister, type SharedInformer } from '../../../lib/informer';
import { jsonEqual } from '../../../lib/util/json';
import type { ReconcileResult } from '../../../lib/workqueue';
import { claimObjects, controllersSelecting, getControllerOf, resolveControllerRef, selectorOf, recheckOwner, withControllerRef, withoutOwner } from '../common/controller-ref';
import { QueueController, type ControllerContext } from '../controller';
import { RevisionHistory } from '../history/history';
import { StatefulPodControl } from './stateful-pod-control';
import { StatefulSetControl } from './stateful-set-control';
import { isMemberOf } from './statefulset-utils';

export interface StatefulSetControllerOptions {
  /** Concurrent syncs (--concurrent-statefulset-syncs). */
  workers: number;
  /**
   * Every StatefulSet synced again this often (Kubernetes' statefulSetResyncPeriod, 30 s): what
   * no event announces, such as a stale claim finally gone, is picked up.
   */
  resyncPeriodMs: number;
}

export const DEFAULT_STATEFULSET_OPTIONS: StatefulSetControllerOptions = { workers: 5, resyncPeriodMs: 30_000 };

export class StatefulSetController extends QueueController<StatefulSetControllerOptions> {
  readonly name = 'statefulset';
  private readonly setInformer: SharedInformer<StatefulSet>;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly revisionInformer: SharedInformer<ControllerRevision>;
  private readonly claimInformer: SharedInformer<PersistentVolumeClaim>;
  private readonly setLister: Lister<StatefulSet>;
  private readonly podLister: Lister<Pod>;
  private readonly history: RevisionHistory;
  private readonly control: StatefulSetControl;

  constructor(ctx: ControllerContext, opts: Partial<StatefulSetControllerOptions> = {}) {
    super(ctx, 'statefulset-controller', DEFAULT_STATEFULSET_OPTIONS, opts);
    this.setInformer = ctx.informers.forKind(StatefulSets);
    this.podInformer = ctx.informers.forKind(Pods);
    this.revisionInformer = ctx.informers.forKind(ControllerRevisions);
    this.claimInformer = ctx.informers.forKind(PersistentVolumeClaims);
    this.setLister = this.setInformer.lister();
    this.podLister = this.podInformer.lister();
    this.history = new RevisionHistory(ctx.client, this.revisionInformer.lister());
    const recorder = ctx.recorder('statefulset-controller');
    const podControl = new StatefulPodControl(ctx.client, this.claimInformer.lister(), recorder);
    this.control = new StatefulSetControl(podControl, this.history, () => ctx.now(), (set, status) => this.updateStatus(set, status));
    this.setInformer.addEventHandler(enqueueHandler<StatefulSet>(this.queue), { resyncPeriodMs: this.opts.resyncPeriodMs });
    this.podInformer.addEventHandler({
      onAdd: (p) => this.addPod(p),
      onUpdate: (o, p) => this.updatePod(o, p),
      onDelete: (p) => this.deletePod(p),
    });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.setInformer, this.podInformer, this.revisionInformer, this.claimInformer];
  }

  // ---------- event handlers: map pod changes to the StatefulSets that care ----------

  private resolveControllerRef(pod: Pod): StatefulSet | undefined {
    return resolveControllerRef(this.setLister, pod, 'StatefulSet');
  }

  private addPod(pod: Pod): void {
    if (pod.metadata!.deletionTimestamp) {
      this.deletePod(pod);
      return;
    }
    if (getControllerOf(pod)) {
      const set = this.resolveControllerRef(pod);
      if (set) this.queue.add(objectKey(set));
      return;
    }
    for (const set of controllersSelecting(this.setLister, pod)) this.queue.add(objectKey(set));
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata!.resourceVersion === cur.metadata!.resourceVersion) return;
    const labelsChanged = !jsonEqual(old.metadata!.labels, cur.metadata!.labels);
    const oldRef = getControllerOf(old);
    const curRef = getControllerOf(cur);
    const refChanged = !jsonEqual(oldRef, curRef);
    if (refChanged && oldRef) {
      const set = this.resolveControllerRef(old);
      if (set) this.queue.add(objectKey(set));
    }
    if (curRef) {
      const set = this.resolveControllerRef(cur);
      if (!set) return;
      this.queue.add(objectKey(set));
      // Pods carry no Available condition: look again once a newly ready pod becomes available.
      const minReady = set.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.queue.addAfter(objectKey(set), minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const set of controllersSelecting(this.setLister, cur)) this.queue.add(objectKey(set));
  }

  private deletePod(pod: Pod): void {
    const set = this.resolveControllerRef(pod);
    if (set) this.queue.add(objectKey(set));
  }

  // ---------- reconcile ----------

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const set = this.setLister.get(key);
    if (!set) return;
    const selector = selectorOf(set);
    // A selector that does not parse is not retried (it is validated on write).
    if (!selector) return;
    const revisions = await this.history.claim(set, StatefulSets, selector);
    const pods = await this.claimPods(set, selector);
    const status = await this.control.sync(set, pods, revisions);
    const replicas = set.spec?.replicas ?? 0;
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status.availableReplicas !== replicas) return { requeueAfter: minReady * 1000 };
  }

  /** getPodsForStatefulSet: pods named after the set and matching its selector, adopted if orphans. */
  private async claimPods(set: StatefulSet, selector: Selector): Promise<Pod[]> {
    const client = this.ctx.client.resource(Pods);
    const { claimed, errors } = await claimObjects({
      owner: set,
      selector,
      candidates: this.podLister.namespace(set.metadata!.namespace).list().filter((p) => isMemberOf(set, p)),
      canAdopt: () => recheckOwner(() => this.ctx.client.resource(StatefulSets).get(set.metadata!.name, set.metadata!.namespace), set, 'StatefulSet'),
      adopt: (pod) => client.update(withControllerRef(pod, set, StatefulSets)),
      release: (pod) => client.update(withoutOwner(pod, set.metadata!.uid)),
    });
    if (errors.length > 0) throw errors[0];
    return claimed;
  }

  /**
   * updateStatefulSetStatus: completeRollingUpdate (a finished rolling update makes the update
   * revision current), then the status written only if it differs, retrying once on a conflict.
   */
  private async updateStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    if (set.spec?.updateStrategy?.type === 'RollingUpdate' && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
      status.currentReplicas = status.updatedReplicas;
      status.currentRevision = status.updateRevision;
    }
    if (!inconsistentStatus(set, status)) return;
    const client = this.ctx.client.resource(StatefulSets);
    let current = set;
    for (let attempt = 0; ; attempt++) {
      const next = structuredClone(current);
      next.status = status;
      try {
        await client.updateStatus(next);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (attempt >= 1 || !isConflict(err)) throw err;
        current = await client.get(set.metadata!.name, set.metadata!.namespace);
      }
    }
  }
}

function inconsistentStatus(set: StatefulSet, status: StatefulSetStatus): boolean {
  const s = set.status;
  return status.observedGeneration > (s?.observedGeneration ?? 0) || status.replicas !== s?.replicas || status.currentReplicas !== s.currentReplicas
    || status.readyReplicas !== s.readyReplicas || status.updatedReplicas !== s.updatedReplicas || status.currentRevision !== s.currentRevision
    || status.availableReplicas !== s.availableReplicas || status.updateRevision !== s.updateRevision
    || (status.collisionCount ?? 0) !== (s.collisionCount ?? 0);
}

