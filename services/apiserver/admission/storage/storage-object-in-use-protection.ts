// The StorageObjectInUseProtection admission (Kubernetes' plugin/pkg/admission/storage/storageobjectinuseprotection):
// every PersistentVolumeClaim is created with the finalizer kubernetes.io/pvc-protection and every
// PersistentVolume with kubernetes.io/pv-protection, so that deleting one in use only marks it;
// the pvc-protection and pv-protection controllers remove the finalizer once nothing uses it.
import { ObjectMeta } from '../../../../lib/gen/kite/meta/v1/meta';
import { PV_PROTECTION_FINALIZER } from '../../registry/validation/persistentvolume-validation';
import { PVC_PROTECTION_FINALIZER } from '../../registry/validation/persistentvolumeclaim-validation';
import type { AdmissionPlugin, AdmissionRequest } from '../chain';

const FINALIZERS: Record<string, string> = {
  PersistentVolumeClaim: PVC_PROTECTION_FINALIZER,
  PersistentVolume: PV_PROTECTION_FINALIZER,
};

export class StorageObjectInUseProtection implements AdmissionPlugin {
  readonly name = 'StorageObjectInUseProtection';

  admit(req: AdmissionRequest): void {
    const finalizer = FINALIZERS[req.kind.kind];
    if (!finalizer || req.verb !== 'create' || req.attributes.subresource || !req.object) return;
    const meta = (req.object.metadata ??= ObjectMeta.fromPartial({}));
    if (!meta.finalizers.includes(finalizer)) meta.finalizers.push(finalizer);
  }
}
