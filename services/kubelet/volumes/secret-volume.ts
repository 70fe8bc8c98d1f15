// Kubernetes' secret volume (pkg/volume/secret): the Secret's data keys as files, all of them or the
// listed items at their paths, with the item's mode or the volume's defaultMode (0644). A missing
// Secret, or a listed key it lacks, fails the mount unless the source is optional.
import type { KeyToPath, Pod, Secret } from '../../../lib/gen/kite/core/v1/types';
import type { PodObjectSource } from '../config-sources/types';
import type { Payload } from './atomic-writer';
import { notFound } from './errors';
import { keysPayload } from './key-payload';

/** Kubernetes' secret.MakePayload. */
export function secretPayload(items: readonly KeyToPath[], secret: Secret, defaultMode: number, optional: boolean): Payload {
  return keysPayload(items, secret.data ?? {}, defaultMode, optional, (key) => `references non-existent secret key: ${key}`);
}

/** The Secret, an empty one when it is missing and optional; throws Kubernetes' not-found cause otherwise. */
export async function fetchSecret(objects: PodObjectSource, namespace: string, name: string, optional: boolean): Promise<Secret> {
  const found = await objects.getSecret(namespace, name);
  if (found) return found;
  if (!optional) throw new Error(notFound('secret', name));
  return { metadata: undefined, data: {}, stringData: {}, type: '', kind: 'Secret', apiVersion: 'v1' };
}

export interface SecretLike {
  name: string;
  items: KeyToPath[];
  optional?: boolean;
}

/** The files of a secret volume (or projection) of `pod`. */
export async function secretVolumePayload(objects: PodObjectSource, pod: Pod, source: SecretLike, defaultMode: number): Promise<Payload> {
  const optional = source.optional ?? false;
  const secret = await fetchSecret(objects, pod.metadata?.namespace ?? '', source.name, optional);
  return secretPayload(source.items, secret, defaultMode, optional);
}
