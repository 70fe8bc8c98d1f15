// The files of a volume made of an object's keys (a ConfigMap's, a Secret's), as Kubernetes'
// configmap.MakePayload and secret.MakePayload build them: every key at its own name with the
// volume's defaultMode, or only the listed items at their paths with the item's mode. A listed key
// the object lacks fails the mount unless the source is optional.
import type { KeyToPath } from '../../../lib/gen/kite/core/v1/types';
import type { Payload } from './atomic-writer';

export function keysPayload(
  items: readonly KeyToPath[],
  entries: Readonly<Record<string, string | Uint8Array>>,
  defaultMode: number,
  optional: boolean,
  missingKey: (key: string) => string,
): Payload {
  const payload: Payload = new Map();
  if (items.length === 0) {
    for (const [key, value] of Object.entries(entries)) payload.set(key, { data: Buffer.from(value), mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    if (!Object.hasOwn(entries, item.key)) {
      if (optional) continue;
      throw new Error(missingKey(item.key));
    }
    payload.set(item.path, { data: Buffer.from(entries[item.key]), mode: item.mode ?? defaultMode });
  }
  return payload;
}
