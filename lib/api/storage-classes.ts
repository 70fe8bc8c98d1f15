// Which StorageClass is the default (Kubernetes' component-helpers storage/volume
// IsDefaultAnnotation): annotated storageclass.kubernetes.io/is-default-class "true", or the beta
// annotation. The DefaultStorageClass admission and the printers (kubectl marks it "(default)")
// share it.
import type { StorageClass } from '../gen/kite/storage/v1/types';

export const DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const BETA_DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

export function isDefaultClass(sc: StorageClass): boolean {
  const a = sc.metadata?.annotations ?? {};
  return a[DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true' || a[BETA_DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true';
}
