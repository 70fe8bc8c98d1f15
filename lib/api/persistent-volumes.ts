// Claims and volumes as the PV controller and the scheduler's VolumeBinding plugin both read them
// (Kubernetes' component-helpers storage/volume and pkg/controller/volume/persistentvolume/util):
// the binding annotations, a claim's and a volume's class, whether a volume is bound to a claim,
// whether its node affinity admits a node, storage sizes, and FindMatchingVolume, the one choice
// of a volume for a claim that both make.
import { matchesAnyTerm } from './node-selector';
import { Quantity } from './quantity';
import { selectorFromLabelSelector } from './selectors';
import type { PersistentVolume, PersistentVolumeClaim } from '../gen/kite/core/v1/types';

/** The old annotation form of storageClassName, still honoured on claims and volumes. */
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
/** On a claim: the binder finished binding it (AnnBindCompleted). */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** On a claim or volume: a controller or the scheduler, not the user, set its half of the binding (AnnBoundByController). */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** On a WaitForFirstConsumer claim: the node the scheduler chose for its first consumer (AnnSelectedNode). */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';

/** GetPersistentVolumeClaimClass: the beta annotation first, then spec.storageClassName ("" for none). */
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
  if (!ref || ref.name !== claim.metadata?.name || ref.namespace !== claim.metadata?.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata?.uid;
}

/** CheckNodeAffinity: the volume's required node affinity admits the node; none admits every node. */
export function volumeFitsNode(volume: PersistentVolume, nodeName: string, labels: { [key: string]: string }): boolean {
  const required = volume.spec?.nodeAffinity?.required;
  return required === undefined || matchesAnyTerm(required.nodeSelectorTerms, nodeName, labels);
}

/** A storage quantity in milli-units (to compare exactly); 0 when absent or unparsable. */
export function storageBytes(q: string | undefined): bigint {
  if (!q) return 0n;
  try {
    return Quantity.parse(q).scaled(3);
  } catch {
    return 0n;
  }
}

/** CheckVolumeModeMismatches: Filesystem when unset on either side. */
export function volumeModeMismatch(claim: PersistentVolumeClaim, volume: PersistentVolume): boolean {
  return (claim.spec?.volumeMode || 'Filesystem') !== (volume.spec?.volumeMode || 'Filesystem');
}

/** CheckAccessModes: the volume offers every access mode the claim asks for. */
export function hasAccessModes(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const offered = new Set(volume.spec?.accessModes ?? []);
  return (claim.spec?.accessModes ?? []).every((m) => offered.has(m));
}

export interface MatchOptions {
  /** The scheduler's node: volumes must admit it, and access modes are checked here. Absent for the PV controller. */
  node?: { name: string; labels: { [key: string]: string } };
  /** The claim's class binds on first consumer: without a node, only a volume already pointing at the claim matches. */
  delayBinding: boolean;
  /** Volumes to pass over (the scheduler's volumes promised to other claims). */
  excluded?: (volume: PersistentVolume) => boolean;
}

/**
 * FindMatchingVolume: a volume already pointing at the claim wins (none at all when its node
 * affinity refuses the node); otherwise the smallest Available, unclaimed, not deleted volume of
 * the claim's class and volume mode with at least its storage request, labels matching its
 * selector and node affinity admitting the node, and, on the scheduler's path, every access mode
 * it asks for (the PV controller passes volumes already grouped by access modes). Ties go to the
 * first in name order, so the choice does not depend on listing order.
 */
export function findMatchingVolume(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[], options: MatchOptions): PersistentVolume | undefined {
  const requested = storageBytes(claim.spec?.resources?.requests.storage);
  const selector = claim.spec?.selector ? selectorFromLabelSelector(claim.spec.selector) : undefined;
  const wantedClass = claimClass(claim);
  const { node, delayBinding, excluded } = options;
  let best: PersistentVolume | undefined;
  let bestSize = 0n;
  for (const volume of volumes) {
    if (excluded?.(volume)) continue;
    const size = storageBytes(volume.spec?.capacity.storage);
    if (size < requested || volumeModeMismatch(claim, volume) || volume.metadata?.deletionTimestamp) continue;
    const fits = node === undefined || volumeFitsNode(volume, node.name, node.labels);
    if (isVolumeBoundToClaim(volume, claim)) return fits ? volume : undefined;
    if (node === undefined && delayBinding) continue;
    if (volume.status?.phase !== 'Available' || volume.spec?.claimRef) continue;
    if (selector && !selector.matches(volume.metadata?.labels)) continue;
    if (volumeClass(volume) !== wantedClass || !fits) continue;
    if (node !== undefined && !hasAccessModes(volume, claim)) continue;
    if (!best || size < bestSize || (size === bestSize && (volume.metadata?.name ?? '') < (best.metadata?.name ?? ''))) {
      best = volume;
      bestSize = size;
    }
  }
  return best;
}
