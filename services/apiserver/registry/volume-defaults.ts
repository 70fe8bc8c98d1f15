// Kubernetes' defaults for a pod's volume sources and field selectors (SetDefaults_SecretVolumeSource,
// _ConfigMapVolumeSource, _DownwardAPIVolumeSource, _ProjectedVolumeSource: defaultMode 0644;
// _ServiceAccountTokenProjection: expirationSeconds 3600; _ObjectFieldSelector: apiVersion v1).
import type { DownwardAPIVolumeFile, PodSpec } from '../../../lib/gen/kite/core/v1/types';

export const DEFAULT_VOLUME_MODE = 0o644;
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;

function defaultFieldRefs(items: DownwardAPIVolumeFile[]): void {
  for (const item of items) if (item.fieldRef && !item.fieldRef.apiVersion) item.fieldRef.apiVersion = 'v1';
}

export function defaultVolumes(spec: PodSpec): void {
  for (const vol of spec.volumes) {
    for (const source of [vol.configMap, vol.secret, vol.downwardAPI, vol.projected]) {
      if (source && source.defaultMode === undefined) source.defaultMode = DEFAULT_VOLUME_MODE;
    }
    if (vol.downwardAPI) defaultFieldRefs(vol.downwardAPI.items);
    for (const source of vol.projected?.sources ?? []) {
      if (source.downwardAPI) defaultFieldRefs(source.downwardAPI.items);
      const token = source.serviceAccountToken;
      if (token && token.expirationSeconds === undefined) token.expirationSeconds = DEFAULT_TOKEN_EXPIRATION_SECONDS;
    }
  }
  for (const c of [...spec.initContainers, ...spec.containers]) {
    for (const e of c.env) {
      const ref = e.valueFrom?.fieldRef;
      if (ref && !ref.apiVersion) ref.apiVersion = 'v1';
    }
  }
}
