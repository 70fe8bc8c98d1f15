// The ReplicaSet controller: keeps spec.replicas active pods matching each ReplicaSet's
// selector. Pods are created from the template (named <rs>-<random>, owned by the ReplicaSet),
// orphans that match are adopted, owned pods that stop matching are released, and surplus pods
// are deleted cheapest first. Expectations stop it acting twice on what its cache has not seen.
import { isForbiddenTerminating } from '../common/errors';
import { isNotFound } from '../../../lib/api/errors';
import { objectKey, Pods, ReplicaSets, splitKey } from '../../../lib/api/kinds';
import { selectorFromLabelSelector, type Selector } from '../../../lib/api/selectors';
import type { ReplicaSet, ReplicaSetStatus } from '../../../lib/gen/kite/apps/v1/types';
import { Pod } from '../../../lib/gen/kite/core/v1/types';
import type { EventRecorder } from '../../../lib/events';
import { enqueueHandler, type Lister, type SharedInformer } from '../../../lib/informer';
import { type ReconcileResult } from '../../../lib/workqueue';
import { podsToDelete } from '../common/active-pods';
import { claimObjects, controllersSelecting, getControllerOf, resolveControllerRef, newControllerRef, recheckOwner, withControllerRef, withoutOwner } from '../common/controller-ref';
import { ControllerExpectations } from '../common/expectations';
import { BY_CONTROLLER_UID, controllerUidIndex, ensureIndex } from '../common/indexes';
import { isPodActive, isPodReady } from '../../../lib/api/pods';
import { slowStartBatch } from '../common/slow-start';
import { QueueController, type ControllerContext } from '../controller';
import { calculateStatus, statusEqual } from './replicaset-status';
import { jsonEqual } from '../../../lib/util/json';

export interface ReplicaSetControllerOptions {
  /** Concurrent syncs (--concurrent-replicaset-syncs). */
  workers: number;
  /** Most pods created or deleted per sync (Kubernetes' burstReplicas). */
  burstReplicas: number;
}

export const DEFAULT_REPLICASET_OPTIONS: ReplicaSetControllerOptions = { workers: 5, burstReplicas: 500 };

export class ReplicaSetController extends QueueController<ReplicaSetControllerOptions> {
  readonly name = 'replicaset';
  readonly expectations: ControllerExpectations;
  private readonly rsInformer: SharedInformer<ReplicaSet>;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly rsLister: Lister<ReplicaSet>;
  private readonly podLister: Lister<Pod>;
  private readonly recorder: EventRecorder = this.ctx.recorder('replicaset-controller');

  constructor(
    ctx: ControllerContext,
    opts: Partial<ReplicaSetControllerOptions> = {},
  ) {
    super(ctx, 'replicaset-controller', DEFAULT_REPLICASET_OPTIONS, opts);
    this.expectations = new ControllerExpectations(() => ctx.now());
    this.rsInformer = ctx.informers.forKind(ReplicaSets);
    this.podInformer = ctx.informers.forKind(Pods);
    ensureIndex(this.podInformer, BY_CONTROLLER_UID, controllerUidIndex);
    this.rsLister = this.rsInformer.lister();
    this.podLister = this.podInformer.lister();
    const enqueue = enqueueHandler<ReplicaSet>(this.queue);
    this.rsInformer.addEventHandler({
      ...enqueue,
      onDelete: (rs) => {
        this.expectations.delete(objectKey(rs));
        enqueue.onDelete!(rs);
      },
    });
    this.podInformer.addEventHandler({
      onAdd: (p) => this.addPod(p),
      onUpdate: (o, p) => this.updatePod(o, p),
      onDelete: (p) => this.deletePod(p),
    });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.rsInformer, this.podInformer];
  }

  // ---------- event handlers: map pod changes to the ReplicaSets that care ----------

  private resolveControllerRef(pod: Pod): ReplicaSet | undefined {
    return resolveControllerRef(this.rsLister, pod, 'ReplicaSet');
  }

  private addPod(pod: Pod): void {
    if (pod.metadata!.deletionTimestamp) {
      // A restarted controller may see a pod already being deleted: it no longer counts.
      this.deletePod(pod);
      return;
    }
    if (getControllerOf(pod)) {
      const rs = this.resolveControllerRef(pod);
      if (!rs) return;
      this.expectations.creationObserved(objectKey(rs));
      this.queue.add(objectKey(rs));
      return;
    }
    for (const rs of controllersSelecting(this.rsLister, pod)) this.queue.add(objectKey(rs));
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata!.resourceVersion === cur.metadata!.resourceVersion) return;
    const labelsChanged = !jsonEqual(old.metadata!.labels, cur.metadata!.labels);
    if (cur.metadata!.deletionTimestamp) {
      this.deletePod(cur);
      if (labelsChanged) this.deletePod(old);
      return;
    }
    const oldRef = getControllerOf(old);
    const curRef = getControllerOf(cur);
    const refChanged = !jsonEqual(oldRef, curRef);
    if (refChanged && oldRef) {
      const rs = this.resolveControllerRef(old);
      if (rs) this.queue.add(objectKey(rs));
    }
    if (curRef) {
      const rs = this.resolveControllerRef(cur);
      if (!rs) return;
      this.queue.add(objectKey(rs));
      // Pods carry no Available condition: look again once a newly ready pod becomes available.
      const minReady = rs.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.queue.addAfter(objectKey(rs), minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const rs of controllersSelecting(this.rsLister, cur)) this.queue.add(objectKey(rs));
  }

  private deletePod(pod: Pod): void {
    const rs = this.resolveControllerRef(pod);
    if (!rs) return;
    const key = objectKey(rs);
    this.expectations.deletionObserved(key, objectKey(pod));
    this.queue.add(key);
  }

  // ---------- reconcile ----------

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const rs = this.rsLister.get(key);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(rs.spec?.selector);
    } catch (err) {
      this.log.error({ replicaSet: key, err: (err as Error).message }, 'invalid selector; not syncing');
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    const { namespace } = splitKey(key);
    const active = this.podLister.namespace(namespace).list().filter(isPodActive);
    const pods = await this.claimPods(rs, selector, active);
    let manageError: Error | undefined;
    if (needsSync && !rs.metadata!.deletionTimestamp) {
      try {
        await this.manageReplicas(rs, pods);
      } catch (err) {
        manageError = err as Error;
      }
    }
    const status = calculateStatus(rs, pods, manageError, this.ctx.now());
    const updated = await this.updateStatus(rs, status);
    if (manageError) throw manageError;
    const replicas = updated.spec?.replicas ?? 0;
    const minReady = updated.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && updated.status?.readyReplicas === replicas && updated.status?.availableReplicas !== replicas) {
      return { requeueAfter: minReady * 1000 };
    }
  }

  private async claimPods(rs: ReplicaSet, selector: Selector, pods: Pod[]): Promise<Pod[]> {
    const client = this.ctx.client.resource(Pods);
    const { claimed, errors } = await claimObjects({
      owner: rs,
      selector,
      candidates: pods,
      canAdopt: () => recheckOwner(() => this.ctx.client.resource(ReplicaSets).get(rs.metadata!.name, rs.metadata!.namespace), rs, 'ReplicaSet'),
      adopt: (pod) => client.update(withControllerRef(pod, rs, ReplicaSets)),
      release: (pod) => client.update(withoutOwner(pod, rs.metadata!.uid)),
    });
    if (errors.length > 0) throw errors[0];
    return claimed;
  }

  private async manageReplicas(rs: ReplicaSet, pods: Pod[]): Promise<void> {
    const key = objectKey(rs);
    const diff = pods.length - (rs.spec?.replicas ?? 0);
    if (diff < 0) {
      const n = Math.min(-diff, this.opts.burstReplicas);
      // Expect them all now: creations may be observed before the calls return.
      this.expectations.expectCreations(key, n);
      const { successes, error } = await slowStartBatch(n, 1, () => this.createPod(rs));
      for (let skipped = n - successes; skipped > 0; skipped--) this.expectations.creationObserved(key);
      if (error) throw error;
    } else if (diff > 0) {
      const n = Math.min(diff, this.opts.burstReplicas);
      const victims = podsToDelete(pods, this.relatedPods(rs), n);
      this.expectations.expectDeletions(key, victims.map(objectKey));
      const errors: Error[] = [];
      await Promise.all(victims.map((pod) => this.deletePodOf(rs, pod, errors)));
      if (errors.length > 0) throw errors[0];
    }
  }

  private async createPod(rs: ReplicaSet): Promise<void> {
    const template = rs.spec?.template;
    const pod = Pod.fromPartial({
      metadata: {
        generateName: `${rs.metadata!.name}-`,
        namespace: rs.metadata!.namespace,
        labels: { ...template?.metadata?.labels },
        annotations: { ...template?.metadata?.annotations },
        finalizers: [...(template?.metadata?.finalizers ?? [])],
        ownerReferences: [newControllerRef(rs, ReplicaSets)],
      },
      spec: structuredClone(template?.spec ?? {}),
    });
    try {
      const created = await this.ctx.client.resource(Pods).create(pod);
      this.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata!.name}`);
    } catch (err) {
      // Pods in a terminating namespace would be deleted anyway: nothing to report.
      if (isForbiddenTerminating(err)) return;
      this.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  private async deletePodOf(rs: ReplicaSet, pod: Pod, errors: Error[]): Promise<void> {
    const m = pod.metadata!;
    try {
      await this.ctx.client.resource(Pods).delete(m.name, { namespace: m.namespace });
      this.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${m.name}`);
    } catch (err) {
      // The delete will never be observed: stop waiting for it.
      this.expectations.deletionObserved(objectKey(rs), objectKey(pod));
      if (isNotFound(err)) return;
      this.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
      errors.push(err as Error);
    }
  }

  /** Pods of every ReplicaSet with the same controller (the same Deployment) as `rs`. */
  private relatedPods(rs: ReplicaSet): Pod[] {
    const owner = getControllerOf(rs);
    const siblings = owner
      ? this.rsLister.namespace(rs.metadata!.namespace).list().filter((r) => getControllerOf(r)?.uid === owner.uid)
      : [rs];
    return siblings.flatMap((r) => this.podLister.byIndex(BY_CONTROLLER_UID, r.metadata!.uid));
  }

  private async updateStatus(rs: ReplicaSet, status: ReplicaSetStatus): Promise<ReplicaSet> {
    const generation = rs.metadata!.generation;
    if (statusEqual(rs.status, status) && rs.status?.observedGeneration === generation) return rs;
    const client = this.ctx.client.resource(ReplicaSets);
    let current = rs;
    for (let attempt = 0; ; attempt++) {
      const next = structuredClone(current);
      next.status = { ...status, observedGeneration: generation };
      try {
        return await client.updateStatus(next);
      } catch (err) {
        // Deleted meanwhile: its delete event brings us back to forget it.
        if (isNotFound(err)) return rs;
        if (attempt >= 1) throw err;
        current = await client.get(rs.metadata!.name, rs.metadata!.namespace);
      }
    }
  }
}

