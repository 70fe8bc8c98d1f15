// Where a pod's volumes live under the kubelet's root directory, laid out as Kubernetes lays them
// out: <root>/pods/<uid>/volumes/<plugin>/<volume name>, the plugin named "kubernetes.io~<type>".
// These are also the paths the engine binds: the kubelet sees its root dir at the same path as
// the Docker Engine (a `kite` node mounts it at the same path in the kubelet's container).
import { join } from 'node:path';
import type { Volume } from '../../../lib/gen/kite/core/v1/types';

export function podDir(rootDir: string, podUid: string): string {
  return join(rootDir, 'pods', podUid);
}

export function podVolumesDir(rootDir: string, podUid: string): string {
  return join(podDir(rootDir, podUid), 'volumes');
}

/** Kubernetes' plugin directory names of the volume types the kubelet keeps on disk. */
export const PLUGIN_DIRS = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
} as const;

export type DiskVolumeType = keyof typeof PLUGIN_DIRS;

export function volumeDir(rootDir: string, podUid: string, type: DiskVolumeType, volumeName: string): string {
  return join(podVolumesDir(rootDir, podUid), PLUGIN_DIRS[type], volumeName);
}

export function emptyDirPath(rootDir: string, podUid: string, volumeName: string): string {
  return volumeDir(rootDir, podUid, 'emptyDir', volumeName);
}

/** The volume's source field (Kubernetes' JSON name) among those the kubelet supports, or undefined. */
export function volumeType(volume: Volume): DiskVolumeType | 'hostPath' | 'persistentVolumeClaim' | undefined {
  for (const type of ['emptyDir', 'hostPath', 'configMap', 'secret', 'downwardAPI', 'projected', 'persistentVolumeClaim'] as const) {
    if (volume[type]) return type;
  }
  return undefined;
}
