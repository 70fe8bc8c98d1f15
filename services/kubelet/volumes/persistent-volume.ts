// persistentVolumeClaim volumes (Kubernetes' desired-state-of-world populator resolving a claim to
// its PersistentVolume, then the hostPath and local volume plugins): the claim must exist, not be
// being deleted, and be Bound to a volume whose claimRef names it back; the volume's hostPath
// (type checked, DirectoryOrCreate creating the directory on the node) or local path is what
// the containers get, read-only when the pod's volume says readOnly. Until the claim is bound the
// pod's containers wait, and each sync reports why (FailedMount).
import { stat } from 'node:fs/promises';
import type { Pod, Volume } from '../../../lib/gen/kite/core/v1/types';
import type { PodClaimSource } from '../config-sources/types';
import { VolumeSetupError } from './errors';
import { checkHostPath } from './host-path';

/** Where a claim's volume is on the node, and whether the pod mounts it read-only. */
export interface ClaimMount {
  path: string;
  readOnly: boolean;
}

export async function setUpClaimVolume(claims: PodClaimSource, pod: Pod, volume: Volume): Promise<ClaimMount> {
  const src = volume.persistentVolumeClaim!;
  const namespace = pod.metadata!.namespace;
  const fail = (cause: string): never => {
    throw new VolumeSetupError(volume.name, `error processing PVC ${namespace}/${src.claimName}: ${cause}`);
  };
  const claim = await claims.getClaim(namespace, src.claimName);
  if (!claim) return fail(`failed to fetch PVC from API server: persistentvolumeclaims "${src.claimName}" not found`);
  if (claim.metadata?.deletionTimestamp) {
    throw new VolumeSetupError(volume.name, `can't start pod because PVC ${namespace}/${src.claimName} is being deleted`);
  }
  if (claim.status?.phase !== 'Bound') return fail('PVC is not bound');
  const pvName = claim.spec?.volumeName;
  if (!pvName) return fail('PVC has empty pvc.Spec.VolumeName');
  const pv = await claims.getVolume(pvName);
  if (!pv) return fail(`failed to fetch PV ${pvName} from API server: persistentvolumes "${pvName}" not found`);
  const ref = pv.spec?.claimRef;
  if (!ref) return fail(`found PV object ${pvName} but it has a nil pv.Spec.ClaimRef indicating it is not yet bound to the claim`);
  if (ref.uid !== claim.metadata!.uid) {
    return fail(`found PV object ${pvName} but its pv.Spec.ClaimRef.UID (${ref.uid}) does not point to claim.UID (${claim.metadata!.uid})`);
  }
  const readOnly = src.readOnly;
  if (pv.spec!.hostPath) {
    await checkHostPath(volume.name, pv.spec!.hostPath.path, pv.spec!.hostPath.type);
    return { path: pv.spec!.hostPath.path, readOnly };
  }
  if (pv.spec!.local) {
    const path = pv.spec!.local.path;
    if (!(await stat(path).catch(() => undefined))) throw new VolumeSetupError(volume.name, `path "${path}" does not exist`);
    return { path, readOnly };
  }
  throw new VolumeSetupError(volume.name, `PersistentVolume ${pvName} has no volume source the kubelet supports (hostPath, local)`);
}
