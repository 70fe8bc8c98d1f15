// Stands in for kubelets in controller tests (no scheduler or nodes run): every pod of a
// namespace that is Pending is reported Running with an IP and, unless told otherwise, Ready.
import { isConflict } from '../../../../lib/api/errors';
import { Pods, objectKey } from '../../../../lib/api/kinds';
import type { Clientset } from '../../../../lib/client/clientset';
import type { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { InformerFactory } from '../../../../lib/informer';
import { rfc3339 } from '../../../../lib/util/time';

export interface FakeKubelet {
  /** Makes a pod ready or not ready, as a readiness probe would. */
  setReady(pod: Pod, ready: boolean): Promise<void>;
  stopped: Promise<void>;
}

let nextIP = 1;

export function startFakeKubelet(client: Clientset, namespace: string, signal: AbortSignal, opts: { ready?: (pod: Pod) => boolean } = {}): FakeKubelet {
  const factory = new InformerFactory((kind, scope) => client.resource(kind).listerWatcher(scope));
  const starting = new Set<string>();
  const setReady = async (pod: Pod, ready: boolean) => {
    let cur = pod;
    for (let attempt = 0; ; attempt++) {
      const next = structuredClone(cur);
      next.status!.phase = 'Running';
      next.status!.podIP ||= `10.250.${Math.floor(nextIP / 250)}.${(nextIP++ % 250) + 1}`;
      next.status!.conditions = [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: rfc3339(), lastProbeTime: '', reason: '', message: '' }];
      try {
        await client.pods.updateStatus(next);
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 5) throw err;
        cur = await client.pods.get(pod.metadata!.name, pod.metadata!.namespace);
      }
    }
  };
  const start = (pod: Pod) => {
    const key = objectKey(pod);
    if (pod.status?.phase !== 'Pending' || pod.metadata?.deletionTimestamp || starting.has(key)) return;
    starting.add(key);
    setReady(pod, opts.ready?.(pod) ?? true)
      .catch(() => undefined)
      .finally(() => starting.delete(key));
  };
  factory.forKind(Pods, { namespace }).addEventHandler({ onAdd: start, onUpdate: (_o, p) => start(p) });
  factory.start(signal);
  return { setReady, stopped: factory.stopped() };
}
