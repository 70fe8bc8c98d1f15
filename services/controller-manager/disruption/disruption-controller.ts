// The disruption controller (Kubernetes' pkg/controller/disruption): keeps each
// PodDisruptionBudget's status, which pods/eviction reads: the pods it selects, how many it
// expects (the scale of their ReplicaSets, Deployments and StatefulSets for percentages and
// maxUnavailable), how many are healthy (Ready, not being deleted, not just evicted), how many
// must stay healthy, the disruptions allowed, the evictions not yet seen as deletes
// (disruptedPods, pruned after 2 minutes), the DisruptionAllowed condition and
// observedGeneration. A budget it cannot work out is set to allow nothing (SyncFailed). It also
// resets a DisruptionTarget condition left on a pod that was not deleted within 2 minutes.
import { budgetSelects, setCondition, updateDisruptionAllowedCondition, DISRUPTION_ALLOWED, SYNC_FAILED } from '../../../lib/api/disruption-budgets';
import { Deployments, objectKey, PodDisruptionBudgets, Pods, ReplicaSets, splitKey, StatefulSets } from '../../../lib/api/kinds';
import { isTerminalPhase } from '../../../lib/api/pods';
import { selectorFromLabelSelector } from '../../../lib/api/selectors';
import type { EventRecorder } from '../../../lib/events';
import type { Deployment, ReplicaSet, StatefulSet } from '../../../lib/gen/kite/apps/v1/types';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from '../../../lib/gen/kite/policy/v1/types';
import type { Lister, SharedInformer } from '../../../lib/informer';
import { jsonEqual } from '../../../lib/util/json';
import { rfc3339 } from '../../../lib/util/time';
import type { ReconcileResult } from '../../../lib/workqueue';
import { QueueController, type ControllerContext } from '../controller';
import * as S from './disruption-budget-status';

export interface DisruptionControllerOptions {
  /** Concurrent syncs. */
  workers: number;
  /** How long a DisruptionTarget condition may stay on a pod that is not deleted (Kubernetes' 2 min). */
  stalePodDisruptionTimeoutMs: number;
}

export const DEFAULT_DISRUPTION_OPTIONS: DisruptionControllerOptions = { workers: 1, stalePodDisruptionTimeoutMs: 2 * 60 * 1000 };

/** Queue keys of pods whose DisruptionTarget condition may be stale (Kubernetes' stalePodDisruptionQueue). */
const STALE = 'stale-pod:';

export class DisruptionController extends QueueController<DisruptionControllerOptions> {
  readonly name = 'disruption';
  private readonly pdbInformer: SharedInformer<PodDisruptionBudget>;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly rsInformer: SharedInformer<ReplicaSet>;
  private readonly deploymentInformer: SharedInformer<Deployment>;
  private readonly statefulSetInformer: SharedInformer<StatefulSet>;
  private readonly pdbLister: Lister<PodDisruptionBudget>;
  private readonly podLister: Lister<Pod>;
  private readonly listers: S.ControllerListers;
  private readonly recorder: EventRecorder = this.ctx.recorder('controllermanager');

  constructor(ctx: ControllerContext, opts: Partial<DisruptionControllerOptions> = {}) {
    super(ctx, 'disruption-controller', DEFAULT_DISRUPTION_OPTIONS, opts);
    this.pdbInformer = ctx.informers.forKind(PodDisruptionBudgets);
    this.podInformer = ctx.informers.forKind(Pods);
    this.rsInformer = ctx.informers.forKind(ReplicaSets);
    this.deploymentInformer = ctx.informers.forKind(Deployments);
    this.statefulSetInformer = ctx.informers.forKind(StatefulSets);
    this.pdbLister = this.pdbInformer.lister();
    this.podLister = this.podInformer.lister();
    const rs = this.rsInformer.lister();
    const deployments = this.deploymentInformer.lister();
    const statefulSets = this.statefulSetInformer.lister();
    this.listers = {
      replicaSet: (ns, name) => rs.namespace(ns).get(name),
      deployment: (ns, name) => deployments.namespace(ns).get(name),
      statefulSet: (ns, name) => statefulSets.namespace(ns).get(name),
    };
    this.pdbInformer.addEventHandler({
      onAdd: (b) => this.queue.add(objectKey(b)),
      onUpdate: (_o, b) => this.queue.add(objectKey(b)),
      onDelete: (b) => this.queue.add(objectKey(b)),
    });
    this.podInformer.addEventHandler({
      onAdd: (p) => this.onPod(p),
      onUpdate: (old, p) => {
        this.onPod(p);
        // A pod whose labels changed may have left a budget.
        if (!jsonEqual(old.metadata?.labels, p.metadata?.labels)) this.onPod(old);
      },
      onDelete: (p) => this.onPod(p),
    });
  }

  protected syncedInformers(): SharedInformer<any>[] {
    return [this.pdbInformer, this.podInformer, this.rsInformer, this.deploymentInformer, this.statefulSetInformer];
  }

  /** Every budget selecting the pod is synced again; a stale DisruptionTarget is looked at. */
  private onPod(pod: Pod): void {
    for (const b of this.pdbLister.namespace(pod.metadata!.namespace).list()) if (budgetSelects(b, pod)) this.queue.add(objectKey(b));
    if (this.staleDisruptionWait(pod) !== undefined) this.queue.add(STALE + objectKey(pod));
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    if (key.startsWith(STALE)) return this.syncStalePodDisruption(key.slice(STALE.length));
    const pdb = this.pdbLister.get(key);
    if (!pdb) return;
    try {
      return await this.sync(pdb);
    } catch (err) {
      // failSafe: a budget that cannot be worked out allows no disruption.
      await this.failSafe(pdb, err as Error);
      throw err;
    }
  }

  private podsOf(pdb: PodDisruptionBudget): Pod[] {
    let selector;
    try {
      selector = selectorFromLabelSelector(pdb.spec?.selector);
    } catch {
      return [];
    }
    return this.podLister.namespace(pdb.metadata!.namespace).list().filter((p) => selector.matches(p.metadata?.labels ?? {}));
  }

  private async sync(pdb: PodDisruptionBudget): Promise<ReconcileResult | void> {
    const pods = this.podsOf(pdb);
    if (pods.length === 0) this.recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
    let expected: S.ExpectedPodCount;
    try {
      expected = S.expectedPodCount(pdb, pods, this.listers);
    } catch (err) {
      if (err instanceof S.ExpectedCountError && err.noControllers) this.recorder.event(pdb, 'Warning', 'NoControllers', err.message);
      this.recorder.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${(err as Error).message}`);
      throw err;
    }
    if (expected.unmanagedPods.length > 0) {
      this.recorder.event(
        pdb,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec?.selector ?? {})}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    const now = this.ctx.now();
    const disrupted = S.buildDisruptedPods(pods, pdb, now);
    for (const pod of disrupted.notDeleted) {
      this.recorder.event(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata!.namespace}/${pdb.metadata!.name} to be deleted but it wasn't`);
    }
    const currentHealthy = S.countHealthyPods(pods, disrupted.disrupted, now);
    await this.updateStatus(pdb, {
      currentHealthy,
      desiredHealthy: expected.desiredHealthy,
      expectedPods: expected.expectedCount,
      disruptionsAllowed: S.disruptionsAllowed(currentHealthy, expected.desiredHealthy, expected.expectedCount),
      disruptedPods: disrupted.disrupted,
    });
    if (disrupted.recheckAt !== undefined) return { requeueAfter: Math.max(0, disrupted.recheckAt - now) };
  }

  /** updatePdbStatus: written only when something changed, the condition following disruptionsAllowed. */
  private async updateStatus(pdb: PodDisruptionBudget, next: Omit<PodDisruptionBudgetStatus, 'observedGeneration' | 'conditions'>): Promise<void> {
    const old = pdb.status!;
    const generation = pdb.metadata!.generation;
    const upToDate =
      old.currentHealthy === next.currentHealthy &&
      old.desiredHealthy === next.desiredHealthy &&
      old.expectedPods === next.expectedPods &&
      old.disruptionsAllowed === next.disruptionsAllowed &&
      jsonEqual(old.disruptedPods, next.disruptedPods) &&
      old.observedGeneration === generation &&
      conditionsUpToDate(old);
    if (upToDate) return;
    const status: PodDisruptionBudgetStatus = { ...next, observedGeneration: generation, conditions: old.conditions };
    updateDisruptionAllowedCondition(status, rfc3339(new Date(this.ctx.now())));
    await this.ctx.client.resource(PodDisruptionBudgets).updateStatus({ ...pdb, status });
  }

  private async failSafe(pdb: PodDisruptionBudget, err: Error): Promise<void> {
    const status = structuredClone(pdb.status!);
    status.disruptionsAllowed = 0;
    status.observedGeneration = pdb.metadata!.generation;
    status.conditions = setCondition(
      status.conditions,
      { type: DISRUPTION_ALLOWED, status: 'False', reason: SYNC_FAILED, message: err.message, observedGeneration: status.observedGeneration },
      rfc3339(new Date(this.ctx.now())),
    );
    try {
      await this.ctx.client.resource(PodDisruptionBudgets).updateStatus({ ...pdb, status });
    } catch (writeErr) {
      this.log.warn({ pdb: objectKey(pdb), err: writeErr }, 'failed to mark the budget SyncFailed');
    }
  }

  /** nonTerminatingPodHasStaleDisruptionCondition: ms left before the pod's DisruptionTarget is stale, or undefined. */
  private staleDisruptionWait(pod: Pod): number | undefined {
    if (pod.metadata!.deletionTimestamp || isTerminalPhase(pod.status?.phase)) return undefined;
    const cond = pod.status?.conditions.find((c) => c.type === 'DisruptionTarget');
    if (!cond || cond.status !== 'True' || cond.reason === 'TerminationByKubelet') return undefined;
    return Math.max(0, Date.parse(cond.lastTransitionTime) + this.opts.stalePodDisruptionTimeoutMs - this.ctx.now());
  }

  /** syncStalePodDisruption: the condition turns False once stale; until then the pod is looked at again. */
  private async syncStalePodDisruption(podKey: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(podKey);
    const pod = this.podLister.namespace(namespace).get(name);
    if (!pod) return;
    const wait = this.staleDisruptionWait(pod);
    if (wait === undefined) return;
    if (wait > 0) return { requeueAfter: wait };
    const next = structuredClone(pod);
    const now = rfc3339(new Date(this.ctx.now()));
    next.status!.conditions = next.status!.conditions.map((c) => (c.type === 'DisruptionTarget' ? { ...c, status: 'False', reason: '', message: '', lastTransitionTime: now } : c));
    await this.ctx.client.resource(Pods).updateStatus(next);
  }
}

/** pdbhelper.ConditionsAreUpToDate: the DisruptionAllowed condition matches the status it was set for. */
function conditionsUpToDate(status: PodDisruptionBudgetStatus): boolean {
  const cond = status.conditions.find((c) => c.type === DISRUPTION_ALLOWED);
  if (!cond || cond.observedGeneration !== status.observedGeneration) return false;
  return cond.status === (status.disruptionsAllowed > 0 ? 'True' : 'False');
}
