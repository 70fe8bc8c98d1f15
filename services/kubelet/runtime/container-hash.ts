// A hash of a container's spec, stored in its labels: when the pod's spec for that container
// changes, the hash differs and the kubelet knows to replace the running container.
import { createHash } from 'node:crypto';
import { Container } from '../../../lib/gen/kite/core/v1/types';

/** JSON with object keys sorted, so maps (env order aside) hash the same however they were built. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** 16 hex digits of sha256 over the spec's canonical JSON (default-valued fields omitted). */
export function containerHash(container: Container): string {
  return createHash('sha256').update(canonical(Container.toJSON(container))).digest('hex').slice(0, 16);
}
