// Rollouts of DaemonSets and StatefulSets, as kubectl's polymorphic helpers do them: the status
// viewers (DaemonSetStatusViewer, StatefulSetStatusViewer) and the history and rollback of both
// kinds from their ControllerRevisions (daemonSetHistory/statefulSetHistory, findHistory,
// DaemonSetRollbacker/StatefulSetRollbacker: a strategic merge patch with the revision's data).
import { ControllerRevisions } from '../../lib/api/kinds';
import { labelsToSelectorString } from '../../lib/api/selectors';
import type { Clientset } from '../../lib/client/clientset';
import type { ControllerRevision, DaemonSet, StatefulSet } from '../../lib/gen/kite/apps/v1/types';
import { jsonEqual } from '../../lib/util/json';
import { templateRevisionData } from '../controller-manager/history/history';
import { CliError } from './cli-errors';

export type RevisionedWorkload = DaemonSet | StatefulSet;

const notRollingUpdate = () => new CliError('rollout status is only available for RollingUpdate strategy type');

/** kubectl's DaemonSetStatusViewer. */
export function daemonSetRolloutStatus(ds: DaemonSet): { message: string; done: boolean } {
  if (ds.spec?.updateStrategy?.type !== 'RollingUpdate') throw notRollingUpdate();
  const st = ds.status;
  const name = ds.metadata?.name;
  if ((ds.metadata?.generation ?? 0) > (st?.observedGeneration ?? 0)) return { message: 'Waiting for daemon set spec update to be observed...\n', done: false };
  const desired = st?.desiredNumberScheduled ?? 0;
  if ((st?.updatedNumberScheduled ?? 0) < desired) {
    return { message: `Waiting for daemon set "${name}" rollout to finish: ${st?.updatedNumberScheduled ?? 0} out of ${desired} new pods have been updated...\n`, done: false };
  }
  if ((st?.numberAvailable ?? 0) < desired) {
    return { message: `Waiting for daemon set "${name}" rollout to finish: ${st?.numberAvailable ?? 0} of ${desired} updated pods are available...\n`, done: false };
  }
  return { message: `daemon set "${name}" successfully rolled out\n`, done: true };
}

/** kubectl's StatefulSetStatusViewer. */
export function statefulSetRolloutStatus(sts: StatefulSet): { message: string; done: boolean } {
  const strategy = sts.spec?.updateStrategy;
  if (strategy?.type !== 'RollingUpdate') throw notRollingUpdate();
  const st = sts.status;
  if (!st?.observedGeneration || (sts.metadata?.generation ?? 0) > st.observedGeneration) {
    return { message: 'Waiting for statefulset spec update to be observed...\n', done: false };
  }
  const replicas = sts.spec?.replicas;
  if (replicas !== undefined && st.readyReplicas < replicas) return { message: `Waiting for ${replicas - st.readyReplicas} pods to be ready...\n`, done: false };
  if (strategy.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition;
    if (replicas !== undefined && partition !== undefined && st.updatedReplicas < replicas - partition) {
      return { message: `Waiting for partitioned roll out to finish: ${st.updatedReplicas} out of ${replicas - partition} new pods have been updated...\n`, done: false };
    }
    return { message: `partitioned roll out complete: ${st.updatedReplicas} new pods have been updated...\n`, done: true };
  }
  if (st.updateRevision !== st.currentRevision) {
    return { message: `waiting for statefulset rolling update to complete ${st.updatedReplicas} pods at revision ${st.updateRevision}...\n`, done: false };
  }
  return { message: `statefulset rolling update complete ${st.currentReplicas} pods at revision ${st.currentRevision}...\n`, done: true };
}

/** The revisions the workload controls, selected by its selector, sorted by revision. */
export async function controlledRevisions(cs: Clientset, owner: RevisionedWorkload): Promise<ControllerRevision[]> {
  const labelSelector = labelsToSelectorString(owner.spec?.selector?.matchLabels ?? {});
  const list = await cs.resource(ControllerRevisions).listAll({ namespace: owner.metadata?.namespace, labelSelector });
  const uid = owner.metadata?.uid;
  return list.items.filter((r) => r.metadata?.ownerReferences.some((o) => o.controller && o.uid === uid)).sort((a, b) => a.revision - b.revision);
}

/** findHistory: the named revision, or for 0 the one before the newest; undefined if there is none. */
export function findRevision(revisions: ControllerRevision[], toRevision: number): ControllerRevision | undefined {
  if (toRevision > 0) return revisions.find((r) => r.revision === toRevision);
  return revisions.length >= 2 ? revisions[revisions.length - 2] : undefined;
}

/** daemonSetMatch/statefulSetMatch: the workload's template is the revision's. */
export function matchesRevision(owner: RevisionedWorkload, rev: ControllerRevision): boolean {
  return jsonEqual(templateRevisionData(owner.spec?.template), rev.data);
}
