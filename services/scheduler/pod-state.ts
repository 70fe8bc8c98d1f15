// How the scheduler classifies the pods and node changes its informer handlers receive.
import { isDeepStrictEqual } from 'node:util';
import type { Node, Pod } from '../../lib/gen/kite/core/v1/types';
import type { ClusterEvent } from './framework/events';

/** Bound (or being bound) to a node. */
export function isAssigned(pod: Pod): boolean {
  return !!pod.spec?.nodeName;
}

export function isDeleting(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp;
}

/**
 * The cluster events a node update makes (kube-scheduler's nodeSchedulingPropertiesChange):
 * allocatable, labels, or taints and spec.unschedulable (both "NodeTaintChange"). Heartbeat-only
 * status updates make none, so they never move unschedulable pods.
 */
export function nodeUpdateEvents(oldNode: Node, newNode: Node): ClusterEvent[] {
  const events: ClusterEvent[] = [];
  if (!isDeepStrictEqual(oldNode.status?.allocatable ?? {}, newNode.status?.allocatable ?? {})) events.push('NodeAllocatableChange');
  if (!isDeepStrictEqual(oldNode.metadata?.labels ?? {}, newNode.metadata?.labels ?? {})) events.push('NodeLabelChange');
  if (!!oldNode.spec?.unschedulable !== !!newNode.spec?.unschedulable || !isDeepStrictEqual(oldNode.spec?.taints ?? [], newNode.spec?.taints ?? [])) {
    events.push('NodeTaintChange');
  }
  return events;
}

/** An assigned pod's update that may help pending pods: its labels changed (inter-pod affinity, spreading). */
export function assignedPodUpdateEvents(oldPod: Pod, newPod: Pod): ClusterEvent[] {
  return isDeepStrictEqual(oldPod.metadata?.labels ?? {}, newPod.metadata?.labels ?? {}) ? [] : ['AssignedPodUpdate'];
}
