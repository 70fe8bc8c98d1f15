// The default storage of a `kite` cluster, as kind installs it: the namespace local-path-storage
// where rancher's local-path-provisioner runs (Kite runs it in the controller-manager as the
// local-path-provisioner controller; its helper pods run in this namespace) and the default
// StorageClass `standard` (provisioner rancher.io/local-path, WaitForFirstConsumer, reclaim policy
// Delete), created through the API once the control plane answers.
import type { Clientset } from '../../lib/client/clientset';
import { createUnlessExists } from './cluster-client';
import { Namespaces, StorageClasses } from '../../lib/gen/kite/kinds';

export const LOCAL_PATH_NAMESPACE = 'local-path-storage';
export const DEFAULT_STORAGE_CLASS = 'standard';

/** kind's manifests of the namespace and the default class, as Kubernetes JSON. */
export function localPathStorageManifests() {
  return {
    namespace: { metadata: { name: LOCAL_PATH_NAMESPACE } },
    storageClass: {
      metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'rancher.io/local-path',
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
    },
  };
}

/** Creates them; those that exist already are left as they are (a re-run). */
export async function installLocalPathStorage(client: Clientset): Promise<void> {
  const m = localPathStorageManifests();
  await createUnlessExists(client.namespaces.create(Namespaces.type.fromJSON(m.namespace)));
  await createUnlessExists(client.storageClasses.create(StorageClasses.type.fromJSON(m.storageClass)));
}
