// Secondary indexes several controllers put on the shared informers.
import type { KubeObject } from '../../../lib/api/kinds';
import type { IndexFunc, SharedInformer } from '../../../lib/informer';
import { getControllerOf } from './controller-ref';

/** Objects by the uid of their controller (the ownerReference with controller=true). */
export const BY_CONTROLLER_UID = 'byControllerUid';
/** Objects by the uid of each of their owners. */
export const BY_OWNER_UID = 'byOwnerUid';
/** Pods by spec.nodeName. */
export const BY_NODE_NAME = 'byNodeName';

export function controllerUidIndex(obj: KubeObject): string[] {
  const ref = getControllerOf(obj);
  return ref ? [ref.uid] : [];
}

export function ownerUidIndex(obj: KubeObject): string[] {
  return (obj.metadata?.ownerReferences ?? []).map((r) => r.uid);
}

export function nodeNameIndex(obj: KubeObject): string[] {
  const node = obj.spec?.nodeName as string | undefined;
  return node ? [node] : [];
}

/** Adds the index unless another controller sharing the informer already did. */
export function ensureIndex<T extends KubeObject>(informer: SharedInformer<T>, name: string, fn: IndexFunc<T>): void {
  try {
    // The Indexer has no "has index" query; listing an unknown index's values throws.
    informer.indexer.indexValues(name);
  } catch {
    informer.addIndexers({ [name]: fn });
  }
}
