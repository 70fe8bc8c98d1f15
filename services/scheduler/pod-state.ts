// How the scheduler classifies the pods and node changes its informer handlers receive.
import { isDeepStrictEqual } from 'node:util';
import type { Node, Pod } from '../../lib/gen/kite/core/v1/types';

/** Bound (or being bound) to a node. */
export function isAssigned(pod: Pod): boolean {
  return !!pod.spec?.nodeName;
}

export function isDeleting(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp;
}

/**
 * Whether a node update can change where pods fit: schedulability, allocatable, labels or
 * taints. Heartbeat-only status updates must not flush the unschedulable pods every few seconds.
 */
export function nodeSchedulingPropertiesChanged(oldNode: Node, newNode: Node): boolean {
  return (
    !!oldNode.spec?.unschedulable !== !!newNode.spec?.unschedulable ||
    !isDeepStrictEqual(oldNode.status?.allocatable ?? {}, newNode.status?.allocatable ?? {}) ||
    !isDeepStrictEqual(oldNode.metadata?.labels ?? {}, newNode.metadata?.labels ?? {}) ||
    !isDeepStrictEqual(oldNode.spec?.taints ?? [], newNode.spec?.taints ?? [])
  );
}
