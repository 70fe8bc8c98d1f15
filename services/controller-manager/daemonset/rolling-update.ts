// The DaemonSet RollingUpdate (Kubernetes' pkg/controller/daemon/update.go rollingUpdate): which old
// pods to delete and on which nodes to start new ones this sync. Without surge, old pods are
// deleted while at most maxUnavailable nodes lack an available pod (the manage loop then makes
// the new ones); with maxSurge, a new pod starts beside the old one on up to maxSurge nodes and
// the old one goes once the new one is available. Old pods that are not available are replaced
// at once in either mode.
import type { DaemonSet } from '../../../lib/gen/kite/apps/v1/types';
import type { Node, Pod } from '../../../lib/gen/kite/core/v1/types';
import { isPodAvailable } from '../../../lib/api/pods';
import { scaledValue } from '../common/int-or-percent';
import { isPodUpdated, nodeShouldRunDaemonPod, templateGeneration } from './daemon-pods';

export interface RollingPlan {
  /** Names of old pods to delete. */
  deletes: string[];
  /** Nodes to create a new pod on (surge). */
  creates: string[];
}

/** UnavailableCount and SurgeCount (percentages of the desired nodes, rounded up), and that number. */
export function updatedDesiredNodeCounts(
  ds: DaemonSet,
  nodes: readonly Node[],
  nodeToPods: Map<string, Pod[]>,
): { maxSurge: number; maxUnavailable: number; desired: number } {
  let desired = 0;
  for (const node of nodes) {
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
    desired++;
    if (!nodeToPods.has(node.metadata!.name)) nodeToPods.set(node.metadata!.name, []);
  }
  const ru = ds.spec?.updateStrategy?.type === 'RollingUpdate' ? ds.spec.updateStrategy.rollingUpdate : undefined;
  let maxUnavailable = scaledValue(ru?.maxUnavailable as number | string | undefined, desired, true);
  const maxSurge = scaledValue(ru?.maxSurge as number | string | undefined, desired, true);
  // An impossible configuration from the API falls back to one unavailable node.
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable, desired };
}

/** findUpdatedPodsOnNode: the node's live new and old pod; `ok` false when there are several of one kind. */
function updatedPodsOnNode(ds: DaemonSet, pods: readonly Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  const generation = templateGeneration(ds);
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

export function rollingUpdatePlan(ds: DaemonSet, nodes: readonly Node[], nodeToPodsIn: Map<string, Pod[]>, hash: string, now: number): RollingPlan {
  const nodeToPods = new Map(nodeToPodsIn);
  const { maxSurge, maxUnavailable } = updatedDesiredNodeCounts(ds, nodes, nodeToPods);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const available = (p: Pod) => isPodAvailable(p, minReady, now);
  const nodeNames = [...nodeToPods.keys()].sort();

  if (maxSurge === 0) {
    let unavailable = 0;
    const replacements: string[] = [];
    const candidates: string[] = [];
    for (const name of nodeNames) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(ds, nodeToPods.get(name)!, hash);
      // Several pods, none, or both kinds: the manage loop sorts the node out; it counts as unavailable.
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) unavailable++;
      else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (!available(oldPod!)) replacements.push(oldPod!.metadata!.name);
      else if (unavailable < maxUnavailable) candidates.push(oldPod!.metadata!.name);
    }
    const room = Math.min(Math.max(maxUnavailable - unavailable, 0), candidates.length);
    return { deletes: [...replacements, ...candidates.slice(0, room)], creates: [] };
  }

  const byName = new Map(nodes.map((n) => [n.metadata!.name, n]));
  let surging = 0;
  const allowedNew: string[] = [];
  const candidateNew: string[] = [];
  const deletes: string[] = [];
  for (const name of nodeNames) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(ds, nodeToPods.get(name)!, hash);
    if (!ok) {
      surging++;
      continue;
    }
    const node = byName.get(name);
    if (!node || !nodeShouldRunDaemonPod(node, ds).shouldRun) {
      // The manage loop deletes pods of nodes that should not run them; an old one goes now.
      if (oldPod) deletes.push(oldPod.metadata!.name);
      continue;
    }
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) allowedNew.push(name);
      else if (surging < maxSurge) candidateNew.push(name);
    } else if (!available(newPod)) surging++;
    else deletes.push(oldPod.metadata!.name);
  }
  const room = Math.min(Math.max(maxSurge - surging, 0), candidateNew.length);
  return { deletes, creates: [...allowedNew, ...candidateNew.slice(0, room)] };
}
