// The benchmarks' record of when each pod was seen bound, fed by a list and a watch of a
// namespace's pods, as a reflector does: a watch the apiserver closes (a slow watcher, a
// reinitialised watch cache) is resumed from the last event's resourceVersion, and one that is
// too old for the watch cache (ExpiredError) is followed by a new list, so binds that happened
// meanwhile are still recorded (resuming from the expired resourceVersion would fail forever).
import { isExpired } from '../../lib/api/errors';
import type { Clientset } from '../../lib/client/clientset';
import type { Pod } from '../../lib/gen/kite/core/v1/types';

/**
 * Records in `bound` when each pod was first seen bound (performance.now()) until `signal` aborts;
 * keyed by name in a namespace, or by namespace/name when `namespace` is '' (all of them).
 */
export async function trackBoundPods(client: Clientset, namespace: string, bound: Map<string, number>, signal: AbortSignal): Promise<void> {
  const see = (p: Pod | undefined): void => {
    if (!p?.spec?.nodeName) return;
    const key = namespace ? p.metadata!.name : `${p.metadata!.namespace}/${p.metadata!.name}`;
    if (!bound.has(key)) bound.set(key, performance.now());
  };
  let rv = '';
  while (!signal.aborted) {
    try {
      if (!rv) {
        const list = await client.pods.list({ namespace });
        list.items.forEach(see);
        rv = list.metadata?.resourceVersion ?? '';
      }
      for await (const ev of client.pods.watch({ namespace, resourceVersion: rv }, signal)) {
        see(ev.object);
        rv = ev.object?.metadata?.resourceVersion ?? rv;
      }
    } catch (err) {
      if (isExpired(err)) rv = '';
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
}
