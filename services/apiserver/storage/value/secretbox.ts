// The secretbox provider (Kubernetes' encrypt/secretbox): XSalsa20 and Poly1305 with a 32-byte
// key, by tweetnacl; stored as a random 24-byte nonce then the box (tag and ciphertext), the
// layout of Go's nacl/secretbox.
import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import type { FromStorage, Transformer } from './transformer';

export class SecretboxTransformer implements Transformer {
  constructor(private readonly key: Uint8Array) {
    if (key.length !== nacl.secretbox.keyLength) throw new Error(`expected key size ${nacl.secretbox.keyLength} for secretbox provider, got ${key.length}`);
  }

  fromStorage(data: Uint8Array): FromStorage {
    const nonceSize = nacl.secretbox.nonceLength;
    if (data.length < nacl.secretbox.overheadLength + nonceSize) throw new Error('the stored data was shorter than the required size');
    const plain = nacl.secretbox.open(data.subarray(nonceSize), data.subarray(0, nonceSize), this.key);
    // Kubernetes' wording for a box that does not open.
    if (!plain) throw new Error('output array was not large enough for encryption');
    return { data: plain, stale: false };
  }

  toStorage(data: Uint8Array): Uint8Array {
    const nonce = randomBytes(nacl.secretbox.nonceLength);
    return Buffer.concat([nonce, nacl.secretbox(data, nonce, this.key)]);
  }
}
