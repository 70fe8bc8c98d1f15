// The identity provider (Kubernetes' encrypt/identity): values stored as they are. It refuses to
// pass off encrypted bytes as plaintext, so that with `identity` first the providers after it
// still read what they wrote.
import type { FromStorage, Transformer } from './transformer';

/** Every encrypting provider's prefix begins so. */
export const ENCRYPTED_PREFIX = Buffer.from('k8s:enc:');

export class IdentityTransformer implements Transformer {
  fromStorage(data: Uint8Array): FromStorage {
    if (Buffer.from(data.buffer, data.byteOffset, Math.min(data.length, ENCRYPTED_PREFIX.length)).equals(ENCRYPTED_PREFIX)) {
      throw new Error('identity transformer tried to read encrypted data');
    }
    return { data, stale: false };
  }

  toStorage(data: Uint8Array): Uint8Array {
    return data;
  }
}
