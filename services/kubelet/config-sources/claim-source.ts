// The PodClaimSource over the apiserver: a GET of the claim and of its volume each time a pod's
// persistentVolumeClaim volume is set up, as Kubernetes' desired-state-of-world populator reads
// them (the Node authorizer lets a node read the claims of its pods and their volumes).
import { isNotFound } from '../../../lib/api/errors';
import type { Clientset } from '../../../lib/client/clientset';
import type { PodClaimSource } from './types';

const orUndefined = <T>(p: Promise<T>): Promise<T | undefined> => p.catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));

export function apiClaimSource(client: Pick<Clientset, 'persistentVolumeClaims' | 'persistentVolumes'>): PodClaimSource {
  return {
    getClaim: (namespace, name) => orUndefined(client.persistentVolumeClaims.get(name, namespace)),
    getVolume: (name) => orUndefined(client.persistentVolumes.get(name)),
  };
}
