// A Deployment's status and its Progressing/Available conditions (Kubernetes' calculateStatus,
// syncRolloutStatus, syncDeploymentStatus, checkPausedConditions).
import type { Deployment, DeploymentStatus, ReplicaSet } from '../../../lib/gen/kite/apps/v1/types';
import { parseTime } from '../../../lib/util/time';
import { canonicalJson } from '../../../lib/util/json';
import { AVAILABLE, getCondition, newCondition, PROGRESSING, Reason, removeCondition, REPLICA_FAILURE, setCondition } from './conditions';
import {
  actualReplicaCount,
  availableReplicaCount,
  deploymentComplete,
  deploymentProgressing,
  hasProgressDeadline,
  maxUnavailable,
  readyReplicaCount,
  replicaCount,
  specReplicas,
} from './deployment-util';
import type { DeploymentSync } from './sync';

export function calculateStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, nowMs: number): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const total = replicaCount(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    // More available than desired happens while scaling down: not negative.
    unavailableReplicas: Math.max(0, total - available),
    conditions: structuredClone(d.status?.conditions ?? []),
    collisionCount: d.status?.collisionCount,
  };
  if (available >= specReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition(AVAILABLE, 'True', Reason.MinimumReplicasAvailable, 'Deployment has minimum availability.', nowMs));
  } else {
    setCondition(status, newCondition(AVAILABLE, 'False', Reason.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.', nowMs));
  }
  return status;
}

function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  return !!a && canonicalJson(a) === canonicalJson(b);
}

/** Writes the computed status when it differs (scaling and paused syncs: no progress estimate). */
export async function syncDeploymentStatus(s: DeploymentSync, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
  const status = calculateStatus(allRSs, newRS, s.d, s.deps.now());
  if (statusEqual(s.d.status, status)) return;
  await s.updateStatus(status);
}

/** Timed out: no progress for progressDeadlineSeconds since the Progressing condition was last updated. */
export function deploymentTimedOut(d: Deployment, status: DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const cond = getCondition(status, PROGRESSING);
  if (!cond) return false;
  if (cond.reason === Reason.NewReplicaSetAvailable) return false;
  if (cond.reason === Reason.ProgressDeadlineExceeded) return true;
  const from = parseTime(cond.lastUpdateTime);
  return !Number.isNaN(from) && from + (d.spec!.progressDeadlineSeconds ?? 0) * 1000 < nowMs;
}

/** Writes status with the progress estimate of a rollout, and asks to be requeued to check the deadline. */
export async function syncRolloutStatus(s: DeploymentSync, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
  const d = s.d;
  const now = s.deps.now();
  const status = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);
  const current = getCondition(d.status, PROGRESSING);
  const complete = status.replicas === status.updatedReplicas && current?.reason === Reason.NewReplicaSetAvailable;
  if (hasProgressDeadline(d) && !complete) {
    const rsName = newRS?.metadata!.name;
    if (deploymentComplete(d, status)) {
      const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${d.metadata!.name}" has successfully progressed.`;
      setCondition(status, newCondition(PROGRESSING, 'True', Reason.NewReplicaSetAvailable, msg, now));
    } else if (deploymentProgressing(d, status)) {
      const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata!.name}" is progressing.`;
      // Progress refreshes lastUpdateTime even with an unchanged reason (the deadline counts from it).
      const cond = newCondition(PROGRESSING, 'True', Reason.ReplicaSetUpdated, msg, now);
      if (current?.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, PROGRESSING);
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, now)) {
      const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata!.name}" has timed out progressing.`;
      setCondition(status, newCondition(PROGRESSING, 'False', Reason.ProgressDeadlineExceeded, msg, now));
    }
  }
  const failure = replicaFailure(allRSs, newRS, now);
  if (failure) setCondition(status, failure);
  else removeCondition(status, REPLICA_FAILURE);
  if (statusEqual(d.status, status)) {
    s.requeueAfter = stuckRequeue(d, status, now);
    return;
  }
  await s.updateStatus(status);
}

/** The first ReplicaFailure condition of the new, then the old ReplicaSets, as a Deployment condition. */
function replicaFailure(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, nowMs: number) {
  const ordered = newRS ? [newRS, ...allRSs.filter((rs) => rs && rs !== newRS)] : allRSs;
  for (const rs of ordered) {
    const c = rs?.status?.conditions.find((x) => x.type === REPLICA_FAILURE);
    if (c) {
      const cond = newCondition(REPLICA_FAILURE, c.status, c.reason, c.message, nowMs);
      cond.lastTransitionTime = c.lastTransitionTime || cond.lastTransitionTime;
      return cond;
    }
  }
  return undefined;
}

/**
 * With no visible progress, when to look again to notice the deadline passing (Kubernetes'
 * requeueStuckDeployment); undefined when there is nothing to wait for.
 */
function stuckRequeue(d: Deployment, status: DeploymentStatus, nowMs: number): number | undefined {
  const cond = getCondition(d.status, PROGRESSING);
  if (!hasProgressDeadline(d) || !cond) return undefined;
  if (deploymentComplete(d, status) || cond.reason === Reason.ProgressDeadlineExceeded) return undefined;
  const from = parseTime(cond.lastUpdateTime);
  if (Number.isNaN(from)) return undefined;
  const after = from + (d.spec!.progressDeadlineSeconds ?? 0) * 1000 - nowMs;
  return after < 1000 ? 1000 : after + 1000;
}

/** Marks pausing and resuming in the Progressing condition (progress is not estimated while paused). */
export async function checkPausedConditions(s: DeploymentSync): Promise<void> {
  const d = s.d;
  if (!hasProgressDeadline(d)) return;
  const cond = getCondition(d.status, PROGRESSING);
  if (cond?.reason === Reason.ProgressDeadlineExceeded) return;
  const pausedCond = cond?.reason === Reason.DeploymentPaused;
  const status = structuredClone(d.status!);
  if (d.spec?.paused && !pausedCond) {
    setCondition(status, newCondition(PROGRESSING, 'Unknown', Reason.DeploymentPaused, 'Deployment is paused', s.deps.now()));
  } else if (!d.spec?.paused && pausedCond) {
    setCondition(status, newCondition(PROGRESSING, 'Unknown', Reason.DeploymentResumed, 'Deployment is resumed', s.deps.now()));
  } else {
    return;
  }
  await s.updateStatus(status);
}
