// What the volume controllers share, as Kubernetes' pkg/controller/volume/persistentvolume/util
// and component-helpers/storage/volume have it: the binding annotations, a claim's and a
// volume's class, whether a volume is bound to a given claim, a claim reference, storage sizes.
import { Quantity } from '../../../lib/api/quantity';
import type { ObjectReference, PersistentVolume, PersistentVolumeClaim } from '../../../lib/gen/kite/core/v1/types';
import { BETA_STORAGE_CLASS_ANNOTATION } from '../../apiserver/registry/validation/persistentvolumeclaim-validation';

/** On a claim: the binder finished binding it (AnnBindCompleted). */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** On a claim or volume: the binder, not the user, set its half of the binding (AnnBoundByController). */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** On a volume: the provisioner that made it (AnnDynamicallyProvisioned). */
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
/** On a claim: the provisioner asked to make its volume (AnnStorageProvisioner and the beta one). */
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
/** On a claim: the node the scheduler chose for its first consumer (AnnSelectedNode). */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';

/** GetPersistentVolumeClaimClass: the beta annotation first, then spec.storageClassName. */
export function claimClass(claim: PersistentVolumeClaim): string {
  return claim.metadata?.annotations[BETA_STORAGE_CLASS_ANNOTATION] ?? claim.spec?.storageClassName ?? '';
}

/** GetPersistentVolumeClass. */
export function volumeClass(volume: PersistentVolume): string {
  return volume.metadata?.annotations[BETA_STORAGE_CLASS_ANNOTATION] ?? volume.spec?.storageClassName ?? '';
}

/** IsVolumeBoundToClaim: the volume's claimRef names the claim (and its uid, when it has one). */
export function isVolumeBoundToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = volume.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata?.name || ref.namespace !== claim.metadata?.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata?.uid;
}

/** GetReference of a claim, as a volume's claimRef holds it. */
export function claimReference(claim: PersistentVolumeClaim): ObjectReference {
  const m = claim.metadata!;
  return { kind: 'PersistentVolumeClaim', namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: 'v1', resourceVersion: m.resourceVersion, fieldPath: '' };
}

/** The claim key ("namespace/name") a volume's claimRef points at. */
export function claimRefKey(volume: PersistentVolume): string | undefined {
  const ref = volume.spec?.claimRef;
  return ref ? `${ref.namespace}/${ref.name}` : undefined;
}

/** A storage quantity in bytes (milli-units, to compare exactly); 0 when absent or unparsable. */
export function storageBytes(q: string | undefined): bigint {
  if (!q) return 0n;
  try {
    return Quantity.parse(q).scaled(3);
  } catch {
    return 0n;
  }
}

/** The claims a pod mounts, as "namespace/name" keys. */
export function podClaimKeys(pod: { metadata?: { namespace: string }; spec?: { volumes: { persistentVolumeClaim?: { claimName: string } }[] } }): string[] {
  return (pod.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [`${pod.metadata?.namespace}/${v.persistentVolumeClaim.claimName}`] : []));
}
