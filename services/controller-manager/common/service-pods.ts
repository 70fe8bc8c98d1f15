// What the Endpoints and EndpointSlice controllers share (Kubernetes' pkg/controller/util/endpoint):
// a Service's selector, which pod changes can change its endpoints (podEndpointsChanged), and the
// pod event handler that queues every Service selecting a pod (before and after a label change).
import { objectKey } from '../../../lib/api/kinds';
import { isPodReady } from '../../../lib/api/pods';
import { labelsToSelectorString, parseLabelSelector, type Selector } from '../../../lib/api/selectors';
import type { Pod, Service } from '../../../lib/gen/kite/core/v1/types';
import type { EventHandler, Lister } from '../../../lib/informer';
import { canonicalJson } from '../../../lib/util/json';

/** The Service's selector; undefined for a Service without one (its endpoints are written by hand). */
export function serviceSelector(svc: Service): Selector | undefined {
  const sel = svc.spec?.selector ?? {};
  return Object.keys(sel).length === 0 ? undefined : parseLabelSelector(labelsToSelectorString(sel));
}

/** What of a pod shows in an endpoint: a change elsewhere needs no sync. */
function endpointView(pod: Pod): string {
  return canonicalJson([
    pod.metadata?.labels,
    pod.metadata?.deletionTimestamp,
    pod.status?.podIP,
    pod.status?.podIPs,
    pod.status?.phase,
    isPodReady(pod),
    pod.spec?.nodeName,
    pod.spec?.hostname,
    pod.spec?.subdomain,
  ]);
}

/** Queues the Services of the pod's namespace that select it, on every pod change that can matter. */
export function servicePodHandler(services: Lister<Service>, queue: { add(key: string): void }): EventHandler<Pod> {
  const enqueueServicesOf = (pod: Pod) => {
    for (const svc of services.namespace(pod.metadata!.namespace).list()) {
      if (serviceSelector(svc)?.matches(pod.metadata?.labels)) queue.add(objectKey(svc));
    }
  };
  return {
    onAdd: enqueueServicesOf,
    onUpdate: (old, pod) => {
      if (endpointView(old) === endpointView(pod)) return;
      enqueueServicesOf(pod);
      if (canonicalJson(old.metadata?.labels) !== canonicalJson(pod.metadata?.labels)) enqueueServicesOf(old);
    },
    onDelete: enqueueServicesOf,
  };
}
