// Names no other test (or concurrent run) uses: valid as DNS-1123 labels, Docker and node names.
import { randomBytes } from 'node:crypto';

/** "prefix-1a2b3c4d": unique per call. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
