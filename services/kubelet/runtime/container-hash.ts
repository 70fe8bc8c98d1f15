// A hash of a container's spec, stored in its labels: when the pod's spec for that container
// changes, the hash differs and the kubelet knows to replace the running container.
import { createHash } from 'node:crypto';
import { Container } from '../../../lib/gen/kite/core/v1/types';
import { canonicalJson } from '../../../lib/util/json';

/** 16 hex digits of sha256 over the spec's canonical JSON (default-valued fields omitted). */
export function containerHash(container: Container): string {
  return createHash('sha256').update(canonicalJson(Container.toJSON(container))).digest('hex').slice(0, 16);
}
