// Which volume a claim gets, as Kubernetes' persistentvolume index (findBestMatchForClaim,
// FindMatchingVolume) chooses it: a volume already pointing at the claim wins; otherwise the
// smallest Available volume of the claim's class, with every access mode the claim asks for
// (fewest extra modes first), at least its storage request, its volume mode, labels matching its
// selector, and not being deleted. A claim whose binding waits for its first consumer
// (WaitForFirstConsumer) is matched only to a volume already pointing at it: the scheduler
// picks the others.
import { selectorFromLabelSelector } from '../../../../lib/api/selectors';
import type { PersistentVolume, PersistentVolumeClaim } from '../../../../lib/gen/kite/core/v1/types';
import { claimClass, isVolumeBoundToClaim, storageBytes, volumeClass } from '../volume-util';

/** CheckVolumeModeMismatches: Filesystem when unset on either side. */
export function volumeModeMismatch(claim: PersistentVolumeClaim, volume: PersistentVolume): boolean {
  return (claim.spec?.volumeMode || 'Filesystem') !== (volume.spec?.volumeMode || 'Filesystem');
}

/** Whether the volume offers every access mode the claim asks for. */
export function hasAccessModes(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const offered = new Set(volume.spec?.accessModes ?? []);
  return (claim.spec?.accessModes ?? []).every((m) => offered.has(m));
}

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

export function findBestMatch(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[], delayBinding: boolean): PersistentVolume | undefined {
  const requested = storageBytes(claim.spec?.resources?.requests.storage);
  const selector = claim.spec?.selector ? selectorFromLabelSelector(claim.spec.selector) : undefined;
  const wantedClass = claimClass(claim);
  let best: PersistentVolume | undefined;
  for (const volume of volumes) {
    const boundToThis = isVolumeBoundToClaim(volume, claim);
    if (volume.spec?.claimRef && !boundToThis) continue;
    const size = storageBytes(volume.spec?.capacity.storage);
    if (size < requested) continue;
    if (volumeModeMismatch(claim, volume)) continue;
    if (volume.metadata?.deletionTimestamp) continue;
    if (!hasAccessModes(volume, claim)) continue;
    if (boundToThis) return volume;
    if (delayBinding) continue;
    if (volume.status?.phase !== 'Available') continue;
    if (selector && !selector.matches(volume.metadata?.labels)) continue;
    if (volumeClass(volume) !== wantedClass) continue;
    if (!best || better(volume, best)) best = volume;
  }
  return best;
}

/** The smaller volume first, then the one with fewer access modes, then by name (a stable choice). */
function better(a: PersistentVolume, b: PersistentVolume): boolean {
  const sa = storageBytes(a.spec?.capacity.storage);
  const sb = storageBytes(b.spec?.capacity.storage);
  if (sa !== sb) return sa < sb;
  const ma = a.spec?.accessModes.length ?? 0;
  const mb = b.spec?.accessModes.length ?? 0;
  if (ma !== mb) return ma < mb;
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '');
}
