// What a StatefulSet's pods and claims must look like, as Kubernetes' stateful_set_utils.go has it:
// pod names `<set>-<ordinal>` (ordinals from spec.ordinals.start), the identity labels, hostname and
// subdomain, one PersistentVolumeClaim per claim template and ordinal (`<template>-<set>-<ordinal>`)
// mounted in place of the template's volume of that name, the owner references the claim
// retention policy asks for, the pod predicates the update algorithm uses, and the pod a
// revision makes.
import { Pods, StatefulSets, type KindInfo, type KubeObject } from '../../../lib/api/kinds';
import { isPodAvailable, isPodReady } from '../../../lib/api/pods';
import type { StatefulSet } from '../../../lib/gen/kite/apps/v1/types';
import { PersistentVolumeClaim, Pod } from '../../../lib/gen/kite/core/v1/types';
import type { ControllerRevision } from '../../../lib/gen/kite/apps/v1/types';
import type { OwnerReference } from '../../../lib/gen/kite/meta/v1/meta';
import { CONTROLLER_REVISION_HASH, templateFromRevision } from '../history/history';
import { newControllerRef } from '../common/controller-ref';

/** The labels Kubernetes puts on a StatefulSet's pods (k8s.io/api/apps/v1). */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

const ORDINAL_NAME = /^(.*)-([0-9]+)$/;

/** getParentNameAndOrdinal: the set name and ordinal a pod name encodes (ordinal -1 if none). */
export function parentAndOrdinal(pod: Pod): { parent: string; ordinal: number } {
  const m = ORDINAL_NAME.exec(pod.metadata?.name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const ordinal = Number(m[2]);
  return Number.isSafeInteger(ordinal) ? { parent: m[1], ordinal } : { parent: '', ordinal: -1 };
}

export function getOrdinal(pod: Pod): number {
  return parentAndOrdinal(pod).ordinal;
}

export function startOrdinal(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

/** The last ordinal in range (start - 1 when there are no replicas). */
export function endOrdinal(set: StatefulSet): number {
  return startOrdinal(set) + (set.spec?.replicas ?? 0) - 1;
}

export function podInOrdinalRange(pod: Pod, set: StatefulSet): boolean {
  const ord = getOrdinal(pod);
  return ord >= startOrdinal(set) && ord <= endOrdinal(set);
}

/** isMemberOf: the pod's name says it belongs to the set. */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return parentAndOrdinal(pod).parent === set.metadata!.name;
}

export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata!.name}-${ordinal}`;
}

export function claimName(set: StatefulSet, template: PersistentVolumeClaim, ordinal: number): string {
  return `${template.metadata?.name ?? ''}-${set.metadata!.name}-${ordinal}`;
}

export function podRevision(pod: Pod): string {
  return pod.metadata?.labels?.[CONTROLLER_REVISION_HASH] ?? '';
}

// ---------- pod predicates ----------

export const isCreated = (pod: Pod) => !!pod.status?.phase;
export const isPending = (pod: Pod) => pod.status?.phase === 'Pending';
export const isFailed = (pod: Pod) => pod.status?.phase === 'Failed';
export const isSucceeded = (pod: Pod) => pod.status?.phase === 'Succeeded';
export const isTerminating = (pod: Pod) => !!pod.metadata?.deletionTimestamp;
export const isRunningAndReady = (pod: Pod) => pod.status?.phase === 'Running' && isPodReady(pod);
export const isRunningAndAvailable = (pod: Pod, minReadySeconds: number, now: number) =>
  pod.status?.phase === 'Running' && isPodAvailable(pod, minReadySeconds, now);
export const isHealthy = (pod: Pod) => isRunningAndReady(pod) && !isTerminating(pod);

// ---------- identity and storage ----------

/** The claims the pod at this ordinal uses, by template name (getPersistentVolumeClaims). */
export function podClaims(set: StatefulSet, ordinal: number): Map<string, PersistentVolumeClaim> {
  const claims = new Map<string, PersistentVolumeClaim>();
  for (const template of set.spec?.volumeClaimTemplates ?? []) {
    const claim = PersistentVolumeClaim.fromPartial(structuredClone(template));
    const meta = claim.metadata!;
    meta.name = claimName(set, template, ordinal);
    meta.namespace = set.metadata!.namespace;
    meta.labels = { ...meta.labels, ...set.spec?.selector?.matchLabels };
    // A template's status (defaulted Pending) is no part of the claim it makes.
    claim.status = undefined;
    claims.set(template.metadata?.name ?? '', claim);
  }
  return claims;
}

export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod);
  const m = pod.metadata!;
  return ordinal >= 0 && parent === set.metadata!.name && m.name === podName(set, ordinal) && m.namespace === set.metadata!.namespace
    && m.labels?.[POD_NAME_LABEL] === m.name && m.labels?.[POD_INDEX_LABEL] === String(ordinal);
}

/** updateIdentity: name, namespace and the identity labels from the ordinal. */
export function updateIdentity(set: StatefulSet, pod: Pod): void {
  const ordinal = getOrdinal(pod);
  const m = pod.metadata!;
  m.name = podName(set, ordinal);
  m.namespace = set.metadata!.namespace;
  m.labels = { ...m.labels, [POD_NAME_LABEL]: m.name, [POD_INDEX_LABEL]: String(ordinal) };
}

export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = getOrdinal(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  return (set.spec?.volumeClaimTemplates ?? []).every((t) => volumes.get(t.metadata?.name ?? '')?.persistentVolumeClaim?.claimName === claimName(set, t, ordinal));
}

/** updateStorage: a persistentVolumeClaim volume per claim template, replacing the volume of that name. */
export function updateStorage(set: StatefulSet, pod: Pod): void {
  const claims = podClaims(set, getOrdinal(pod));
  const spec = pod.spec!;
  const current = spec.volumes ?? [];
  spec.volumes = [
    ...[...claims].map(([name, claim]) => ({ name, persistentVolumeClaim: { claimName: claim.metadata!.name, readOnly: false } })),
    ...current.filter((v) => !claims.has(v.name)),
  ];
}

/** newStatefulSetPod: the template's pod, controller-owned, with its identity and storage. */
export function newStatefulSetPod(set: StatefulSet, ordinal: number): Pod {
  const template = set.spec?.template;
  const pod = Pod.fromPartial({
    metadata: {
      name: podName(set, ordinal),
      namespace: set.metadata!.namespace,
      labels: { ...template?.metadata?.labels },
      annotations: { ...template?.metadata?.annotations },
      finalizers: [...(template?.metadata?.finalizers ?? [])],
      ownerReferences: [newControllerRef(set, StatefulSets)],
    },
    spec: structuredClone(template?.spec ?? {}),
  });
  updateIdentity(set, pod);
  pod.spec!.hostname = pod.metadata!.name;
  pod.spec!.subdomain = set.spec?.serviceName ?? '';
  updateStorage(set, pod);
  return pod;
}

/** ApplyRevision: the set with the pod template a revision holds. */
export function applyRevision(set: StatefulSet, revision: ControllerRevision): StatefulSet {
  const clone = structuredClone(set);
  clone.spec!.template = templateFromRevision(revision);
  return clone;
}

/**
 * newVersionedStatefulSetPod: ordinals below the partition (or, without a rollingUpdate, below
 * the current replicas) are made from the current revision, the others from the update revision.
 */
export function newVersionedStatefulSetPod(currentSet: StatefulSet, updateSet: StatefulSet, currentRevision: string, updateRevision: string, ordinal: number): Pod {
  const strategy = currentSet.spec?.updateStrategy;
  const start = startOrdinal(currentSet);
  const rollingUpdate = strategy?.type === 'RollingUpdate';
  const keepCurrent = rollingUpdate && (strategy?.rollingUpdate
    ? ordinal < start + (strategy.rollingUpdate.partition ?? 0)
    : ordinal < start + (currentSet.status?.currentReplicas ?? 0));
  const pod = newStatefulSetPod(keepCurrent ? currentSet : updateSet, ordinal);
  pod.metadata!.labels[CONTROLLER_REVISION_HASH] = keepCurrent ? currentRevision : updateRevision;
  return pod;
}

// ---------- claim retention (StatefulSetAutoDeletePVC) ----------

function hasOwnerRef(obj: KubeObject, owner: KubeObject): boolean {
  return obj.metadata!.ownerReferences.some((r) => r.uid === owner.metadata!.uid);
}

/** hasStaleOwnerRef: a reference to an earlier object of the owner's name. */
export function hasStaleOwnerRef(obj: KubeObject, owner: KubeObject, kind: KindInfo<any>): boolean {
  return obj.metadata!.ownerReferences.some((r) => r.kind === kind.kind && r.name === owner.metadata!.name && r.uid !== owner.metadata!.uid);
}

/** hasUnexpectedController: a claim controlled by something other than the set or the pod. */
export function hasUnexpectedController(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  return claim.metadata!.ownerReferences.some((r) => r.controller && r.uid !== set.metadata!.uid && r.uid !== pod.metadata!.uid);
}

function ownerRef(owner: KubeObject, kind: KindInfo<any>): OwnerReference {
  return { apiVersion: kind.apiVersion, kind: kind.kind, name: owner.metadata!.name, uid: owner.metadata!.uid };
}

/**
 * What the retention policy asks of a claim: a reference to the set when whenDeleted is Delete
 * (and the pod is in range), a reference to the pod when whenScaled is Delete and the pod is
 * condemned (claimOwnerMatchesSetAndPod).
 */
function wantedRefs(set: StatefulSet, pod: Pod): { toSet: boolean; toPod: boolean } {
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy;
  const whenDeleted = policy?.whenDeleted === 'Delete';
  const whenScaled = policy?.whenScaled === 'Delete';
  const scaledDown = !podInOrdinalRange(pod, set);
  if (!whenScaled) return { toSet: whenDeleted, toPod: false };
  return { toSet: whenDeleted && !scaledDown, toPod: scaledDown };
}

export function claimOwnerMatchesSetAndPod(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  const want = wantedRefs(set, pod);
  return hasOwnerRef(claim, set) === want.toSet && hasOwnerRef(claim, pod) === want.toPod;
}

/** updateClaimOwnerRefForSetAndPod: a copy of the claim with the references the policy asks for. */
export function withClaimOwnerRefs(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): PersistentVolumeClaim {
  const want = wantedRefs(set, pod);
  const next = structuredClone(claim);
  const meta = next.metadata!;
  const setUid = set.metadata!.uid;
  const podUid = pod.metadata!.uid;
  meta.ownerReferences = meta.ownerReferences.filter((r) => (r.uid !== setUid || want.toSet) && (r.uid !== podUid || want.toPod));
  if (want.toSet && !hasOwnerRef(next, set)) meta.ownerReferences.push(ownerRef(set, StatefulSets));
  if (want.toPod && !hasOwnerRef(next, pod)) meta.ownerReferences.push(ownerRef(pod, Pods));
  return next;
}
