// What the EndpointSlice controller and its mirroring share (Kubernetes'
// staging/src/k8s.io/endpointslice/util and pkg/controller/util/endpointslice): the well-known
// labels and annotation, an endpoint's identity (addresses, hostname, target) and equality beyond
// it, a port set's key, the set of desired endpoints, the generateName prefix of new slices and
// the last-change-trigger-time annotation.
import { Endpoint, type EndpointPort, type EndpointSlice } from '../../../lib/gen/kite/discovery/v1/types';
import type { OwnerReference } from '../../../lib/gen/kite/meta/v1/meta';
import { canonicalJson } from '../../../lib/util/json';
import { rfc3339 } from '../../../lib/util/time';

/** discovery.LabelServiceName: the Service a slice belongs to. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** discovery.LabelManagedBy: which controller (or person) manages a slice. */
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** discovery.LabelSkipMirror: "true" on Endpoints the mirroring controller leaves alone. */
export const LABEL_SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';
/** v1.IsHeadlessService: set on the slices of a Service without a cluster IP. */
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
/** v1.EndpointsLastChangeTriggerTime: when the change that led to this write happened. */
export const ANNOTATION_LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

/** An endpoint's identity in its set: sorted addresses, hostname, and the target's name. */
export function endpointKey(ep: Endpoint): string {
  return canonicalJson([[...ep.addresses].sort(), ep.hostname ?? '', ep.targetRef?.namespace ?? '', ep.targetRef?.name ?? '']);
}

/** Kubernetes' EndpointsEqualBeyondHash: conditions, zone, node, hints and target all equal. */
export function endpointsEqual(a: Endpoint, b: Endpoint): boolean {
  return canonicalJson(Endpoint.toJSON(Endpoint.fromPartial(a))) === canonicalJson(Endpoint.toJSON(Endpoint.fromPartial(b)));
}

/** Kubernetes' PortMapKey: a port set's key, whatever the order of its ports. */
export function portsKey(ports: EndpointPort[]): string {
  return ports
    .map((p) => canonicalJson([p.name ?? '', p.protocol ?? '', p.port ?? null, p.appProtocol ?? null]))
    .sort()
    .join(',');
}

/** Desired endpoints by identity, taken out as they are placed (Kubernetes' EndpointSet). */
export class EndpointSet {
  private readonly items = new Map<string, Endpoint>();
  insert(ep: Endpoint): void {
    this.items.set(endpointKey(ep), ep);
  }
  get(ep: Endpoint): Endpoint | undefined {
    return this.items.get(endpointKey(ep));
  }
  delete(ep: Endpoint): void {
    this.items.delete(endpointKey(ep));
  }
  /** Takes the first endpoint inserted (Kubernetes takes any). */
  pop(): Endpoint {
    const [key, ep] = this.items.entries().next().value as [string, Endpoint];
    this.items.delete(key);
    return ep;
  }
  get size(): number {
    return this.items.size;
  }
}

/** "<name>-" when that is a valid generateName, else the name itself (getEndpointSlicePrefix). */
export function slicePrefix(name: string): string {
  return name.length + 1 <= 253 ? `${name}-` : name;
}

/** Whether `slice` names `uid` as its controlling owner. */
export function ownedBy(slice: EndpointSlice, uid: string): boolean {
  return (slice.metadata?.ownerReferences ?? []).some((r: OwnerReference) => r.uid === uid && r.controller === true);
}

/** Kubernetes' addTriggerTimeAnnotation: set to the trigger time, or cleared when there is none. */
export function setTriggerTime(slice: EndpointSlice, triggerTimeMs: number | undefined): void {
  const annotations = slice.metadata!.annotations;
  if (triggerTimeMs !== undefined) annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME] = rfc3339(new Date(triggerTimeMs));
  else delete annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME];
}

/** Slices being deleted are left out: the controller would otherwise wait on them (dropEndpointSlicesPendingDeletion). */
export function dropPendingDeletion(slices: EndpointSlice[]): EndpointSlice[] {
  return slices.filter((s) => !s.metadata?.deletionTimestamp);
}
