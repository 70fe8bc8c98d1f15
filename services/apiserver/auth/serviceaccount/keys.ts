// The service-account keys of kube-apiserver: the private key that signs tokens
// (--service-account-signing-key-file, RSA or ECDSA PEM) and the public keys that verify them
// (--service-account-key-file, each file one or more PEM blocks, public or private). The JWS
// algorithm follows the key (RS256; ES256/ES384/ES512 by curve) and the key id is the SHA-256 of
// the DER public key, base64url, as Kubernetes' keyIDFromPublicKey computes it
// (pkg/serviceaccount/jwt.go).
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type SigningAlgorithm = 'RS256' | 'ES256' | 'ES384' | 'ES512';

export interface SigningKey {
  key: KeyObject;
  alg: SigningAlgorithm;
  kid: string;
}

export interface VerificationKey {
  key: KeyObject;
  alg: SigningAlgorithm;
  kid: string;
}

const CURVE_ALGORITHMS: Record<string, SigningAlgorithm> = { 'P-256': 'ES256', prime256v1: 'ES256', 'P-384': 'ES384', secp384r1: 'ES384', 'P-521': 'ES512', secp521r1: 'ES512' };

/** The JWS algorithm of a key (private or public); throws for other key types. */
export function algorithmOf(key: KeyObject): SigningAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const alg = CURVE_ALGORITHMS[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (alg) return alg;
    throw new Error(`unsupported ECDSA curve ${key.asymmetricKeyDetails?.namedCurve}`);
  }
  throw new Error(`unknown private key type ${key.asymmetricKeyType}, must be RSA or ECDSA`);
}

/** Kubernetes' key id: base64url(SHA-256(DER SubjectPublicKeyInfo)). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

export function signingKeyFromPEM(pem: string | Buffer): SigningKey {
  const key = createPrivateKey(pem);
  return { key, alg: algorithmOf(key), kid: keyIdOf(createPublicKey(key)) };
}

export function verificationKeyOf(publicKey: KeyObject): VerificationKey {
  return { key: publicKey, alg: algorithmOf(publicKey), kid: keyIdOf(publicKey) };
}

/** Every public key in PEM text: PUBLIC KEY and RSA PUBLIC KEY blocks, and the public half of private keys. */
export function publicKeysFromPEM(pem: string): VerificationKey[] {
  const blocks = pem.match(/-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g) ?? [];
  const keys: VerificationKey[] = [];
  for (const block of blocks) {
    const type = /-----BEGIN ([A-Z ]+)-----/.exec(block)![1];
    if (type.endsWith('PRIVATE KEY')) keys.push(verificationKeyOf(createPublicKey(createPrivateKey(block))));
    else if (type.endsWith('PUBLIC KEY')) keys.push(verificationKeyOf(createPublicKey(block)));
  }
  if (keys.length === 0) throw new Error('data does not contain any valid RSA or ECDSA public keys');
  return keys;
}

export function readSigningKey(file: string): SigningKey {
  try {
    return signingKeyFromPEM(readFileSync(file));
  } catch (err) {
    throw new Error(`failed to parse service-account-issuer-key-file: ${(err as Error).message}`);
  }
}

export function readVerificationKeys(file: string): VerificationKey[] {
  try {
    return publicKeysFromPEM(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`failed to parse service-account-key-file ${file}: ${(err as Error).message}`);
  }
}
