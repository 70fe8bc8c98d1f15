// What the volume controllers share beyond lib/api/persistent-volumes.ts (which the scheduler
// shares too), as Kubernetes' pkg/controller/volume/persistentvolume/util has it: the
// provisioning annotations, a claim reference, the claims a pod mounts.
import type { ObjectReference, PersistentVolume, PersistentVolumeClaim } from '../../../lib/gen/kite/core/v1/types';

/** On a volume: the provisioner that made it (AnnDynamicallyProvisioned). */
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
/** On a claim: the provisioner asked to make its volume (AnnStorageProvisioner and the beta one). */
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';

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

/** The claims a pod mounts, as "namespace/name" keys. */
export function podClaimKeys(pod: { metadata?: { namespace: string }; spec?: { volumes: { persistentVolumeClaim?: { claimName: string } }[] } }): string[] {
  return (pod.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [`${pod.metadata?.namespace}/${v.persistentVolumeClaim.claimName}`] : []));
}
