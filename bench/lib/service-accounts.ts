// What the controller-manager's serviceaccount controller would have made before a bench's pods
// arrive: a bench runs a bare apiserver, and its ServiceAccount admission plugin refuses a pod
// whose namespace has no `default` ServiceAccount, as Kubernetes' does. A bench that runs a real
// kubelet also needs what its pods' kube-api-access volume reads: a token the apiserver can sign
// and the root-ca publisher's `kube-root-ca.crt` ConfigMap.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clientset } from '../../lib/client/clientset';
import { ConfigMap, ServiceAccount } from '../../lib/gen/kite/core/v1/types';

/** Creates `default` in each namespace, waiting (up to 30 s) for a namespace the apiserver is still bootstrapping. */
export async function ensureDefaultServiceAccounts(client: Clientset, namespaces: readonly string[]): Promise<void> {
  for (const namespace of namespaces) {
    for (const deadline = Date.now() + 30_000; ; ) {
      const err = await client.serviceAccounts.create(ServiceAccount.fromPartial({ metadata: { name: 'default', namespace } })).then(() => undefined, (e: Error) => e);
      if (!err || /already exists/.test(err.message)) break;
      if (!/not found/.test(err.message) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * The apiserver's flags that let it issue service-account tokens (a new signing key written in
 * `dir`). Authentication is then on, so they also name a token file holding one token of a
 * system:masters user, for the bench's clients and kubelet.
 */
export function serviceAccountTokenSetup(dir: string): { args: string[]; adminToken: string } {
  const key = join(dir, 'sa.key');
  writeFileSync(key, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const adminToken = randomBytes(16).toString('hex');
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(tokens, `${adminToken},bench-admin,bench-admin,"system:masters"\n`, { mode: 0o600 });
  return {
    args: ['--service-account-issuer', 'https://kubernetes.default.svc.cluster.local', '--service-account-signing-key-file', key, '--token-auth-file', tokens],
    adminToken,
  };
}

/**
 * The `kube-root-ca.crt` ConfigMap of a namespace, as the root-ca publisher makes it; the bench's
 * apiserver serves plaintext, so its `ca.crt` is empty (the kubelet only copies it into the volume).
 */
export async function ensureRootCAConfigMap(client: Clientset, namespace: string): Promise<void> {
  await client.configMaps.create(ConfigMap.fromPartial({ metadata: { name: 'kube-root-ca.crt', namespace }, data: { 'ca.crt': '' } })).catch((err: Error) => {
    if (!/already exists/.test(err.message)) throw err;
  });
}
