// A ReplicaSet's status computed from the pods it controls (Kubernetes' calculateStatus).
import type { ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from '../../../lib/gen/kite/apps/v1/types';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import { rfc3339 } from '../../../lib/util/time';
import { isPodAvailable, isPodReady } from '../../../lib/api/pods';
import { jsonEqual } from '../../../lib/util/json';

export const REPLICA_FAILURE = 'ReplicaFailure';

/**
 * `pods` are the active pods the ReplicaSet controls; `manageError` is what creating or
 * deleting pods failed with this sync, reported as the ReplicaFailure condition.
 */
export function calculateStatus(rs: ReplicaSet, pods: Pod[], manageError: Error | undefined, nowMs: number): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    const labels = pod.metadata?.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, nowMs)) available++;
    }
  }
  let conditions: ReplicaSetCondition[] = structuredClone(rs.status?.conditions ?? []);
  const failure = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (manageError && !failure) {
    const diff = pods.length - (rs.spec?.replicas ?? 0);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    conditions.push({ type: REPLICA_FAILURE, status: 'True', lastTransitionTime: rfc3339(new Date(nowMs)), reason, message: manageError.message });
  } else if (!manageError && failure) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }
  return {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.status?.observedGeneration ?? 0,
    conditions,
  };
}

export function statusEqual(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  return (
    !!a &&
    a.replicas === b.replicas &&
    a.fullyLabeledReplicas === b.fullyLabeledReplicas &&
    a.readyReplicas === b.readyReplicas &&
    a.availableReplicas === b.availableReplicas &&
    a.observedGeneration === b.observedGeneration &&
    jsonEqual(a.conditions, b.conditions)
  );
}
