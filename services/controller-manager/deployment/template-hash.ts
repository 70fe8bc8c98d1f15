// The pod-template-hash: Kubernetes' ComputeHash, an FNV-1a 32-bit hash of the pod template
// (here of its canonical JSON, keys sorted, defaults omitted, where Go hashes a spew dump),
// salted with the Deployment's collisionCount, printed in decimal and re-spelled with
// consonants and digits so that no words appear in names.
import { PodTemplateSpec } from '../../../lib/gen/kite/core/v1/types';
import { canonicalJson } from '../../../lib/util/json';

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Kubernetes' rand.SafeEncodeString. */
export function safeEncode(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHABET[ch.codePointAt(0)! % SAFE_ALPHABET.length];
  return out;
}

export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  const json = canonicalJson(PodTemplateSpec.toJSON(PodTemplateSpec.fromPartial(template ?? {})));
  let h = fnv32a(Buffer.from(json, 'utf8'));
  if (collisionCount !== undefined) {
    // As Go: the count as a little-endian uint32 in an 8-byte buffer.
    const salt = Buffer.alloc(8);
    salt.writeUInt32LE(collisionCount >>> 0, 0);
    h = fnv32a(salt, h);
  }
  return safeEncode(String(h));
}
