// The Deployment controller: owns one ReplicaSet per pod template (named <deployment>-<hash>,
// labelled pod-template-hash) and moves replicas from the old ones to the new one with the
// Deployment's strategy, keeping revisions, conditions and status. A rollback (kitectl rollout
// undo writes an old template back) is just a template that matches an existing ReplicaSet:
// that one becomes the new one again with the next revision.
import { Deployments, objectKey, Pods, ReplicaSets } from '../../../lib/api/kinds';
import { selectorFromLabelSelector, type Selector } from '../../../lib/api/selectors';
import type { Deployment, ReplicaSet } from '../../../lib/gen/kite/apps/v1/types';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import type { EventRecorder } from '../../../lib/events';
import { enqueueHandler, type Lister, type SharedInformer } from '../../../lib/informer';
import { type ReconcileResult } from '../../../lib/workqueue';
import { claimObjects, controllersSelecting, getControllerOf, resolveControllerRef, recheckOwner, withControllerRef, withoutOwner } from '../common/controller-ref';
import { QueueController, type ControllerContext } from '../controller';
import { checkPausedConditions, syncDeploymentStatus } from './progress';
import { rolloutRecreate } from './recreate';
import { rolloutRolling } from './rolling';
import { isScalingEvent, syncScale } from './scale';
import { DeploymentSync, type DeploymentDeps } from './sync';
import { jsonEqual } from '../../../lib/util/json';

export interface DeploymentControllerOptions {
  /** Concurrent syncs (--concurrent-deployment-syncs). */
  workers: number;
}

export const DEFAULT_DEPLOYMENT_OPTIONS: DeploymentControllerOptions = { workers: 5 };

export class DeploymentController extends QueueController<DeploymentControllerOptions> {
  readonly name = 'deployment';
  private readonly dInformer: SharedInformer<Deployment>;
  private readonly rsInformer: SharedInformer<ReplicaSet>;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly dLister: Lister<Deployment>;
  private readonly rsLister: Lister<ReplicaSet>;
  private readonly podLister: Lister<Pod>;
  private readonly recorder: EventRecorder = this.ctx.recorder('deployment-controller');

  constructor(
    ctx: ControllerContext,
    opts: Partial<DeploymentControllerOptions> = {},
  ) {
    super(ctx, 'deployment-controller', DEFAULT_DEPLOYMENT_OPTIONS, opts);
    this.dInformer = ctx.informers.forKind(Deployments);
    this.rsInformer = ctx.informers.forKind(ReplicaSets);
    this.podInformer = ctx.informers.forKind(Pods);
    this.dLister = this.dInformer.lister();
    this.rsLister = this.rsInformer.lister();
    this.podLister = this.podInformer.lister();
    this.dInformer.addEventHandler(enqueueHandler(this.queue));
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.addReplicaSet(rs),
      onUpdate: (o, rs) => this.updateReplicaSet(o, rs),
      onDelete: (rs) => this.enqueueOwner(rs),
    });
    this.podInformer.addEventHandler({ onDelete: (p) => this.deletePod(p) });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.dInformer, this.rsInformer, this.podInformer];
  }

  // ---------- event handlers ----------

  private ownerOf(rs: ReplicaSet): Deployment | undefined {
    return resolveControllerRef(this.dLister, rs, 'Deployment');
  }

  private enqueueOwner(rs: ReplicaSet): void {
    const d = this.ownerOf(rs);
    if (d) this.queue.add(objectKey(d));
  }

  /** Deployments whose (non-empty) selector matches an orphan ReplicaSet. */
  private enqueueMatching(rs: ReplicaSet): void {
    for (const d of controllersSelecting(this.dLister, rs)) this.queue.add(objectKey(d));
  }

  private addReplicaSet(rs: ReplicaSet): void {
    if (getControllerOf(rs)) this.enqueueOwner(rs);
    else if (!rs.metadata!.deletionTimestamp) this.enqueueMatching(rs);
  }

  private updateReplicaSet(old: ReplicaSet, cur: ReplicaSet): void {
    if (old.metadata!.resourceVersion === cur.metadata!.resourceVersion) return;
    const oldRef = getControllerOf(old);
    const curRef = getControllerOf(cur);
    const refChanged = !jsonEqual(oldRef, curRef);
    if (refChanged && oldRef) this.enqueueOwner(old);
    if (curRef) {
      this.enqueueOwner(cur);
      return;
    }
    const labelsChanged = !jsonEqual(old.metadata!.labels, cur.metadata!.labels);
    if (labelsChanged || refChanged) this.enqueueMatching(cur);
  }

  /** Recreate waits for old pods to be gone: look again when one goes. */
  private deletePod(pod: Pod): void {
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.rsLister.namespace(pod.metadata!.namespace).get(ref.name);
    if (!rs || rs.metadata!.uid !== ref.uid) return;
    const d = this.ownerOf(rs);
    if (d?.spec?.strategy?.type === 'Recreate') this.queue.add(objectKey(d));
  }

  // ---------- reconcile ----------

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = this.dLister.get(key);
    if (!cached) return;
    const d = structuredClone(cached);
    const deps: DeploymentDeps = { client: this.ctx.client, recorder: this.recorder, rsLister: this.rsLister, now: () => this.ctx.now(), log: this.log };
    const sel = d.spec?.selector;
    if (!sel || (Object.keys(sel.matchLabels).length === 0 && sel.matchExpressions.length === 0)) {
      this.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata!.generation ?? 0)) {
        await new DeploymentSync(deps, d, [], new Map()).updateStatus({ ...d.status!, observedGeneration: d.metadata!.generation });
      }
      return;
    }
    let selector: Selector;
    try {
      selector = selectorFromLabelSelector(sel);
    } catch (err) {
      this.log.error({ deployment: key, err: (err as Error).message }, 'invalid selector; not syncing');
      return;
    }
    const rsList = await this.claimReplicaSets(d, selector);
    const s = new DeploymentSync(deps, d, rsList, this.podMap(d, selector, rsList));
    if (d.metadata!.deletionTimestamp) {
      const { newRS, oldRSs } = await s.replicaSets(false);
      await syncDeploymentStatus(s, [...oldRSs, newRS], newRS);
      return;
    }
    await checkPausedConditions(s);
    if (s.d.spec?.paused || (await isScalingEvent(s))) {
      await syncScale(s);
      return;
    }
    if (s.d.spec?.strategy?.type === 'Recreate') await rolloutRecreate(s);
    else await rolloutRolling(s);
    if (s.requeueAfter !== undefined) return { requeueAfter: s.requeueAfter };
  }

  private async claimReplicaSets(d: Deployment, selector: Selector): Promise<ReplicaSet[]> {
    const client = this.ctx.client.resource(ReplicaSets);
    const { claimed, errors } = await claimObjects({
      owner: d,
      selector,
      candidates: this.rsLister.namespace(d.metadata!.namespace).list(),
      canAdopt: () => recheckOwner(() => this.ctx.client.resource(Deployments).get(d.metadata!.name, d.metadata!.namespace), d, 'Deployment'),
      adopt: (rs) => client.update(withControllerRef(rs, d, Deployments)),
      release: (rs) => client.update(withoutOwner(rs, d.metadata!.uid)),
    });
    if (errors.length > 0) throw errors[0];
    return claimed;
  }

  /** The Deployment's pods by the uid of the ReplicaSet controlling them (terminating ones included). */
  private podMap(d: Deployment, selector: Selector, rsList: ReplicaSet[]): Map<string, Pod[]> {
    const map = new Map<string, Pod[]>(rsList.map((rs) => [rs.metadata!.uid, []]));
    for (const pod of this.podLister.namespace(d.metadata!.namespace).list(selector)) {
      const ref = getControllerOf(pod);
      if (ref) map.get(ref.uid)?.push(pod);
    }
    return map;
  }
}

