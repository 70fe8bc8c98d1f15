// The disruption controller's arithmetic (Kubernetes' pkg/controller/disruption): how many pods a
// PodDisruptionBudget expects (getExpectedPodCount and getExpectedScale, through the finders of
// the pods' controllers), which evicted pods still count as disrupted (buildDisruptedPodMap), how
// many are healthy (countHealthyPods) and the status that follows. Pure functions over listers.
import { isPodReady } from '../../../lib/api/pods';
import type { Deployment, ReplicaSet, StatefulSet } from '../../../lib/gen/kite/apps/v1/types';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import type { OwnerReference } from '../../../lib/gen/kite/meta/v1/meta';
import type { PodDisruptionBudget } from '../../../lib/gen/kite/policy/v1/types';
import { getControllerOf } from '../common/controller-ref';
import { scaledValue } from '../common/int-or-percent';

/** Kubernetes' DeletionTimeout: an evicted pod not deleted within this counts as healthy again. */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

/** The namespaced reads the finders make (the controller's listers). */
export interface ControllerListers {
  replicaSet(namespace: string, name: string): ReplicaSet | undefined;
  deployment(namespace: string, name: string): Deployment | undefined;
  statefulSet(namespace: string, name: string): StatefulSet | undefined;
}

/** A controller with a scale: its UID and desired replicas (controllerAndScale). */
interface ControllerScale {
  uid: string;
  scale: number;
}

type Finder = (ref: OwnerReference, namespace: string, l: ControllerListers) => ControllerScale | undefined;

const isApps = (ref: OwnerReference, kind: string) => ref.kind === kind && /^(apps|extensions)\//.test(ref.apiVersion);

/** getPodReplicaSet: a ReplicaSet no Deployment controls. */
const replicaSetFinder: Finder = (ref, ns, l) => {
  if (!isApps(ref, 'ReplicaSet')) return undefined;
  const rs = l.replicaSet(ns, ref.name);
  if (!rs || rs.metadata!.uid !== ref.uid || getControllerOf(rs)?.kind === 'Deployment') return undefined;
  return { uid: rs.metadata!.uid, scale: rs.spec?.replicas ?? 1 };
};

/** getPodDeployment: the Deployment controlling the pod's ReplicaSet. */
const deploymentFinder: Finder = (ref, ns, l) => {
  if (!isApps(ref, 'ReplicaSet')) return undefined;
  const rs = l.replicaSet(ns, ref.name);
  if (!rs || rs.metadata!.uid !== ref.uid) return undefined;
  const depRef = getControllerOf(rs);
  if (!depRef || !isApps(depRef, 'Deployment')) return undefined;
  const d = l.deployment(ns, depRef.name);
  if (!d || d.metadata!.uid !== depRef.uid) return undefined;
  return { uid: d.metadata!.uid, scale: d.spec?.replicas ?? 1 };
};

/** getPodStatefulSet. */
const statefulSetFinder: Finder = (ref, ns, l) => {
  if (!isApps(ref, 'StatefulSet')) return undefined;
  const ss = l.statefulSet(ns, ref.name);
  if (!ss || ss.metadata!.uid !== ref.uid) return undefined;
  return { uid: ss.metadata!.uid, scale: ss.spec?.replicas ?? 1 };
};

const FINDERS: Finder[] = [replicaSetFinder, deploymentFinder, statefulSetFinder];

/** An expected count that cannot be worked out (the controller's CalculateExpectedPodCountFailed). */
export class ExpectedCountError extends Error {
  /** Set when a pod's controller was not found (Kubernetes' NoControllers). */
  constructor(
    message: string,
    readonly noControllers = false,
  ) {
    super(message);
  }
}

export interface ExpectedScale {
  expectedCount: number;
  /** Names of selected pods without a controller (they are left out of the scale). */
  unmanagedPods: string[];
}

/** getExpectedScale: the sum of the scales of the controllers of `pods`; throws when one is not found. */
export function expectedScale(pods: Pod[], l: ControllerListers): ExpectedScale {
  const scales = new Map<string, number>();
  const unmanagedPods: string[] = [];
  for (const pod of pods) {
    const ref = getControllerOf(pod);
    if (!ref) {
      unmanagedPods.push(pod.metadata!.name);
      continue;
    }
    if (scales.has(ref.uid)) continue;
    let found: ControllerScale | undefined;
    for (const finder of FINDERS) if ((found = finder(ref, pod.metadata!.namespace, l))) break;
    if (!found) throw new ExpectedCountError(`found no controllers for pod "${pod.metadata!.name}"`, true);
    scales.set(found.uid, found.scale);
  }
  return { expectedCount: [...scales.values()].reduce((a, b) => a + b, 0), unmanagedPods };
}

export interface ExpectedPodCount extends ExpectedScale {
  desiredHealthy: number;
}

const isSet = (v: unknown) => v !== undefined && v !== null;

/**
 * getExpectedPodCount: maxUnavailable (a count or percentage of the controllers' scale) gives
 * desiredHealthy = scale - maxUnavailable; an integer minAvailable is desiredHealthy itself over
 * the pods found; a percentage minAvailable is taken of the controllers' scale (rounded up).
 */
export function expectedPodCount(pdb: PodDisruptionBudget, pods: Pod[], l: ControllerListers): ExpectedPodCount {
  const spec = pdb.spec ?? {};
  const scaled = (v: number | string, total: number) => {
    try {
      return scaledValue(v, total, true);
    } catch (err) {
      throw new ExpectedCountError((err as Error).message);
    }
  };
  if (isSet(spec.maxUnavailable)) {
    const s = expectedScale(pods, l);
    return { ...s, desiredHealthy: Math.max(0, s.expectedCount - scaled(spec.maxUnavailable as number | string, s.expectedCount)) };
  }
  if (typeof spec.minAvailable === 'number') return { expectedCount: pods.length, unmanagedPods: [], desiredHealthy: spec.minAvailable };
  if (typeof spec.minAvailable === 'string') {
    const s = expectedScale(pods, l);
    return { ...s, desiredHealthy: scaled(spec.minAvailable, s.expectedCount) };
  }
  return { expectedCount: 0, unmanagedPods: [], desiredHealthy: 0 };
}

export interface DisruptedPods {
  /** The evictions still expected to end in a delete, by pod name. */
  disrupted: Record<string, string>;
  /** Pods evicted more than DELETION_TIMEOUT ago and still not being deleted (the NotDeleted event). */
  notDeleted: Pod[];
  /** When the oldest remaining entry expires (ms since the epoch): the budget is synced again then. */
  recheckAt?: number;
}

/** buildDisruptedPodMap: disruptedPods pruned of pods gone, being deleted, or evicted over 2 minutes ago. */
export function buildDisruptedPods(pods: Pod[], pdb: PodDisruptionBudget, nowMs: number): DisruptedPods {
  const known = pdb.status?.disruptedPods ?? {};
  const result: DisruptedPods = { disrupted: {}, notDeleted: [] };
  for (const pod of pods) {
    if (pod.metadata!.deletionTimestamp) continue;
    const at = known[pod.metadata!.name];
    if (at === undefined) continue;
    const expectedDeletion = Date.parse(at) + DELETION_TIMEOUT_MS;
    if (expectedDeletion < nowMs) result.notDeleted.push(pod);
    else {
      if (result.recheckAt === undefined || expectedDeletion < result.recheckAt) result.recheckAt = expectedDeletion;
      result.disrupted[pod.metadata!.name] = at;
    }
  }
  return result;
}

/** countHealthyPods: Ready pods neither being deleted nor recently evicted. */
export function countHealthyPods(pods: Pod[], disrupted: Record<string, string>, nowMs: number): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata!.deletionTimestamp) continue;
    const at = disrupted[pod.metadata!.name];
    if (at !== undefined && Date.parse(at) + DELETION_TIMEOUT_MS > nowMs) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

/** updatePdbStatus' rule: no disruption while no pod is expected (a budget whose first pods just appeared is safe). */
export function disruptionsAllowed(currentHealthy: number, desiredHealthy: number, expectedCount: number): number {
  const allowed = currentHealthy - desiredHealthy;
  return expectedCount <= 0 || allowed <= 0 ? 0 : allowed;
}
