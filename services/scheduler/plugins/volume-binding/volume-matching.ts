// What the VolumeBinding plugin asks of claims, volumes and classes, with Kubernetes' rules
// (component-helpers' storage/volume and the PV controller's findMatchingVolume): a claim's
// class and binding mode, whether a claim is bound, whether a volume's node affinity or a class's
// allowedTopologies admit a node, and the smallest Available volume that satisfies a claim.
import { parseQuantity } from '../../../../lib/api/quantity';
import { selectorFromLabelSelector } from '../../../../lib/api/selectors';
import type { PersistentVolume, PersistentVolumeClaim, TopologySelectorTerm } from '../../../../lib/gen/kite/core/v1/types';
import type { StorageClass } from '../../../../lib/gen/kite/storage/v1/types';
import { matchesAnyTerm } from '../../../../lib/api/node-selector';

/** Set by the scheduler on a WaitForFirstConsumer claim to provision: the node the pod goes to. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** Set by the PV controller once it has bound a claim. */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** Set on a volume whose claimRef a controller (or the scheduler) wrote, not the user. */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** A class with this provisioner has only static volumes (Kubernetes' volume.NotSupportedProvisioner). */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';
/** The old annotation form of storageClassName, still honoured. */
const ANN_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';

export function claimKey(claim: PersistentVolumeClaim): string {
  return `${claim.metadata!.namespace}/${claim.metadata!.name}`;
}

/** The claim's class name ("" for none), the beta annotation first (GetPersistentVolumeClaimClass). */
export function claimClass(claim: PersistentVolumeClaim): string {
  return claim.metadata?.annotations[ANN_STORAGE_CLASS] ?? claim.spec?.storageClassName ?? '';
}

function volumeClass(pv: PersistentVolume): string {
  return pv.metadata?.annotations[ANN_STORAGE_CLASS] ?? pv.spec?.storageClassName ?? '';
}

/** The PV controller has finished binding the claim (isPVCFullyBound). */
export function isClaimFullyBound(claim: PersistentVolumeClaim): boolean {
  if (!claim.spec?.volumeName) return false;
  return claim.metadata?.annotations[ANN_BIND_COMPLETED] !== undefined || claim.status?.phase === 'Bound';
}

/** Whether the volume's required node affinity admits the node (CheckNodeAffinity); none admits every node. */
export function volumeFitsNode(pv: PersistentVolume, nodeName: string, labels: { [key: string]: string }): boolean {
  const required = pv.spec?.nodeAffinity?.required;
  return required === undefined || matchesAnyTerm(required.nodeSelectorTerms, nodeName, labels);
}

/** A class's allowedTopologies admit the node: no terms, or one whose every expression the node's labels satisfy. */
export function topologyAllows(terms: readonly TopologySelectorTerm[], labels: { [key: string]: string }): boolean {
  if (terms.length === 0) return true;
  return terms.some((t) => t.matchLabelExpressions.every((e) => Object.hasOwn(labels, e.key) && e.values.includes(labels[e.key])));
}

/** The class can provision a volume reachable from a node with these labels (checkVolumeProvisions). */
export function canProvisionOn(sc: StorageClass, labels: { [key: string]: string }): boolean {
  if (!sc.provisioner || sc.provisioner === NO_PROVISIONER) return false;
  return topologyAllows(sc.allowedTopologies, labels);
}

/** The volume's claimRef names this claim (IsVolumeBoundToClaim). */
export function volumeBoundToClaim(pv: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref || ref.name !== claim.metadata!.name || ref.namespace !== claim.metadata!.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata!.uid;
}

function storageOf(q: string | undefined): number {
  return q === undefined ? 0 : parseQuantity(q).value();
}

/**
 * The volume for `claim` on this node, as the PV controller's findMatchingVolume picks it for a
 * delayed-binding claim: one already reserved for the claim if its node affinity admits the node,
 * else the smallest Available, unclaimed volume of the claim's class and volume mode whose labels
 * match the claim's selector, with enough capacity, every requested access mode, and node
 * affinity admitting the node. `taken(pv)` excludes volumes promised to other claims.
 */
export function findMatchingVolume(
  claim: PersistentVolumeClaim,
  volumes: readonly PersistentVolume[],
  nodeName: string,
  labels: { [key: string]: string },
  taken: (pv: PersistentVolume) => boolean,
): PersistentVolume | undefined {
  const requested = storageOf(claim.spec?.resources?.requests.storage);
  const cls = claimClass(claim);
  const mode = claim.spec?.volumeMode || 'Filesystem';
  const selector = claim.spec?.selector ? selectorFromLabelSelector(claim.spec.selector) : undefined;
  const modes = claim.spec?.accessModes ?? [];
  let best: PersistentVolume | undefined;
  let bestSize = Infinity;
  for (const pv of volumes) {
    if (pv.metadata?.deletionTimestamp) continue;
    const size = storageOf(pv.spec?.capacity.storage);
    if (size < requested || (pv.spec?.volumeMode || 'Filesystem') !== mode) continue;
    const fits = volumeFitsNode(pv, nodeName, labels);
    if (volumeBoundToClaim(pv, claim)) return fits ? pv : undefined;
    if (pv.status?.phase !== 'Available' || pv.spec?.claimRef || taken(pv)) continue;
    if (selector && !selector.matches(pv.metadata?.labels)) continue;
    if (volumeClass(pv) !== cls || !fits) continue;
    if (!modes.every((m) => pv.spec!.accessModes.includes(m))) continue;
    if (size < bestSize) {
      best = pv;
      bestSize = size;
    }
  }
  return best;
}
