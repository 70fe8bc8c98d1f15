// Kubernetes' configMap volume (pkg/volume/configmap): the ConfigMap's data and binaryData keys as
// files, all of them or the listed items at their paths, with the item's mode or the volume's
// defaultMode (0644). A missing ConfigMap, or a listed key it lacks, fails the mount unless the
// source is optional (then the volume holds what there is, possibly nothing).
import type { ConfigMap, KeyToPath, Pod } from '../../../lib/gen/kite/core/v1/types';
import type { PodObjectSource } from '../config-sources/types';
import type { Payload } from './atomic-writer';
import { notFound } from './errors';
import { keysPayload } from './key-payload';

/** Kubernetes' ConfigMapVolumeSourceDefaultMode (and that of secret, downwardAPI and projected volumes). */
export const DEFAULT_MODE = 0o644;

/** Kubernetes' configmap.MakePayload: data and binaryData keys (validation keeps them apart). */
export function configMapPayload(items: readonly KeyToPath[], configMap: ConfigMap, defaultMode: number, optional: boolean): Payload {
  const entries = { ...configMap.data, ...configMap.binaryData };
  return keysPayload(items, entries, defaultMode, optional, (key) => `configmap references non-existent config key: ${key}`);
}

/** The ConfigMap, an empty one when it is missing and optional; throws Kubernetes' not-found cause otherwise. */
export async function fetchConfigMap(objects: PodObjectSource, namespace: string, name: string, optional: boolean): Promise<ConfigMap> {
  const found = await objects.getConfigMap(namespace, name);
  if (found) return found;
  if (!optional) throw new Error(notFound('configmap', name));
  return { metadata: undefined, data: {}, binaryData: {}, kind: 'ConfigMap', apiVersion: 'v1' };
}

export interface ConfigMapLike {
  name: string;
  items: KeyToPath[];
  optional?: boolean;
}

/** The files of a configMap volume (or projection) of `pod`. */
export async function configMapVolumePayload(objects: PodObjectSource, pod: Pod, source: ConfigMapLike, defaultMode: number): Promise<Payload> {
  const optional = source.optional ?? false;
  const configMap = await fetchConfigMap(objects, pod.metadata?.namespace ?? '', source.name, optional);
  return configMapPayload(source.items, configMap, defaultMode, optional);
}
