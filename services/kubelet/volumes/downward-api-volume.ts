// Kubernetes' downwardAPI volume (pkg/volume/downwardapi): pod metadata (fieldRef: name, namespace,
// uid, labels, annotations, one label or annotation) and container resources (resourceFieldRef)
// as files, with the item's mode or the volume's defaultMode (0644). Labels and annotations are
// re-written when they change, like any other volume content.
import type { DownwardAPIVolumeFile, Pod } from '../../../lib/gen/kite/core/v1/types';
import { resourceValue } from '../pod-workers/env';
import type { Payload } from './atomic-writer';

/** Kubernetes' fieldpath.FormatMap: sorted key="value" lines. */
export function formatMap(m: Record<string, string>): string {
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${JSON.stringify(m[k])}`)
    .join('\n');
}

/** Kubernetes' fieldpath.ExtractFieldPathAsString for a pod's metadata. */
export function extractFieldPath(pod: Pod, fieldPath: string): string {
  const m = pod.metadata;
  const sub = /^(.+)\['(.*)'\]$/.exec(fieldPath);
  if (sub) {
    const [, path, key] = sub;
    if (path === 'metadata.annotations') return m?.annotations[key] ?? '';
    if (path === 'metadata.labels') return m?.labels[key] ?? '';
    throw new Error(`fieldPath "${fieldPath}" does not support subscript`);
  }
  switch (fieldPath) {
    case 'metadata.annotations':
      return formatMap(m?.annotations ?? {});
    case 'metadata.labels':
      return formatMap(m?.labels ?? {});
    case 'metadata.name':
      return m?.name ?? '';
    case 'metadata.namespace':
      return m?.namespace ?? '';
    case 'metadata.uid':
      return m?.uid ?? '';
  }
  throw new Error(`unsupported fieldPath: ${fieldPath}`);
}

/** Kubernetes' utilerrors.NewAggregate wording: one error bare, several in brackets. */
export function aggregate(messages: string[]): Error | undefined {
  if (messages.length === 0) return undefined;
  return new Error(messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`);
}

/** Kubernetes' downwardapi.CollectData; every item is tried, the failures reported together. */
export function downwardAPIPayload(items: readonly DownwardAPIVolumeFile[], pod: Pod, defaultMode: number, nodeAllocatable: Record<string, string>): Payload {
  const payload: Payload = new Map();
  const errors: string[] = [];
  for (const item of items) {
    let data = Buffer.alloc(0);
    try {
      if (item.fieldRef) data = Buffer.from(extractFieldPath(pod, item.fieldRef.fieldPath));
      else if (item.resourceFieldRef) {
        const ref = item.resourceFieldRef;
        const container = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === ref.containerName);
        if (!container) throw new Error(`container ${ref.containerName} not found`);
        data = Buffer.from(resourceValue(pod, container, ref, { nodeAllocatable }));
      }
    } catch (err) {
      errors.push((err as Error).message);
    }
    payload.set(item.path, { data, mode: item.mode ?? defaultMode });
  }
  const failed = aggregate(errors);
  if (failed) throw failed;
  return payload;
}
