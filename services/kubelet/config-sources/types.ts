// What the kubelet reads from the API for a pod beyond the pod itself: the ConfigMaps and Secrets
// its env, envFrom, volumes and imagePullSecrets name (Kubernetes' configmap and secret managers),
// the bound service-account tokens of its projected volumes (the token manager), and the
// PersistentVolumeClaims of its persistentVolumeClaim volumes with their PersistentVolumes. The
// env and volume code depends only on these interfaces, so unit tests give them fakes.
import type { TokenRequestStatus } from '../../../lib/gen/kite/authentication/v1/types';
import type {
  ConfigMap,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  Secret,
  ServiceAccountTokenProjection,
} from '../../../lib/gen/kite/core/v1/types';

/** A pod's ConfigMaps and Secrets, by namespace and name; undefined when the object does not exist. */
export interface PodObjectSource {
  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  getSecret(namespace: string, name: string): Promise<Secret | undefined>;
}

/** Bound tokens for a pod's service account, cached and refreshed before they expire. */
export interface PodTokenSource {
  /** A token for `pod`'s service account with the projection's audience and lifetime, bound to the pod. */
  getToken(pod: Pod, projection: ServiceAccountTokenProjection): Promise<TokenRequestStatus>;
  /** Forgets the tokens of a pod that is gone. */
  forgetPod(podUid: string): void;
}

/** A pod's claims and the volumes bound to them, read afresh (the volume manager's populator GETs them); undefined when absent. */
export interface PodClaimSource {
  getClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  getVolume(name: string): Promise<PersistentVolume | undefined>;
}
