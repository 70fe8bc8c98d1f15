// One sync of one Deployment: a working copy of the Deployment and of its ReplicaSets that every
// write refreshes (so later writes in the same sync carry current resourceVersions), and the
// ReplicaSet operations the strategies share: find or create the new ReplicaSet and keep its
// revision, scale a ReplicaSet, prune old ones beyond revisionHistoryLimit.
import { isAlreadyExists, isConflict, isNotFound } from '../../../lib/api/errors';
import { Deployments, ReplicaSets } from '../../../lib/api/kinds';
import type { EventRecorder } from '../../../lib/events';
import { ReplicaSet, type Deployment, type DeploymentStatus } from '../../../lib/gen/kite/apps/v1/types';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import { ObjectMeta } from '../../../lib/gen/kite/meta/v1/meta';
import type { Lister } from '../../../lib/informer';
import type { Logger } from '../../../lib/log';
import { getControllerOf, newControllerRef } from '../common/controller-ref';
import { isForbiddenTerminating } from '../common/errors';
import type { ApiClient } from '../controller';
import { getCondition, newCondition, PROGRESSING, Reason, setCondition } from './conditions';
import {
  byRevision,
  equalIgnoreHash,
  findNewReplicaSet,
  findOldReplicaSets,
  hasProgressDeadline,
  maxRevision,
  maxSurge,
  newRSNewReplicas,
  POD_TEMPLATE_HASH,
  REVISION,
  replicasAnnotationsNeedUpdate,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicas,
} from './deployment-util';
import { computeHash } from './template-hash';

export interface DeploymentDeps {
  client: ApiClient;
  recorder: EventRecorder;
  rsLister: Lister<ReplicaSet>;
  /** Wall-clock ms. */
  now(): number;
  log: Logger;
}

export class DeploymentSync {
  /** Ask to look at the Deployment again after this many ms (progress deadline checks). */
  requeueAfter: number | undefined;

  constructor(
    readonly deps: DeploymentDeps,
    /** The working copy; replaced by what the apiserver returns after each write. */
    public d: Deployment,
    /** The Deployment's ReplicaSets; entries are replaced as they are written. */
    public rsList: ReplicaSet[],
    /** Pods of the Deployment by the uid of their ReplicaSet (Recreate waits for them). */
    readonly podMap: Map<string, Pod[]>,
  ) {}

  private replaceRS(rs: ReplicaSet): ReplicaSet {
    const i = this.rsList.findIndex((r) => r.metadata!.uid === rs.metadata!.uid);
    if (i >= 0) this.rsList[i] = rs;
    else this.rsList.push(rs);
    return rs;
  }

  async updateStatus(status: DeploymentStatus): Promise<void> {
    this.d = await this.write((d) => {
      const next = structuredClone(d);
      next.status = status;
      return this.deps.client.resource(Deployments).updateStatus(next);
    });
  }

  /** Records the revision of the new ReplicaSet on the Deployment (kubectl describe shows it). */
  private async setDeploymentRevision(revision: string): Promise<void> {
    if (this.d.metadata!.annotations[REVISION] === revision) return;
    this.d = await this.write((d) => {
      const next = structuredClone(d);
      next.metadata!.annotations[REVISION] = revision;
      return this.deps.client.resource(Deployments).update(next);
    });
  }

  /**
   * A write of the Deployment; when the cached copy was stale, it is redone once on a fresh read
   * as long as the spec this sync worked from is still the current one (same generation).
   */
  private async write(fn: (d: Deployment) => Promise<Deployment>): Promise<Deployment> {
    try {
      return await fn(this.d);
    } catch (err) {
      if (!isConflict(err)) throw err;
      const m = this.d.metadata!;
      const fresh = await this.deps.client.resource(Deployments).get(m.name, m.namespace);
      if (fresh.metadata!.generation !== m.generation) throw err;
      return fn(fresh);
    }
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.deps.recorder.event(this.d, type, reason, message);
  }

  /**
   * The new ReplicaSet (created when `create` and missing) and the old ones, with revisions
   * synced (Kubernetes' getAllReplicaSetsAndSyncRevision).
   */
  async replicaSets(create: boolean): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const { all: oldRSs } = findOldReplicaSets(this.d, this.rsList);
    const newRS = await this.newReplicaSet(oldRSs, create);
    return { newRS, oldRSs };
  }

  private async newReplicaSet(oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const d = this.d;
    const existing = findNewReplicaSet(d, this.rsList);
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      const copy = structuredClone(existing);
      const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      const minReadyChanged = (copy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (annotationsChanged || minReadyChanged) {
        copy.spec!.minReadySeconds = d.spec?.minReadySeconds ?? 0;
        return this.replaceRS(await this.deps.client.resource(ReplicaSets).update(copy));
      }
      await this.setDeploymentRevision(copy.metadata!.annotations[REVISION] ?? '');
      // Older Deployments may have no Progressing condition yet: progress counts from now.
      if (hasProgressDeadline(this.d) && !getCondition(this.d.status, PROGRESSING)) {
        const status = structuredClone(this.d.status!);
        setCondition(status, newCondition(PROGRESSING, 'True', Reason.FoundNewReplicaSet, `Found new replica set "${copy.metadata!.name}"`, this.deps.now()));
        await this.updateStatus(status);
      }
      return copy;
    }
    if (!create) return undefined;
    return this.createNewReplicaSet(oldRSs, newRevision);
  }

  private async createNewReplicaSet(oldRSs: ReplicaSet[], newRevision: number): Promise<ReplicaSet | undefined> {
    const d = this.d;
    const hash = computeHash(d.spec?.template, d.status?.collisionCount);
    const template = structuredClone(d.spec!.template!);
    template.metadata ??= ObjectMeta.fromPartial({});
    template.metadata!.labels = { ...template.metadata!.labels, [POD_TEMPLATE_HASH]: hash };
    const selector = structuredClone(d.spec!.selector!);
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH]: hash };
    const rs = ReplicaSet.fromPartial({
      metadata: {
        name: `${d.metadata!.name}-${hash}`,
        namespace: d.metadata!.namespace,
        ownerReferences: [newControllerRef(d, Deployments)],
        labels: template.metadata!.labels,
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    });
    const replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
    rs.spec!.replicas = replicas;
    setNewReplicaSetAnnotations(d, rs, newRevision, false);
    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await this.deps.client.resource(ReplicaSets).create(rs);
    } catch (err) {
      // The namespace is going away, and this Deployment with it.
      if (isForbiddenTerminating(err)) return undefined;
      if (!isAlreadyExists(err)) {
        const msg = `Failed to create new replica set "${rs.metadata!.name}": ${(err as Error).message}`;
        if (hasProgressDeadline(d)) {
          const status = structuredClone(d.status!);
          setCondition(status, newCondition(PROGRESSING, 'False', Reason.ReplicaSetCreateError, msg, this.deps.now()));
          await this.updateStatus(status).catch(() => undefined);
        }
        this.event('Warning', Reason.ReplicaSetCreateError, msg);
        throw err;
      }
      // A slow cache, or a hash collision: ours only if we own it and its template is ours.
      const found = this.deps.rsLister.namespace(d.metadata!.namespace).get(rs.metadata!.name);
      if (!found) throw err;
      const ref = getControllerOf(found);
      if (!ref || ref.uid !== d.metadata!.uid || !equalIgnoreHash(found.spec?.template, d.spec?.template)) {
        const status = structuredClone(d.status!);
        status.collisionCount = (status.collisionCount ?? 0) + 1;
        await this.updateStatus(status);
        this.deps.log.info({ deployment: d.metadata!.name, collisionCount: status.collisionCount }, 'hash collision; bumped collisionCount');
        throw err;
      }
      created = found;
      alreadyExists = true;
    }
    this.replaceRS(created);
    if (!alreadyExists && replicas > 0) {
      this.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata!.name} to ${replicas} from 0`);
    }
    await this.setDeploymentRevision(String(newRevision));
    if (!alreadyExists && hasProgressDeadline(this.d)) {
      const status = structuredClone(this.d.status!);
      setCondition(status, newCondition(PROGRESSING, 'True', Reason.NewReplicaSetCreated, `Created new replica set "${created.metadata!.name}"`, this.deps.now()));
      await this.updateStatus(status);
    }
    return created;
  }

  /** Scales `rs` to `newScale` (recording an event) and refreshes its size annotations. */
  async scaleReplicaSet(rs: ReplicaSet, newScale: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const d = this.d;
    const desired = specReplicas(d);
    const max = desired + maxSurge(d);
    const sizeChanged = specReplicas(rs) !== newScale;
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
    const old = specReplicas(rs);
    const copy = structuredClone(rs);
    copy.spec!.replicas = newScale;
    setReplicasAnnotations(copy, desired, max);
    const updated = this.replaceRS(await this.deps.client.resource(ReplicaSets).update(copy));
    if (sizeChanged) {
      const op = old < newScale ? 'up' : 'down';
      this.event('Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${updated.metadata!.name} to ${newScale} from ${old}`);
    }
    return { scaled: sizeChanged, rs: updated };
  }

  /** Kubernetes' scaleReplicaSetAndRecordEvent: nothing to do when the size is right. */
  async scaleIfNeeded(rs: ReplicaSet, newScale: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (specReplicas(rs) === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale);
  }

  /** Deletes the oldest scaled-down ReplicaSets beyond revisionHistoryLimit. */
  async cleanup(oldRSs: ReplicaSet[]): Promise<void> {
    const limit = this.d.spec?.revisionHistoryLimit;
    if (limit === undefined) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata!.deletionTimestamp).sort(byRevision);
    const diff = cleanable.length - limit;
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i];
      if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0) continue;
      if ((rs.metadata!.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.deps.client.resource(ReplicaSets).delete(rs.metadata!.name, { namespace: rs.metadata!.namespace });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}
