// The EncryptionConfiguration `kite create cluster` gives its apiserver: a fresh random aescbc key
// for Secrets on every cluster, written owner-only, in the format kube-apiserver (and Kite's
// apiserver) loads; ConfigMaps and the rest are not encrypted.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadEncryptionConfig } from '../../../services/apiserver/storage/encryption-config';
import { ENCRYPTION_CONFIG, writeEncryptionConfig } from '../../../services/kite/encryption-config';

describe('kite: the EncryptionConfiguration of a cluster', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-encryption-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string): string => {
    mkdirSync(join(dir, name, 'pki'), { recursive: true });
    writeEncryptionConfig(join(dir, name));
    return join(dir, name, ENCRYPTION_CONFIG);
  };
  const secretOf = (path: string): string => parse(readFileSync(path, 'utf8')).resources[0].providers[0].aescbc.keys[0].secret;

  it('is written owner-only (0600) in the PKI directory', () => {
    assert.equal(ENCRYPTION_CONFIG, 'pki/encryption-config.yaml');
    assert.equal(statSync(write('a')).mode & 0o777, 0o600);
  });

  it('encrypts secrets, and only secrets, with aescbc under a 32-byte key named key1', () => {
    const path = write('b');
    assert.equal(Buffer.from(secretOf(path), 'base64').length, 32);
    const t = loadEncryptionConfig(path);
    const stored = Buffer.from(t.forResource('', 'secrets')!.toStorage(Buffer.from('v'), Buffer.from('/registry/secrets/default/s')));
    assert.ok(stored.toString().startsWith('k8s:enc:aescbc:v1:key1:'));
    assert.equal(t.forResource('', 'configmaps'), undefined);
  });

  it('makes a new random key for each cluster', () => {
    assert.notEqual(secretOf(write('c')), secretOf(write('d')));
  });
});
