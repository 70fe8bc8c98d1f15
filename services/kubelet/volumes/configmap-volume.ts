// Kubernetes' configMap volume (pkg/volume/configmap): the ConfigMap's data and binaryData keys as
// files, all of them or the listed items at their paths, with the item's mode or the volume's
// defaultMode (0644). A missing ConfigMap, or a listed key it lacks, fails the mount unless the
// source is optional (then the volume holds what there is, possibly nothing).
import type { ConfigMap, KeyToPath, Pod } from '../../../lib/gen/kite/core/v1/types';
import type { PodObjectSource } from '../config-sources/types';
import type { FileProjection, Payload } from './atomic-writer';
import { notFound } from './errors';

/** Kubernetes' ConfigMapVolumeSourceDefaultMode (and that of secret, downwardAPI and projected volumes). */
export const DEFAULT_MODE = 0o644;

/** Kubernetes' configmap.MakePayload. */
export function configMapPayload(items: readonly KeyToPath[], configMap: ConfigMap, defaultMode: number, optional: boolean): Payload {
  const payload: Payload = new Map();
  const data = configMap.data ?? {};
  const binaryData = configMap.binaryData ?? {};
  if (items.length === 0) {
    for (const [key, value] of Object.entries(data)) payload.set(key, { data: Buffer.from(value), mode: defaultMode });
    for (const [key, value] of Object.entries(binaryData)) payload.set(key, { data: Buffer.from(value), mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    let content: Buffer;
    if (Object.hasOwn(data, item.key)) content = Buffer.from(data[item.key]);
    else if (Object.hasOwn(binaryData, item.key)) content = Buffer.from(binaryData[item.key]);
    else if (optional) continue;
    else throw new Error(`configmap references non-existent config key: ${item.key}`);
    const file: FileProjection = { data: content, mode: item.mode ?? defaultMode };
    payload.set(item.path, file);
  }
  return payload;
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
