// The Recreate strategy (Kubernetes' rolloutRecreate): scale every old ReplicaSet to zero, wait
// until none of their pods is left running, then create and scale up the new one.
import type { ReplicaSet } from '../../../lib/gen/kite/apps/v1/types';
import { actualReplicaCount, deploymentComplete, filterActive, specReplicas } from './deployment-util';
import { syncRolloutStatus } from './progress';
import type { DeploymentSync } from './sync';

function oldPodsRunning(s: DeploymentSync, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of s.podMap) {
    if (newRS && newRS.metadata!.uid === uid) continue;
    if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true;
  }
  return false;
}

export async function rolloutRecreate(s: DeploymentSync): Promise<void> {
  // No new ReplicaSet yet: creating it first would scale up before the old pods are gone.
  let { newRS, oldRSs } = await s.replicaSets(false);
  const fresh = (rs: ReplicaSet | undefined) => rs && (s.rsList.find((r) => r.metadata!.uid === rs.metadata!.uid) ?? rs);
  let scaledDown = false;
  for (const rs of filterActive(oldRSs)) {
    if ((await s.scaleIfNeeded(rs, 0)).scaled) scaledDown = true;
  }
  if (scaledDown || oldPodsRunning(s, newRS, oldRSs)) {
    return syncRolloutStatus(s, [...oldRSs.map(fresh), fresh(newRS)], fresh(newRS));
  }
  if (!newRS) ({ newRS, oldRSs } = await s.replicaSets(true));
  if (newRS) await s.scaleIfNeeded(fresh(newRS)!, specReplicas(s.d));
  if (deploymentComplete(s.d, s.d.status!)) await s.cleanup(oldRSs);
  return syncRolloutStatus(s, [...oldRSs.map(fresh), fresh(newRS)], fresh(newRS));
}
