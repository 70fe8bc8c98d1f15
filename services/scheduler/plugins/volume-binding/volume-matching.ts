// What the VolumeBinding plugin asks of claims and classes beyond lib/api/persistent-volumes.ts
// (shared with the PV controller), with Kubernetes' rules: whether a claim is fully bound and
// whether a class can provision a volume reachable from a node (its allowedTopologies).
import { ANN_BIND_COMPLETED } from '../../../../lib/api/persistent-volumes';
import type { PersistentVolumeClaim, TopologySelectorTerm } from '../../../../lib/gen/kite/core/v1/types';
import type { StorageClass } from '../../../../lib/gen/kite/storage/v1/types';

/** A class with this provisioner has only static volumes (Kubernetes' volume.NotSupportedProvisioner). */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export function claimKey(claim: PersistentVolumeClaim): string {
  return `${claim.metadata!.namespace}/${claim.metadata!.name}`;
}

/** The PV controller has finished binding the claim (isPVCFullyBound). */
export function isClaimFullyBound(claim: PersistentVolumeClaim): boolean {
  if (!claim.spec?.volumeName) return false;
  return claim.metadata?.annotations[ANN_BIND_COMPLETED] !== undefined || claim.status?.phase === 'Bound';
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
