// What to create, update and delete so that a Service's EndpointSlices hold its pods (Kubernetes'
// staging/src/k8s.io/endpointslice reconciler): one group of slices per address type and per
// unique set of ports; existing slices keep the endpoints still desired (updated in place when
// they changed), slices already being updated are filled first (fullest first), what remains goes
// into the unchanged slice it fills closest to full or into new slices of at most
// maxEndpointsPerSlice, and a create is turned into an update of a slice that would be deleted,
// so that a Service's slices churn as little as Kubernetes' do. A Service without endpoints keeps
// one empty placeholder slice. Pure: the controller writes the result.
import { objectKey } from '../../../lib/api/kinds';
import type { Node, Pod, Service } from '../../../lib/gen/kite/core/v1/types';
import { EndpointSlice, type EndpointPort } from '../../../lib/gen/kite/discovery/v1/types';
import { canonicalJson } from '../../../lib/util/json';
import { shouldPodBeInEndpoints } from '../endpoints/endpoint-subsets';
import { addressTypesForService, endpointPorts, podToEndpoint, type AddressType } from './pod-endpoint';
import {
  EndpointSet,
  endpointsEqual,
  LABEL_HEADLESS,
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  ownedBy,
  portsKey,
  setTriggerTime,
  slicePrefix,
} from './slice-utils';

/** The managed-by value of the slices this controller writes. */
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';

export interface SliceChanges {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

export interface ReconcileInput {
  service: Service;
  /** The pods the Service's selector matches. */
  pods: Pod[];
  /** The Service's slices managed by this controller (not being deleted). */
  existing: EndpointSlice[];
  node(name: string): Node | undefined;
  maxEndpointsPerSlice: number;
  /** The last-change-trigger-time (ms) for written slices; undefined clears it. */
  triggerTimeMs?: number;
}

export interface ReconcileResult {
  changes: SliceChanges;
  /** Pods skipped because their node is unknown: the Service is synced again later. */
  errors: string[];
}

/** The labels of a Service's slices: its own (but the reserved ones), headless, name, manager. */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {})) {
    if (k !== LABEL_SERVICE_NAME && k !== LABEL_MANAGED_BY && k !== LABEL_HEADLESS) labels[k] = v;
  }
  const ip = svc.spec?.clusterIP ?? '';
  if (!ip || ip === 'None') labels[LABEL_HEADLESS] = '';
  labels[LABEL_SERVICE_NAME] = svc.metadata!.name;
  labels[LABEL_MANAGED_BY] = CONTROLLER_NAME;
  return labels;
}

/** A new slice of the Service (newEndpointSlice): generateName "<svc>-", owned by the Service. */
export function newSlice(svc: Service, ports: EndpointPort[], addressType: AddressType): EndpointSlice {
  const m = svc.metadata!;
  return EndpointSlice.fromPartial({
    metadata: {
      generateName: slicePrefix(m.name),
      namespace: m.namespace,
      labels: sliceLabels(svc),
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: m.name, uid: m.uid, controller: true, blockOwnerDeletion: true }],
    },
    addressType,
    endpoints: [],
    ports: structuredClone(ports),
  });
}

export function reconcileSlices(input: ReconcileInput): ReconcileResult {
  const { service } = input;
  const supported = addressTypesForService(service);
  const changes: SliceChanges = { create: [], update: [], delete: [] };
  const errors: string[] = [];
  const byType = new Map<string, EndpointSlice[]>();
  for (const s of input.existing) {
    // The Service no longer has this family: its slices go.
    if (!supported.includes(s.addressType as AddressType)) changes.delete.push(s);
    else byType.set(s.addressType, [...(byType.get(s.addressType) ?? []), s]);
  }
  for (const addressType of supported) {
    const c = reconcileByAddressType(input, byType.get(addressType) ?? [], addressType, errors);
    changes.create.push(...c.create);
    changes.update.push(...c.update);
    changes.delete.push(...c.delete);
  }
  return { changes, errors };
}

function reconcileByAddressType(input: ReconcileInput, existing: EndpointSlice[], addressType: AddressType, errors: string[]): SliceChanges {
  const { service, maxEndpointsPerSlice } = input;
  const uid = service.metadata!.uid;
  const toCreate: EndpointSlice[] = [];
  const toUpdate: EndpointSlice[] = [];
  const toDelete: EndpointSlice[] = [];

  const existingByPorts = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    // A slice of an older Service of the same name is replaced, never reused.
    if (!ownedBy(s, uid)) {
      toDelete.push(s);
      continue;
    }
    const key = portsKey(s.ports);
    existingByPorts.set(key, [...(existingByPorts.get(key) ?? []), s]);
  }

  const desired = new Map<string, { ports: EndpointPort[]; endpoints: EndpointSet }>();
  for (const pod of input.pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(service, pod);
    const key = portsKey(ports);
    let group = desired.get(key);
    if (!group) desired.set(key, (group = { ports, endpoints: new EndpointSet() }));
    const node = input.node(pod.spec?.nodeName ?? '');
    // A pod on an unknown node is left out (unless not-ready addresses are published) and the
    // Service retried, so that a pod of a vanished node cannot hold its slice forever.
    if (!node && !service.spec?.publishNotReadyAddresses) {
      errors.push(`skipping Pod ${pod.metadata!.name} for Service ${objectKey(service)}: Node ${pod.spec?.nodeName ?? ''} Not Found`);
      continue;
    }
    const ep = podToEndpoint(pod, node, service, addressType);
    if (ep.addresses.length > 0) group.endpoints.insert(ep);
  }

  for (const [key, group] of desired) {
    const c = reconcileByPorts(service, existingByPorts.get(key) ?? [], group.endpoints, group.ports, addressType, maxEndpointsPerSlice);
    toCreate.push(...c.create);
    toUpdate.push(...c.update);
    toDelete.push(...c.delete);
  }
  // Port sets no longer desired: their slices go.
  for (const [key, slices] of existingByPorts) if (!desired.has(key)) toDelete.push(...slices);

  // A Service without any endpoints keeps one empty placeholder slice.
  if (existing.length === toDelete.length && toCreate.length === 0) {
    const placeholder = newSlice(service, [], addressType);
    if (toDelete.length === 1 && isPlaceholder(toDelete[0], placeholder, uid)) toDelete.length = 0;
    else toCreate.push(placeholder);
  }
  return finalize(service, toCreate, toUpdate, toDelete, input.triggerTimeMs);
}

function isPlaceholder(s: EndpointSlice, placeholder: EndpointSlice, uid: string): boolean {
  return (
    s.addressType === placeholder.addressType &&
    s.endpoints.length === 0 &&
    s.ports.length === 0 &&
    ownedBy(s, uid) &&
    canonicalJson(s.metadata?.labels) === canonicalJson(placeholder.metadata?.labels)
  );
}

/** Kubernetes' reconcileByPortMapping for one port set. */
function reconcileByPorts(
  svc: Service,
  existing: EndpointSlice[],
  desired: EndpointSet,
  ports: EndpointPort[],
  addressType: AddressType,
  max: number,
): SliceChanges {
  const byName = new Map<string, EndpointSlice>();
  const unchanged = new Set<string>();
  const toUpdate = new Set<string>();
  const toDelete = new Set<string>();
  const labels = sliceLabels(svc);

  // 1. Keep the endpoints still desired, updated where they changed.
  for (const s of existing) {
    const name = s.metadata!.name;
    byName.set(name, s);
    const kept = [];
    let changed = false;
    for (const ep of s.endpoints) {
      const want = desired.get(ep);
      if (!want) continue;
      kept.push(want);
      if (!endpointsEqual(want, ep)) changed = true;
      desired.delete(ep);
    }
    const labelsChanged = canonicalJson(s.metadata?.labels) !== canonicalJson(labels);
    if (changed || kept.length !== s.endpoints.length) {
      if (kept.length === 0) toDelete.add(name);
      else {
        const next = structuredClone(s);
        next.endpoints = kept;
        next.metadata!.labels = labels;
        byName.set(name, next);
        toUpdate.add(name);
      }
    } else if (labelsChanged) {
      const next = structuredClone(s);
      next.metadata!.labels = labels;
      byName.set(name, next);
      toUpdate.add(name);
    } else unchanged.add(name);
  }

  // 2. Fill the slices being updated anyway, the fullest first.
  if (desired.size > 0 && toUpdate.size > 0) {
    const slices = [...toUpdate].map((n) => byName.get(n)!).sort((a, b) => b.endpoints.length - a.endpoints.length);
    for (const s of slices) while (desired.size > 0 && s.endpoints.length < max) s.endpoints.push(desired.pop());
  }

  // 3. What remains: into the unchanged slice it fills closest to full, else into new slices.
  const toCreate: EndpointSlice[] = [];
  while (desired.size > 0) {
    let fill: EndpointSlice | undefined;
    if (desired.size < max && unchanged.size > 0) {
      const found = sliceToFill([...unchanged].map((n) => byName.get(n)!), desired.size, max);
      if (found) {
        fill = structuredClone(found);
        byName.set(fill.metadata!.name, fill);
      }
    }
    fill ??= newSlice(svc, ports, addressType);
    while (desired.size > 0 && fill.endpoints.length < max) fill.endpoints.push(desired.pop());
    if (fill.metadata!.name) {
      toUpdate.add(fill.metadata!.name);
      unchanged.delete(fill.metadata!.name);
    } else toCreate.push(fill);
  }
  return {
    create: toCreate,
    update: [...toUpdate].map((n) => byName.get(n)!),
    delete: [...toDelete].map((n) => byName.get(n)!),
  };
}

/** The slice that will be closest to full once `count` endpoints are added (getSliceToFill). */
function sliceToFill(slices: EndpointSlice[], count: number, max: number): EndpointSlice | undefined {
  let closestDiff = max;
  let closest: EndpointSlice | undefined;
  for (const s of slices) {
    const diff = max - (count + s.endpoints.length);
    if (diff >= 0 && diff < closestDiff) {
      closestDiff = diff;
      closest = s;
      if (diff === 0) break;
    }
  }
  return closest;
}

/**
 * Kubernetes' finalize: a slice about to be created takes the name of one about to be deleted
 * (an update instead of a delete and a create); nothing is created for a Service being deleted;
 * written slices carry the trigger time.
 */
function finalize(svc: Service, create: EndpointSlice[], update: EndpointSlice[], del: EndpointSlice[], triggerTimeMs: number | undefined): SliceChanges {
  for (let i = 0; i < del.length && create.length > 0; ) {
    const gone = del[i];
    const slice = create[create.length - 1];
    if (gone.addressType === slice.addressType && ownedBy(gone, svc.metadata!.uid)) {
      const reused = structuredClone(gone);
      reused.metadata!.labels = slice.metadata!.labels;
      reused.endpoints = slice.endpoints;
      reused.ports = slice.ports;
      create.pop();
      update.push(reused);
      del.splice(i, 1);
    } else i++;
  }
  if (svc.metadata?.deletionTimestamp) create = [];
  for (const s of [...create, ...update]) setTriggerTime(s, triggerTimeMs);
  return { create, update, delete: del };
}
