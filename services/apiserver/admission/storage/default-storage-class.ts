// The DefaultStorageClass admission (Kubernetes' plugin/pkg/admission/storage/storageclass/setdefault).
// A PersistentVolumeClaim created without spec.storageClassName (nil, not "") and without the beta
// class annotation gets the default StorageClass: the one annotated
// storageclass.kubernetes.io/is-default-class "true" (or the beta annotation), the newest when
// several are, the first by name among equally new ones. No default class: the claim stays as it
// is. Updates pass untouched.
import { ForbiddenError } from '../../../../lib/api/errors';
import type { PersistentVolumeClaim } from '../../../../lib/gen/kite/core/v1/types';
import type { StorageClass } from '../../../../lib/gen/kite/storage/v1/types';
import { isDefaultClass } from '../../../../lib/api/storage-classes';
import { BETA_STORAGE_CLASS_ANNOTATION } from '../../../../lib/api/persistent-volumes';
import type { AdmissionPlugin, AdmissionRequest } from '../chain';

/** Where StorageClasses are read: the watch cache (the registry satisfies it). */
export interface StorageClassSource {
  cachedList(): StorageClass[];
}

/** storageutil.GetDefaultClass: the newest default class, then the first by name. */
export function defaultClass(classes: readonly StorageClass[]): StorageClass | undefined {
  const defaults = classes.filter(isDefaultClass);
  defaults.sort((a, b) => {
    const ta = a.metadata?.creationTimestamp ?? '';
    const tb = b.metadata?.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? 1 : -1;
    const na = a.metadata?.name ?? '';
    const nb = b.metadata?.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
  return defaults[0];
}

export class DefaultStorageClass implements AdmissionPlugin {
  readonly name = 'DefaultStorageClass';

  constructor(private readonly classes: StorageClassSource) {}

  admit(req: AdmissionRequest): void {
    if (req.kind.kind !== 'PersistentVolumeClaim' || req.verb !== 'create' || req.attributes.subresource || !req.object) return;
    const pvc = req.object as PersistentVolumeClaim;
    if (!pvc.spec || pvc.spec.storageClassName !== undefined) return;
    if (pvc.metadata?.annotations[BETA_STORAGE_CLASS_ANNOTATION] !== undefined) return;
    let found: StorageClass | undefined;
    try {
      found = defaultClass(this.classes.cachedList());
    } catch (err) {
      throw new ForbiddenError(`persistentvolumeclaims "${pvc.metadata?.name ?? ''}" is forbidden: ${(err as Error).message}`);
    }
    if (found) pvc.spec.storageClassName = found.metadata!.name;
  }
}
