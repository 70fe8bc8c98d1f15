// The RollingUpdate strategy (Kubernetes' rolloutRolling): scale the new ReplicaSet up as far
// as maxSurge allows, scale old ones down as far as maxUnavailable allows (unhealthy replicas
// first), and once complete prune the history.
import type { ReplicaSet } from '../../../lib/gen/kite/apps/v1/types';
import {
  availableReplicaCount,
  byCreationTimestamp,
  deploymentComplete,
  filterActive,
  maxUnavailable,
  newRSNewReplicas,
  replicaCount,
  specReplicas,
} from './deployment-util';
import { syncRolloutStatus } from './progress';
import type { DeploymentSync } from './sync';

export async function rolloutRolling(s: DeploymentSync): Promise<void> {
  const { newRS, oldRSs } = await s.replicaSets(true);
  const current = () => ({
    newRS: newRS && s.rsList.find((r) => r.metadata!.uid === newRS.metadata!.uid),
    oldRSs: oldRSs.map((o) => s.rsList.find((r) => r.metadata!.uid === o.metadata!.uid) ?? o),
  });
  if (newRS && (await reconcileNewReplicaSet(s, [...oldRSs, newRS], newRS))) {
    const c = current();
    return syncRolloutStatus(s, [...c.oldRSs, c.newRS], c.newRS);
  }
  if (newRS && (await reconcileOldReplicaSets(s, filterActive(oldRSs), newRS, oldRSs))) {
    const c = current();
    return syncRolloutStatus(s, [...c.oldRSs, c.newRS], c.newRS);
  }
  if (deploymentComplete(s.d, s.d.status!)) await s.cleanup(oldRSs);
  const c = current();
  return syncRolloutStatus(s, [...c.oldRSs, c.newRS], c.newRS);
}

async function reconcileNewReplicaSet(s: DeploymentSync, allRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  const desired = specReplicas(s.d);
  if (specReplicas(newRS) === desired) return false;
  if (specReplicas(newRS) > desired) return (await s.scaleIfNeeded(newRS, desired)).scaled;
  return (await s.scaleIfNeeded(newRS, newRSNewReplicas(s.d, allRSs, newRS))).scaled;
}

/** Scales old ReplicaSets down while keeping spec.replicas - maxUnavailable pods available. */
async function reconcileOldReplicaSets(s: DeploymentSync, activeOld: ReplicaSet[], newRS: ReplicaSet, allOld: ReplicaSet[]): Promise<boolean> {
  const oldPods = replicaCount(activeOld);
  if (oldPods === 0) return false;
  const d = s.d;
  const allPods = replicaCount([...allOld, newRS]);
  const minAvailable = specReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const { rss: afterCleanup, count: cleaned } = await cleanupUnhealthyReplicas(s, activeOld, maxScaledDown);
  const scaledDown = await scaleDownOldForRollingUpdate(s, [...afterCleanup, newRS], afterCleanup);
  return cleaned + scaledDown > 0;
}

/** Old replicas that are not available cost no availability to remove: they go first. */
async function cleanupUnhealthyReplicas(s: DeploymentSync, oldRSs: ReplicaSet[], maxCleanup: number): Promise<{ rss: ReplicaSet[]; count: number }> {
  const rss = [...oldRSs].sort(byCreationTimestamp);
  let total = 0;
  for (let i = 0; i < rss.length; i++) {
    if (total >= maxCleanup) break;
    const rs = rss[i];
    const unhealthy = specReplicas(rs) - (rs.status?.availableReplicas ?? 0);
    if (specReplicas(rs) === 0 || unhealthy <= 0) continue;
    const n = Math.min(maxCleanup - total, unhealthy);
    rss[i] = (await s.scaleIfNeeded(rs, specReplicas(rs) - n)).rs;
    total += n;
  }
  return { rss, count: total };
}

async function scaleDownOldForRollingUpdate(s: DeploymentSync, allRSs: ReplicaSet[], oldRSs: ReplicaSet[]): Promise<number> {
  const d = s.d;
  const minAvailable = specReplicas(d) - maxUnavailable(d);
  const available = availableReplicaCount(allRSs);
  if (available <= minAvailable) return 0;
  const toScaleDown = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreationTimestamp)) {
    if (total >= toScaleDown) break;
    if (specReplicas(rs) === 0) continue;
    const n = Math.min(specReplicas(rs), toScaleDown - total);
    await s.scaleIfNeeded(rs, specReplicas(rs) - n);
    total += n;
  }
  return total;
}
