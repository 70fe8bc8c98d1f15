// Kubernetes' projected volume (pkg/volume/projected): secret, configMap, downwardAPI and
// serviceAccountToken sources written together into one directory, each with the volume's
// defaultMode (0644) unless an item says otherwise. Every source is tried; the failures are
// reported together, as Kubernetes' collectData aggregates them.
import type { Pod, ProjectedVolumeSource } from '../../../lib/gen/kite/core/v1/types';
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

export async function projectedPayload(sources: ProjectionSources, pod: Pod, projected: ProjectedVolumeSource): Promise<Payload> {
  const defaultMode = projected.defaultMode ?? DEFAULT_MODE;
  const payload: Payload = new Map();
  const errors: string[] = [];
  for (const source of projected.sources) {
    try {
      let files: Payload = new Map();
      if (source.secret) files = await secretVolumePayload(sources.objects, pod, source.secret, defaultMode);
      else if (source.configMap) files = await configMapVolumePayload(sources.objects, pod, source.configMap, defaultMode);
      else if (source.downwardAPI) files = downwardAPIPayload(source.downwardAPI.items, pod, defaultMode, sources.nodeAllocatable);
      else if (source.serviceAccountToken) {
        const token = await sources.tokens.getToken(pod, source.serviceAccountToken);
        files.set(source.serviceAccountToken.path, { data: Buffer.from(token.token), mode: defaultMode });
      }
      for (const [path, file] of files) payload.set(path, file);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  const failed = aggregate(errors);
  if (failed) throw failed;
  return payload;
}
