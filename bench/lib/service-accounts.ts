// What the controller-manager's serviceaccount controller would have made before a bench's pods
// arrive: a bench runs a bare apiserver, and its ServiceAccount admission plugin refuses a pod
// whose namespace has no `default` ServiceAccount, as Kubernetes' does.
import type { Clientset } from '../../lib/client/clientset';
import { ServiceAccount } from '../../lib/gen/kite/core/v1/types';

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
