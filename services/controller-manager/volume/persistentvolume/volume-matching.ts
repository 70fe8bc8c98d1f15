// Which volume a claim gets, as Kubernetes' persistentvolume index (findBestMatchForClaim) chooses
// it with FindMatchingVolume (lib/api/persistent-volumes.ts, shared with the scheduler): a volume
// already pointing at the claim wins; otherwise the smallest Available volume of the claim's
// class, with every access mode the claim asks for (fewest extra modes first), at least its
// storage request, its volume mode, labels matching its selector, and not being deleted. A claim
// whose binding waits for its first consumer (WaitForFirstConsumer) is matched only to a volume
// already pointing at it: the scheduler picks the others.
import { claimClass, findMatchingVolume, hasAccessModes, storageBytes, volumeClass, volumeModeMismatch } from '../../../../lib/api/persistent-volumes';
import type { PersistentVolume, PersistentVolumeClaim } from '../../../../lib/gen/kite/core/v1/types';

/**
 * checkVolumeSatisfyClaim: why a volume the claim names cannot serve it, undefined when it can.
 * Kubernetes' words, for the VolumeMismatch event.
 */
export function volumeSatisfiesClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): string | undefined {
  if (storageBytes(volume.spec?.capacity.storage) < storageBytes(claim.spec?.resources?.requests.storage)) return 'requested PV is too small';
  if (volumeClass(volume) !== claimClass(claim)) return 'storageClassName does not match';
  if (volumeModeMismatch(claim, volume)) return 'incompatible volumeMode';
  if (!hasAccessModes(volume, claim)) return 'incompatible accessMode';
  return undefined;
}

/**
 * findBestMatchForClaim: the volumes are grouped by their exact set of access modes; the groups
 * offering every mode the claim asks for are tried fewest modes first, each with
 * FindMatchingVolume, and the first match wins (a bigger volume with fewer extra modes before a
 * smaller one with more).
 */
export function findBestMatch(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[], delayBinding: boolean): PersistentVolume | undefined {
  const groups = new Map<string, PersistentVolume[]>();
  for (const volume of volumes) {
    if (!hasAccessModes(volume, claim)) continue;
    const key = [...new Set(volume.spec?.accessModes ?? [])].sort().join(',');
    groups.set(key, [...(groups.get(key) ?? []), volume]);
  }
  const modeCount = (key: string) => (key ? key.split(',').length : 0);
  for (const key of [...groups.keys()].sort((a, b) => modeCount(a) - modeCount(b) || a.localeCompare(b))) {
    const match = findMatchingVolume(claim, groups.get(key)!, { delayBinding });
    if (match) return match;
  }
  return undefined;
}
