// The aescbc and aesgcm providers (Kubernetes' encrypt/aes) on node:crypto, byte for byte in
// Kubernetes' format: CBC is a random 16-byte IV then the PKCS#7-padded ciphertext; GCM is a
// random 12-byte nonce then the ciphertext and its 16-byte tag, authenticated together with the
// storage key, so that a value copied under another key does not decrypt.
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';
import type { FromStorage, Transformer } from './transformer';

const BLOCK_SIZE = 16;
const GCM_NONCE_SIZE = 12;
const GCM_TAG_SIZE = 16;

/** AES-128, -192 or -256 by the key's length (16, 24 or 32 bytes), as Go's aes.NewCipher. */
function aesBits(key: Uint8Array): number {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new Error(`crypto/aes: invalid key size ${key.length}`);
  return key.length * 8;
}

const TOO_SHORT = 'the stored data was shorter than the required size';

export class CBCTransformer implements Transformer {
  private readonly algorithm: string;

  constructor(private readonly key: Uint8Array) {
    this.algorithm = `aes-${aesBits(key)}-cbc`;
  }

  fromStorage(data: Uint8Array): FromStorage {
    if (data.length < BLOCK_SIZE) throw new Error(TOO_SHORT);
    const iv = data.subarray(0, BLOCK_SIZE);
    const body = data.subarray(BLOCK_SIZE);
    if (body.length % BLOCK_SIZE !== 0) throw new Error('the stored data is not a multiple of the block size');
    if (body.length === 0) throw new Error('invalid PKCS7 data (empty or not padded)');
    const decipher = createDecipheriv(this.algorithm, this.key, iv).setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(body), decipher.final()]);
    const pad = plain[plain.length - 1];
    if (pad === 0 || pad > plain.length) throw new Error('invalid PKCS7 data (empty or not padded)');
    for (let i = plain.length - pad; i < plain.length; i++) if (plain[i] !== pad) throw new Error('invalid padding on input');
    return { data: plain.subarray(0, plain.length - pad), stale: false };
  }

  toStorage(data: Uint8Array): Uint8Array {
    const pad = BLOCK_SIZE - (data.length % BLOCK_SIZE);
    const iv = randomBytes(BLOCK_SIZE);
    const cipher = createCipheriv(this.algorithm, this.key, iv).setAutoPadding(false);
    return Buffer.concat([iv, cipher.update(data), cipher.update(Buffer.alloc(pad, pad)), cipher.final()]);
  }
}

export class GCMTransformer implements Transformer {
  private readonly algorithm: CipherGCMTypes;

  constructor(private readonly key: Uint8Array) {
    this.algorithm = `aes-${aesBits(key)}-gcm` as CipherGCMTypes;
  }

  fromStorage(data: Uint8Array, authenticatedData: Uint8Array): FromStorage {
    if (data.length < GCM_NONCE_SIZE + GCM_TAG_SIZE) throw new Error(TOO_SHORT);
    const nonce = data.subarray(0, GCM_NONCE_SIZE);
    const sealed = data.subarray(GCM_NONCE_SIZE, data.length - GCM_TAG_SIZE);
    const tag = data.subarray(data.length - GCM_TAG_SIZE);
    const decipher = createDecipheriv(this.algorithm, this.key, nonce, { authTagLength: GCM_TAG_SIZE });
    decipher.setAAD(authenticatedData);
    decipher.setAuthTag(tag);
    const plain = decipher.update(sealed);
    try {
      decipher.final();
    } catch {
      throw new Error('cipher: message authentication failed');
    }
    return { data: plain, stale: false };
  }

  toStorage(data: Uint8Array, authenticatedData: Uint8Array): Uint8Array {
    const nonce = randomBytes(GCM_NONCE_SIZE);
    const cipher = createCipheriv(this.algorithm, this.key, nonce, { authTagLength: GCM_TAG_SIZE });
    cipher.setAAD(authenticatedData);
    const sealed = Buffer.concat([cipher.update(data), cipher.final()]);
    return Buffer.concat([nonce, sealed, cipher.getAuthTag()]);
  }
}
