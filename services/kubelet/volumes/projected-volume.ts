// Kubernetes' projected volume (pkg/volume/projected): secret, configMap, downwardAPI and
// serviceAccountToken sources written together into one directory, each with the volume's
// defaultMode (0644) unless an item says otherwise. Every source is tried; the failures are
// reported together, as Kubernetes' collectData aggregates them.
import type { Pod, ProjectedVolumeSource, VolumeProjection } from '../../../lib/gen/kite/core/v1/types';
import type { PodObjectSource, PodTokenSource } from '../config-sources/types';
import type { Payload } from './atomic-writer';
import { configMapVolumePayload, DEFAULT_MODE } from './configmap-volume';
import { aggregate, downwardAPIPayload } from './downward-api-volume';
import { secretVolumePayload } from './secret-volume';

export interface ProjectionSources {
  objects: PodObjectSource;
  tokens: PodTokenSource;
  nodeAllocatable: Record<string, string>;
}

async function sourcePayload(sources: ProjectionSources, pod: Pod, source: VolumeProjection, defaultMode: number): Promise<Payload> {
  if (source.secret) return secretVolumePayload(sources.objects, pod, source.secret, defaultMode);
  if (source.configMap) return configMapVolumePayload(sources.objects, pod, source.configMap, defaultMode);
  if (source.downwardAPI) return downwardAPIPayload(source.downwardAPI.items, pod, defaultMode, sources.nodeAllocatable);
  if (source.serviceAccountToken) {
    const token = await sources.tokens.getToken(pod, source.serviceAccountToken);
    return new Map([[source.serviceAccountToken.path, { data: Buffer.from(token.token), mode: defaultMode }]]);
  }
  return new Map();
}

/** The sources are read at once (a token request need not wait for a ConfigMap); they are merged, and failures reported, in order. */
export async function projectedPayload(sources: ProjectionSources, pod: Pod, projected: ProjectedVolumeSource): Promise<Payload> {
  const defaultMode = projected.defaultMode ?? DEFAULT_MODE;
  const payload: Payload = new Map();
  const errors: string[] = [];
  for (const read of await Promise.allSettled(projected.sources.map((source) => sourcePayload(sources, pod, source, defaultMode)))) {
    if (read.status === 'rejected') errors.push((read.reason as Error).message);
    else for (const [path, file] of read.value) payload.set(path, file);
  }
  const failed = aggregate(errors);
  if (failed) throw failed;
  return payload;
}
