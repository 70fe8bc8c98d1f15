// Resizing a Deployment without rolling it (Kubernetes' sync and scale): when only
// spec.replicas changed, or while paused, the ReplicaSets are resized in proportion to their
// share so a rollout in flight keeps its shape.
import type { ReplicaSet } from '../../../lib/gen/kite/apps/v1/types';
import {
  byCreationTimestamp,
  bySizeNewer,
  bySizeOlder,
  desiredReplicasAnnotation,
  filterActive,
  isRollingUpdate,
  isSaturated,
  maxSurge,
  proportion,
  replicaCount,
  specReplicas,
} from './deployment-util';
import { syncDeploymentStatus } from './progress';
import type { DeploymentSync } from './sync';

/** True when an active ReplicaSet was sized for a different spec.replicas. */
export async function isScalingEvent(s: DeploymentSync): Promise<boolean> {
  const { newRS, oldRSs } = await s.replicaSets(false);
  return filterActive([...oldRSs, newRS]).some((rs) => {
    const desired = desiredReplicasAnnotation(rs);
    return desired !== undefined && desired !== specReplicas(s.d);
  });
}

/** The one active ReplicaSet, else the newest if none is active, else undefined. */
function activeOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreationTimestamp(b, a));
  const active = filterActive([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

async function scale(s: DeploymentSync, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
  const d = s.d;
  const target = activeOrLatest(newRS, oldRSs);
  if (target) {
    await s.scaleIfNeeded(target, specReplicas(d));
    return;
  }
  // A saturated new ReplicaSet (e.g. after adopting old ones): the old ones go to zero.
  if (isSaturated(d, newRS)) {
    for (const old of filterActive(oldRSs)) await s.scaleIfNeeded(old, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const all = filterActive([...oldRSs, newRS]);
  const allowed = specReplicas(d) > 0 ? specReplicas(d) + maxSurge(d) : 0;
  const toAdd = allowed - replicaCount(all);
  // Scaling up favours the newer of equal ReplicaSets, scaling down the older.
  if (toAdd > 0) all.sort(bySizeNewer);
  else if (toAdd < 0) all.sort(bySizeOlder);
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of all) {
    if (toAdd === 0) {
      sizes.set(rs.metadata!.name, specReplicas(rs));
      continue;
    }
    const p = proportion(rs, d, toAdd, added);
    sizes.set(rs.metadata!.name, specReplicas(rs) + p);
    added += p;
  }
  for (let i = 0; i < all.length; i++) {
    const rs = all[i];
    let size = sizes.get(rs.metadata!.name)!;
    // Rounding leftovers go to the largest ReplicaSet.
    if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
    await s.scaleReplicaSet(rs, size);
  }
}

/** The sync of a scaling event or a paused Deployment: resize, prune history if paused, write status. */
export async function syncScale(s: DeploymentSync): Promise<void> {
  const { newRS, oldRSs } = await s.replicaSets(false);
  await scale(s, newRS, oldRSs);
  if (s.d.spec?.paused) await s.cleanup(oldRSs);
  const fresh = (rs: ReplicaSet | undefined) => rs && s.rsList.find((r) => r.metadata!.uid === rs.metadata!.uid);
  await syncDeploymentStatus(s, [...oldRSs.map(fresh), fresh(newRS)], fresh(newRS));
}
