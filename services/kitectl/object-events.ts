// The events about one object, for describe. The apiserver is asked with involvedObject field
// selectors; if it does not support them the namespace's events are filtered here instead.
import { isBadRequest } from '../../lib/api/errors';
import { Events, type KindInfo, type KubeObject } from '../../lib/api/kinds';
import type { Clientset } from '../../lib/client/clientset';
import type { Event } from '../../lib/gen/kite/core/v1/types';

export function isAbout(e: Event, kind: KindInfo, obj: KubeObject): boolean {
  const io = e.involvedObject;
  const m = obj.metadata;
  if (!io || io.kind !== kind.kind || io.name !== m?.name) return false;
  if (kind.namespaced && io.namespace && io.namespace !== m?.namespace) return false;
  return !io.uid || !m?.uid || io.uid === m.uid;
}

export async function objectEvents(cs: Clientset, kind: KindInfo, obj: KubeObject): Promise<Event[]> {
  const m = obj.metadata;
  // Events about cluster-scoped objects live in some namespace ("default" in Kubernetes): search all.
  const namespace = kind.namespaced ? (m?.namespace ?? '') : '';
  const selector = [`involvedObject.kind=${kind.kind}`, `involvedObject.name=${m?.name}`];
  if (kind.namespaced) selector.push(`involvedObject.namespace=${namespace}`);
  const client = cs.resource<Event>(Events);
  let items: Event[];
  try {
    items = (await client.listAll({ namespace, fieldSelector: selector.join(',') })).items;
  } catch (e) {
    if (!isBadRequest(e)) throw e;
    items = (await client.listAll({ namespace })).items;
  }
  return items.filter((e) => isAbout(e, kind, obj));
}
