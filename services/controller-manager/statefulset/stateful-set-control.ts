// Kubernetes' defaultStatefulSetControl: one sync of a StatefulSet given its claimed pods and
// revisions. The current and update revisions come from the ControllerRevision history; replicas
// in [start, start+replicas) are created (OrderedReady: one at a time in ordinal order, each
// Running, Ready and available before the next; Parallel: all at once), failed or finished pods
// are deleted and made again under the same name, pods out of range are deleted from the highest
// ordinal, then RollingUpdate deletes, from the highest ordinal down to the partition, one pod
// not at the update revision at a time once the others are healthy (OnDelete leaves them).
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from '../../../lib/gen/kite/apps/v1/types';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import { StatefulSets } from '../../../lib/api/kinds';
import { isNotFound } from '../../../lib/api/errors';
import { equalRevision, findEqualRevisions, newRevision, nextRevision, type RevisionHistory } from '../history/history';
import type { StatefulPodControl } from './stateful-pod-control';
import {
  applyRevision, endOrdinal, getOrdinal, identityMatches, isCreated, isFailed, isHealthy, isPending, isRunningAndAvailable,
  isRunningAndReady, isSucceeded, isTerminating, newVersionedStatefulSetPod, podInOrdinalRange, podRevision, startOrdinal,
  storageMatches,
} from './statefulset-utils';

interface Revisions {
  current: ControllerRevision;
  update: ControllerRevision;
  collisionCount: number;
}

export class StatefulSetControl {
  constructor(
    private readonly podControl: StatefulPodControl,
    private readonly history: RevisionHistory,
    private readonly now: () => number,
    /** Writes the status when it differs (the controller's updateStatefulSetStatus). */
    private readonly writeStatus: (set: StatefulSet, status: StatefulSetStatus) => Promise<void>,
  ) {}

  /**
   * UpdateStatefulSet: the sync, then the status it computed and the revision history trimmed
   * (also when a step failed).
   */
  async sync(set: StatefulSet, pods: Pod[], revisions: ControllerRevision[]): Promise<StatefulSetStatus> {
    const revs = await this.revisions(set, revisions);
    let status: StatefulSetStatus;
    let syncError: unknown;
    try {
      status = await this.updateStatefulSet(set, revs, pods);
    } catch (err) {
      if (!(err instanceof SyncError)) throw err;
      status = err.status;
      syncError = err.cause;
    }
    await this.writeStatus(set, status);
    await this.truncateHistory(set, pods, revisions, revs);
    if (syncError) throw syncError;
    return status;
  }

  /** getStatefulSetRevisions: the update revision made (or found, or rolled back to) and the current one. */
  private async revisions(set: StatefulSet, revisions: ControllerRevision[]): Promise<Revisions> {
    let collisionCount = set.status?.collisionCount ?? 0;
    const candidate = newRevision(set, StatefulSets, set.spec?.template, nextRevision(revisions), collisionCount);
    const equal = findEqualRevisions(revisions, candidate);
    const last = revisions[revisions.length - 1];
    let update: ControllerRevision;
    if (equal.length > 0 && equalRevision(last, equal[equal.length - 1])) update = last;
    else if (equal.length > 0) update = await this.history.setRevision(equal[equal.length - 1], candidate.revision);
    else {
      const made = await this.history.create(set, StatefulSets, set.spec?.template, candidate.revision, collisionCount);
      update = made.revision;
      collisionCount = made.collisionCount ?? collisionCount;
    }
    const current = revisions.find((r) => r.metadata!.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount };
  }

  private async updateStatefulSet(set: StatefulSet, revs: Revisions, pods: Pod[]): Promise<StatefulSetStatus> {
    const currentSet = applyRevision(set, revs.current);
    const updateSet = applyRevision(set, revs.update);
    const [currentName, updateName] = [revs.current.metadata!.name, revs.update.metadata!.name];
    const minReady = set.spec?.minReadySeconds ?? 0;
    const status: StatefulSetStatus = {
      observedGeneration: set.metadata!.generation, replicas: 0, readyReplicas: 0, currentReplicas: 0, updatedReplicas: 0,
      currentRevision: currentName, updateRevision: updateName, collisionCount: revs.collisionCount, conditions: set.status?.conditions ?? [],
      availableReplicas: 0,
    };
    const start = startOrdinal(set);
    const replicas: Pod[] = new Array(Math.max(0, endOrdinal(set) - start + 1));
    const condemned: Pod[] = [];
    for (const pod of pods) {
      if (podInOrdinalRange(pod, set)) replicas[getOrdinal(pod) - start] = pod;
      else if (getOrdinal(pod) >= 0) condemned.push(pod);
    }
    for (let i = 0; i < replicas.length; i++) {
      replicas[i] ??= newVersionedStatefulSetPod(currentSet, updateSet, currentName, updateName, start + i);
    }
    condemned.sort((a, b) => getOrdinal(b) - getOrdinal(a));
    const firstUnhealthy = replicas.find((p) => !isHealthy(p)) ?? [...condemned].reverse().find((p) => !isHealthy(p));
    const computeStatus = () => this.fillStatus(status, minReady, currentName, updateName, [...replicas, ...condemned]);
    computeStatus();
    if (set.metadata!.deletionTimestamp) return status;

    const monotonic = set.spec?.podManagementPolicy !== 'Parallel';
    const exit = async (count: number, fn: (i: number) => Promise<boolean>) => {
      try {
        return await runForAll(count, fn, monotonic);
      } catch (err) {
        computeStatus();
        throw new SyncError(status, err);
      }
    };
    // Every replica in range first; in OrderedReady, stop at the first one not yet healthy.
    if (await exit(replicas.length, (i) => this.processReplica(set, updateSet, monotonic, replicas, i))) {
      computeStatus();
      return status;
    }
    // The claims of condemned pods get the references whenScaled asks for.
    const fixClaim = async (i: number) => {
      if (!this.podControl.claimsMatchRetentionPolicy(updateSet, condemned[i])) await this.podControl.updateClaimsForRetentionPolicy(updateSet, condemned[i]);
      return false;
    };
    if (await exit(condemned.length, fixClaim)) {
      computeStatus();
      return status;
    }
    // Scale down, highest ordinal first; scaling goes before updates.
    if (await exit(condemned.length, (i) => this.processCondemned(set, firstUnhealthy, monotonic, condemned, i))) {
      computeStatus();
      return status;
    }
    computeStatus();
    if (set.spec?.updateStrategy?.type === 'OnDelete') return status;

    // RollingUpdate: the highest ordinal at or above the partition not at the update revision goes.
    const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let target = replicas.length - 1; target >= partition; target--) {
      const pod = replicas[target];
      if (podRevision(pod) !== updateName && !isTerminating(pod)) {
        try {
          await this.podControl.deletePod(set, pod);
        } catch (err) {
          if (!isNotFound(err)) throw new SyncError(status, err);
        }
        status.currentReplicas--;
        return status;
      }
      if (!isHealthy(pod)) return status;
    }
    return status;
  }

  /** processReplica: resolves true when this sync can go no further. */
  private async processReplica(set: StatefulSet, updateSet: StatefulSet, monotonic: boolean, replicas: Pod[], i: number): Promise<boolean> {
    // A finished pod (Failed, or Succeeded: evicted pods may end either way) is deleted; the next
    // sync after it is gone makes it again under the same name.
    if (isFailed(replicas[i]) || isSucceeded(replicas[i])) {
      if (!isTerminating(replicas[i])) await this.podControl.deletePod(set, replicas[i]);
      return true;
    }
    if (!isCreated(replicas[i])) {
      // A claim still owned by an earlier pod of this name waits for the garbage collector.
      if (this.podControl.podClaimIsStale(set, replicas[i])) return true;
      await this.podControl.createPod(set, replicas[i]);
      if (monotonic) return true;
    }
    if (isPending(replicas[i])) await this.podControl.createMissingClaims(set, replicas[i]);
    if (monotonic && isTerminating(replicas[i])) return true;
    if (monotonic && !isRunningAndReady(replicas[i])) return true;
    if (monotonic && !isRunningAndAvailable(replicas[i], set.spec?.minReadySeconds ?? 0, this.now())) return true;
    const retentionMatch = !isCreated(replicas[i]) || this.podControl.claimsMatchRetentionPolicy(updateSet, replicas[i]);
    if (identityMatches(set, replicas[i]) && storageMatches(set, replicas[i]) && retentionMatch) return false;
    await this.podControl.updatePod(updateSet, replicas[i]);
    return false;
  }

  /** processCondemned: deletes a pod out of range (in OrderedReady only once its predecessors are healthy). */
  private async processCondemned(set: StatefulSet, firstUnhealthy: Pod | undefined, monotonic: boolean, condemned: Pod[], i: number): Promise<boolean> {
    const pod = condemned[i];
    if (isTerminating(pod)) return monotonic;
    if (monotonic && pod !== firstUnhealthy) {
      if (!isRunningAndReady(pod)) return true;
      if (!isRunningAndAvailable(pod, set.spec?.minReadySeconds ?? 0, this.now())) return true;
    }
    await this.podControl.deletePod(set, pod);
    return true;
  }

  /** updateStatus / computeReplicaStatus over every pod considered. */
  private fillStatus(status: StatefulSetStatus, minReady: number, currentName: string, updateName: string, pods: Pod[]): void {
    Object.assign(status, { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 });
    for (const pod of pods) {
      if (isCreated(pod)) status.replicas++;
      if (isRunningAndReady(pod)) {
        status.readyReplicas++;
        if (isRunningAndAvailable(pod, minReady, this.now())) status.availableReplicas++;
      }
      if (isCreated(pod) && !isTerminating(pod)) {
        if (podRevision(pod) === currentName) status.currentReplicas++;
        if (podRevision(pod) === updateName) status.updatedReplicas++;
      }
    }
  }

  /** truncateHistory: revisions no pod, nor the current or update revision, uses, beyond revisionHistoryLimit. */
  private async truncateHistory(set: StatefulSet, pods: Pod[], revisions: ControllerRevision[], revs: Revisions): Promise<void> {
    const live = new Set([revs.current.metadata!.name, revs.update.metadata!.name, ...pods.map(podRevision)]);
    const history = revisions.filter((r) => !live.has(r.metadata!.name));
    await this.history.truncate(history, set.spec?.revisionHistoryLimit ?? 10, () => false);
  }
}

/** A failed step of the sync with the status computed up to it (written all the same). */
class SyncError extends Error {
  constructor(
    readonly status: StatefulSetStatus,
    override readonly cause: unknown,
  ) {
    super((cause as Error)?.message ?? String(cause));
  }
}

/** Kubernetes' MaxBatchSize: requests in flight at most in Parallel mode. */
const MAX_BATCH = 500;

/**
 * runForAll: in order, stopping at the first step that says so (OrderedReady), or all of them in
 * slow-start batches (Parallel). Resolves true when the sync should stop here.
 */
async function runForAll(count: number, fn: (i: number) => Promise<boolean>, monotonic: boolean): Promise<boolean> {
  if (monotonic) {
    for (let i = 0; i < count; i++) if (await fn(i)) return true;
    return false;
  }
  let next = 0;
  for (let batch = Math.min(count, 1); batch > 0; batch = Math.min(2 * batch, count - next, MAX_BATCH)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, (_, k) => fn(next + k)));
    next += batch;
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
  return false;
}
