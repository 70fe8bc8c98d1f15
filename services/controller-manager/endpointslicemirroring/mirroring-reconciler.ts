// What to write so that an Endpoints object's addresses are mirrored into EndpointSlices
// (Kubernetes' pkg/controller/endpointslicemirroring reconciler): each address becomes an
// endpoint (ready for addresses, not ready for notReadyAddresses) in one slice per address type
// and port set, at most maxEndpointsPerSubset of a subset, invalid IPs skipped; the slice carries
// the Endpoints' labels and annotations (but the trigger time and kubectl's last-applied
// configuration), the service-name and managed-by labels, and the Endpoints as its owner. Extra
// slices of a group go; a create takes the name of a slice about to go. Pure.
import { isIP } from 'node:net';
import type { EndpointAddress, Endpoints, EndpointPort as CorePort } from '../../../lib/gen/kite/core/v1/types';
import { EndpointSlice, type Endpoint, type EndpointPort } from '../../../lib/gen/kite/discovery/v1/types';
import { canonicalJson } from '../../../lib/util/json';
import type { SliceChanges } from '../endpointslice/reconciler';
import {
  ANNOTATION_LAST_CHANGE_TRIGGER_TIME,
  EndpointSet,
  endpointsEqual,
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  portsKey,
  slicePrefix,
} from '../endpointslice/slice-utils';

/** The managed-by value of mirrored slices. */
export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
/** v1.LastAppliedConfigAnnotation, never mirrored. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export interface MirrorResult {
  changes: SliceChanges;
  /** Addresses that are no IP (an InvalidIPAddress event). */
  invalid: number;
  /** Addresses left out, invalid ones included (TooManyAddressesToMirror when more than those). */
  skipped: number;
}

function mirroredAnnotations(ep: Endpoints): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ep.metadata?.annotations ?? {})) if (k !== ANNOTATION_LAST_CHANGE_TRIGGER_TIME && k !== LAST_APPLIED) out[k] = v;
  return out;
}

function mirroredLabels(ep: Endpoints): Record<string, string> {
  return { ...ep.metadata?.labels, [LABEL_SERVICE_NAME]: ep.metadata!.name, [LABEL_MANAGED_BY]: MIRRORING_CONTROLLER_NAME };
}

function slicePorts(ports: CorePort[]): EndpointPort[] {
  return ports.map((p) => ({ name: p.name, protocol: p.protocol || 'TCP', port: p.port, appProtocol: p.appProtocol || undefined }));
}

function addressToEndpoint(a: EndpointAddress, ready: boolean): Endpoint {
  const ep: Endpoint = { addresses: [a.ip], conditions: { ready } };
  if (a.targetRef) ep.targetRef = a.targetRef;
  if (a.nodeName) ep.nodeName = a.nodeName;
  if (a.hostname) ep.hostname = a.hostname;
  return ep;
}

/** A mirrored slice (newEndpointSlice): generateName "<endpoints>-" unless it reuses a name. */
function newMirroredSlice(ep: Endpoints, ports: EndpointPort[], addressType: string, reuse?: EndpointSlice): EndpointSlice {
  const m = ep.metadata!;
  return EndpointSlice.fromPartial({
    metadata: {
      name: reuse?.metadata?.name ?? '',
      generateName: reuse ? '' : slicePrefix(m.name),
      namespace: m.namespace,
      resourceVersion: reuse?.metadata?.resourceVersion ?? '',
      labels: mirroredLabels(ep),
      annotations: mirroredAnnotations(ep),
      ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name: m.name, uid: m.uid, controller: true, blockOwnerDeletion: true }],
    },
    addressType,
    ports,
    endpoints: [],
  });
}

export function reconcileMirror(ep: Endpoints, existing: EndpointSlice[], maxEndpointsPerSubset: number): MirrorResult {
  const desired = new Map<string, { ports: EndpointPort[]; addressType: string; endpoints: EndpointSet }>();
  let invalid = 0;
  let skipped = 0;
  for (const subset of ep.subsets) {
    const ports = slicePorts(subset.ports);
    let added = 0;
    const entries: [EndpointAddress, boolean][] = [...subset.addresses.map((a): [EndpointAddress, boolean] => [a, true]), ...subset.notReadyAddresses.map((a): [EndpointAddress, boolean] => [a, false])];
    for (const [a, ready] of entries) {
      if (added >= maxEndpointsPerSubset) break;
      const family = isIP(a.ip);
      if (family === 0) {
        invalid++;
        continue;
      }
      const addressType = family === 6 ? 'IPv6' : 'IPv4';
      const key = `${addressType}/${portsKey(ports)}`;
      let group = desired.get(key);
      if (!group) desired.set(key, (group = { ports, addressType, endpoints: new EndpointSet() }));
      group.endpoints.insert(addressToEndpoint(a, ready));
      added++;
    }
    skipped += entries.length - added;
  }

  const existingByKey = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    const key = `${s.addressType}/${portsKey(s.ports)}`;
    existingByKey.set(key, [...(existingByKey.get(key) ?? []), s]);
  }
  const changes: SliceChanges = { create: [], update: [], delete: [] };
  const labels = mirroredLabels(ep);
  const annotations = mirroredAnnotations(ep);
  for (const [key, group] of desired) {
    const slices = existingByKey.get(key) ?? [];
    // One slice per group: the first is kept (rewritten if anything differs), the others go.
    changes.delete.push(...slices.slice(1));
    const first = slices[0];
    if (first && unchanged(first, group.endpoints, labels, annotations)) continue;
    const next = newMirroredSlice(ep, group.ports, group.addressType, first);
    while (group.endpoints.size > 0 && next.endpoints.length < maxEndpointsPerSubset) next.endpoints.push(group.endpoints.pop());
    (first ? changes.update : changes.create).push(next);
  }
  for (const [key, slices] of existingByKey) if (!desired.has(key)) changes.delete.push(...slices);
  recycle(changes);
  if (ep.metadata?.deletionTimestamp) changes.create = [];
  return { changes, invalid, skipped };
}

/** The slice already holds exactly the desired endpoints, labels and annotations. */
function unchanged(s: EndpointSlice, desired: EndpointSet, labels: Record<string, string>, annotations: Record<string, string>): boolean {
  let matches = 0;
  for (const ep of s.endpoints) {
    const want = desired.get(ep);
    if (!want || !endpointsEqual(want, ep)) return false;
    matches++;
  }
  return (
    matches === desired.size &&
    canonicalJson(s.metadata?.labels) === canonicalJson(labels) &&
    canonicalJson(s.metadata?.annotations) === canonicalJson(annotations)
  );
}

/** Kubernetes' recycleSlices: a create of an address type takes the name of a delete of it. */
function recycle(changes: SliceChanges): void {
  for (let i = 0; i < changes.delete.length; ) {
    const gone = changes.delete[i];
    const j = changes.create.findIndex((s) => s.addressType === gone.addressType);
    if (j < 0) {
      i++;
      continue;
    }
    const [slice] = changes.create.splice(j, 1);
    slice.metadata!.name = gone.metadata!.name;
    slice.metadata!.generateName = '';
    slice.metadata!.resourceVersion = gone.metadata!.resourceVersion;
    changes.update.push(slice);
    changes.delete.splice(i, 1);
  }
}
