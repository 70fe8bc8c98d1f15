// A DaemonSet's status (Kubernetes' updateDaemonSetStatus): per node that should run the pod, is
// one scheduled there, is the oldest ready, available (minReadySeconds) and of the current
// revision; pods on nodes that should not run one are misscheduled.
import type { DaemonSet, DaemonSetStatus } from '../../../lib/gen/kite/apps/v1/types';
import type { Node, Pod } from '../../../lib/gen/kite/core/v1/types';
import { isPodAvailable, isPodReady } from '../../../lib/api/pods';
import { byCreationTimestampAndPhase, isPodUpdated, nodeShouldRunDaemonPod, templateGeneration } from './daemon-pods';

export function calculateStatus(ds: DaemonSet, nodes: readonly Node[], nodeToPods: Map<string, Pod[]>, hash: string, now: number): DaemonSetStatus {
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  const generation = templateGeneration(ds);
  for (const node of nodes) {
    const pods = nodeToPods.get(node.metadata!.name) ?? [];
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) {
      if (pods.length > 0) misscheduled++;
      continue;
    }
    desired++;
    if (pods.length === 0) continue;
    current++;
    const pod = [...pods].sort(byCreationTimestampAndPhase)[0];
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, ds.spec?.minReadySeconds ?? 0, now)) available++;
    }
    if (isPodUpdated(pod, hash, generation)) updated++;
  }
  return {
    desiredNumberScheduled: desired,
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    numberReady: ready,
    numberAvailable: available,
    numberUnavailable: desired - available,
    updatedNumberScheduled: updated,
    observedGeneration: ds.status?.observedGeneration ?? 0,
    collisionCount: ds.status?.collisionCount,
    conditions: ds.status?.conditions ?? [],
  };
}
