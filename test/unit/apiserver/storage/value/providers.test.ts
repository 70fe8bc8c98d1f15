// The value transformers of --encryption-provider-config (Kubernetes' encrypt/aes, secretbox,
// identity and the prefix transformer): round trips, wrong keys, tampering, the authenticated
// storage key, and key rotation through the prefix (`k8s:enc:<provider>:v1:<key name>:`).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { encryptionTransformers } from '../../../../../services/apiserver/storage/encryption-config';
import type { EncryptionConfiguration, ProviderConfiguration } from '../../../../../services/apiserver/storage/encryption-config-types';
import { CBCTransformer, GCMTransformer } from '../../../../../services/apiserver/storage/value/aes';
import { IdentityTransformer } from '../../../../../services/apiserver/storage/value/identity';
import { SecretboxTransformer } from '../../../../../services/apiserver/storage/value/secretbox';
import type { Transformer } from '../../../../../services/apiserver/storage/value/transformer';

const KEY = Buffer.from('/registry/secrets/default/s1');
const OTHER_KEY = Buffer.from('/registry/secrets/default/s2');
const text = (b: Uint8Array) => Buffer.from(b).toString();
const read = (t: Transformer, stored: Uint8Array, key = KEY) => {
  const out = t.fromStorage(stored, key);
  return { data: text(out.data), stale: out.stale };
};
const plain = Buffer.from('a secret value that spans more than one AES block');

function flipLastByte(b: Uint8Array): Buffer {
  const out = Buffer.from(b);
  out[out.length - 1] ^= 0x01;
  return out;
}

const b64 = (n: number) => randomBytes(n).toString('base64');

/** The transformer of `secrets` under a configuration with these providers. */
function secretsTransformer(...providers: ProviderConfiguration[]): Transformer {
  const config: EncryptionConfiguration = { apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources: [{ resources: ['secrets'], providers }] };
  return encryptionTransformers(config).forResource('', 'secrets')!;
}

describe('encryption providers', () => {
  const cases: [string, (key: Buffer) => Transformer, number[]][] = [
    ['aescbc', (k) => new CBCTransformer(k), [16, 24, 32]],
    ['aesgcm', (k) => new GCMTransformer(k), [16, 24, 32]],
    ['secretbox', (k) => new SecretboxTransformer(k), [32]],
  ];
  for (const [name, make, sizes] of cases) {
    describe(name, () => {
      for (const size of sizes) {
        it(`round-trips with a ${size}-byte key and never stores the plaintext`, () => {
          const t = make(randomBytes(size));
          for (const value of [plain, Buffer.alloc(0), Buffer.alloc(16, 7), randomBytes(1000)]) {
            const stored = t.toStorage(value, KEY);
            if (value.length >= 8) assert.equal(Buffer.from(stored).indexOf(value.subarray(0, 8)), -1);
            assert.deepEqual(Buffer.from(t.fromStorage(stored, KEY).data), value);
          }
        });
      }

      it('writes a fresh random nonce or IV each time', () => {
        const t = make(randomBytes(32));
        assert.notDeepEqual(Buffer.from(t.toStorage(plain, KEY)), Buffer.from(t.toStorage(plain, KEY)));
      });

      it('does not decrypt with another key', () => {
        const stored = make(randomBytes(32)).toStorage(plain, KEY);
        let out: Uint8Array | undefined;
        try {
          out = make(randomBytes(32)).fromStorage(stored, KEY).data;
        } catch {
          return;
        }
        // CBC has no authentication: a wrong key usually fails the padding check, else yields garbage.
        assert.equal(name, 'aescbc');
        assert.notDeepEqual(Buffer.from(out), plain);
      });

      it('refuses data shorter than its header', () => {
        assert.throws(() => make(randomBytes(32)).fromStorage(Buffer.from('short'), KEY), /the stored data was shorter than the required size/);
      });
    });
  }

  it('aesgcm and secretbox refuse tampered data', () => {
    const gcm = new GCMTransformer(randomBytes(32));
    assert.throws(() => gcm.fromStorage(flipLastByte(gcm.toStorage(plain, KEY)), KEY), /cipher: message authentication failed/);
    const box: Transformer = new SecretboxTransformer(randomBytes(32));
    assert.throws(() => box.fromStorage(flipLastByte(box.toStorage(plain, KEY)), KEY), /output array was not large enough for encryption/);
  });

  it('aesgcm authenticates the storage key: a value moved under another key does not decrypt', () => {
    const gcm = new GCMTransformer(randomBytes(32));
    const stored = gcm.toStorage(plain, KEY);
    assert.throws(() => gcm.fromStorage(stored, OTHER_KEY), /message authentication failed/);
  });

  it('aescbc refuses data that is not whole blocks, or badly padded', () => {
    const cbc: Transformer = new CBCTransformer(randomBytes(32));
    const stored = Buffer.from(cbc.toStorage(plain, KEY));
    assert.throws(() => cbc.fromStorage(stored.subarray(0, stored.length - 1), KEY), /not a multiple of the block size/);
    assert.throws(() => cbc.fromStorage(stored.subarray(0, 16), KEY), /invalid PKCS7 data/);
  });

  it('identity stores plaintext and refuses to read encrypted data', () => {
    const id = new IdentityTransformer();
    assert.equal(text(id.toStorage(plain)), text(plain));
    assert.throws(() => id.fromStorage(Buffer.from('k8s:enc:aescbc:v1:key1:xxxx')), /identity transformer tried to read encrypted data/);
  });
});

describe('provider lists: prefixes and rotation', () => {
  const key1 = { name: 'key1', secret: b64(32) };
  const key2 = { name: 'key2', secret: b64(32) };

  for (const provider of ['aescbc', 'aesgcm', 'secretbox'] as const) {
    it(`${provider} writes k8s:enc:${provider}:v1:<key name>: and reads it back`, () => {
      const t = secretsTransformer({ [provider]: { keys: [key1] } });
      const stored = t.toStorage(plain, KEY);
      assert.ok(text(stored).startsWith(`k8s:enc:${provider}:v1:key1:`), text(stored).slice(0, 30));
      assert.deepEqual(read(t, stored), { data: text(plain), stale: false });
    });
  }

  it('data written under key1 is read after key2 is put first, and is then stale', () => {
    const before = secretsTransformer({ aescbc: { keys: [key1] } });
    const stored = before.toStorage(plain, KEY);
    const after = secretsTransformer({ aescbc: { keys: [key2, key1] } });
    assert.deepEqual(read(after, stored), { data: text(plain), stale: true });
    assert.ok(text(after.toStorage(plain, KEY)).startsWith('k8s:enc:aescbc:v1:key2:'));
  });

  it('a key no longer listed cannot read its data', () => {
    const stored = secretsTransformer({ aesgcm: { keys: [key1] } }).toStorage(plain, KEY);
    assert.throws(() => secretsTransformer({ aesgcm: { keys: [key2] } }).fromStorage(stored, KEY), /no matching key was found for the provided AES transformer/);
  });

  it('providers rotate too: secretbox data is read when aesgcm comes first', () => {
    const stored = secretsTransformer({ secretbox: { keys: [key1] } }).toStorage(plain, KEY);
    const t = secretsTransformer({ aesgcm: { keys: [key2] } }, { secretbox: { keys: [key1] } });
    assert.deepEqual(read(t, stored), { data: text(plain), stale: true });
    assert.ok(text(t.toStorage(plain, KEY)).startsWith('k8s:enc:aesgcm:v1:key2:'));
  });

  it('identity first writes plaintext and still reads encrypted data', () => {
    const encrypted = secretsTransformer({ aescbc: { keys: [key1] } }).toStorage(plain, KEY);
    const t = secretsTransformer({ identity: {} }, { aescbc: { keys: [key1] } });
    assert.equal(text(t.toStorage(plain, KEY)), text(plain));
    assert.deepEqual(read(t, encrypted), { data: text(plain), stale: true });
    assert.deepEqual(read(t, plain), { data: text(plain), stale: false });
  });

  it('identity last reads plaintext written before encryption was turned on', () => {
    const t = secretsTransformer({ aescbc: { keys: [key1] } }, { identity: {} });
    assert.deepEqual(read(t, plain), { data: text(plain), stale: true });
  });

  it('without identity, plaintext is not read', () => {
    assert.throws(() => secretsTransformer({ aescbc: { keys: [key1] } }).fromStorage(plain, KEY), /^Error: no matching prefix found$/);
  });
});
