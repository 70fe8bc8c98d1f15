// What the VolumeBinding plugin reads and writes besides pods and nodes: PersistentVolumeClaims,
// PersistentVolumes and StorageClasses from the scheduler's informers (kube-scheduler's shared
// listers), and updates of claims and volumes through the apiserver (the volume binder's client).
// Without informers (tests of other plugins, benchmarks) NO_VOLUMES knows no objects.
import type { PersistentVolume, PersistentVolumeClaim } from '../../../lib/gen/kite/core/v1/types';
import type { StorageClass } from '../../../lib/gen/kite/storage/v1/types';

export interface VolumeHandle {
  getClaim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  getVolume(name: string): PersistentVolume | undefined;
  listVolumes(): PersistentVolume[];
  getStorageClass(name: string): StorageClass | undefined;
  /** Writes a volume (its claimRef); resolves with the stored object. */
  updateVolume(pv: PersistentVolume): Promise<PersistentVolume>;
  /** Writes a claim (its selected-node annotation); resolves with the stored object. */
  updateClaim(pvc: PersistentVolumeClaim): Promise<PersistentVolumeClaim>;
}

const noWrites = (): Promise<never> => Promise.reject(new Error('the scheduler has no client for volumes'));

export const NO_VOLUMES: VolumeHandle = {
  getClaim: () => undefined,
  getVolume: () => undefined,
  listVolumes: () => [],
  getStorageClass: () => undefined,
  updateVolume: noWrites,
  updateClaim: noWrites,
};
