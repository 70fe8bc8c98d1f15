// The EncryptionConfiguration a kite cluster's apiserver gets (--encryption-provider-config):
// Secrets encrypted at rest with aescbc under a fresh random 32-byte key made at `kite create
// cluster`, kept owner-only in the control-plane node's /etc/kite/pki and mounted read-only into
// the apiserver alone. A Kite default: kind, like kubeadm, does not encrypt unless configured.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Under the node's /etc/kite. */
export const ENCRYPTION_CONFIG = 'pki/encryption-config.yaml';

export function encryptionConfigYaml(key: Buffer = randomBytes(32)): string {
  return stringify({
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'EncryptionConfiguration',
    resources: [{ resources: ['secrets'], providers: [{ aescbc: { keys: [{ name: 'key1', secret: key.toString('base64') }] } }] }],
  });
}

/** Writes a new configuration (new key) into a staged /etc/kite, owner-only. */
export function writeEncryptionConfig(configDir: string): void {
  writeFileSync(join(configDir, ENCRYPTION_CONFIG), encryptionConfigYaml(), { mode: 0o600 });
}
