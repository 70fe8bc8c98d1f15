// A client of a cluster's apiserver from the host, with the admin identity kept in the
// control-plane node, and the readiness checks `kite create cluster` waits on.
import { isAlreadyExists } from '../../lib/api/errors';
import { Clientset } from '../../lib/client/clientset';
import type { KubeConfigFile } from '../../lib/client/kubeconfig';
import type { Node, Pod } from '../../lib/gen/kite/core/v1/types';

const b64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64') : undefined);

export function adminClient(cfg: KubeConfigFile): Clientset {
  const cluster = cfg.clusters[0].cluster;
  const user = cfg.users[0].user;
  return new Clientset(
    {
      address: cluster.server.replace(/^https:\/\//, ''),
      tls: true,
      ca: b64(cluster['certificate-authority-data']),
      cert: b64(user['client-certificate-data']),
      key: b64(user['client-key-data']),
      serverName: cluster['tls-server-name'],
      namespace: 'default',
      source: 'kite',
    },
    { userAgent: 'kite', timeoutMs: 5_000 },
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value or `timeoutMs` passes; the last error names what was awaited. */
export async function poll<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, periodMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}${last ? `: ${last}` : ''}`);
    await sleep(periodMs);
  }
}

/** Awaits a create; an object that exists already is left as it is (a re-run of an addon's install). */
export async function createUnlessExists(create: Promise<unknown>): Promise<void> {
  try {
    await create;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

export const isReady = (n: Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Resolves once every named node is registered (and Ready, when `ready`). */
export async function waitForNodes(client: Clientset, names: string[], ready: boolean, timeoutMs: number): Promise<void> {
  await poll(`nodes ${names.join(', ')} to ${ready ? 'be Ready' : 'register'}`, timeoutMs, async () => {
    const list = await client.nodes.list();
    const byName = new Map(list.items.map((n) => [n.metadata?.name ?? '', n]));
    const pending = names.filter((name) => !byName.has(name) || (ready && !isReady(byName.get(name)!)));
    if (pending.length) throw new Error(`not yet: ${pending.join(', ')}`);
    return true;
  });
}

const isPodReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Resolves once every named node runs a Ready pod matching `selector` in `namespace` (a DaemonSet's). */
export async function waitForDaemonPods(client: Clientset, namespace: string, selector: string, nodes: string[], timeoutMs: number): Promise<void> {
  await poll(`a Ready ${selector} pod on nodes ${nodes.join(', ')}`, timeoutMs, async () => {
    const list = await client.pods.list({ namespace, labelSelector: selector });
    const ready = new Set(list.items.filter(isPodReady).map((p) => p.spec?.nodeName ?? ''));
    const pending = nodes.filter((n) => !ready.has(n));
    if (pending.length) throw new Error(`not yet: ${pending.join(', ')}`);
    return true;
  });
}
