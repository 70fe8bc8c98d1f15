// Kubernetes' EndpointsAdapter (pkg/controlplane/reconcilers/endpointsadapter.go): the endpoint
// reconciler writes the `kubernetes` Service's Endpoints through it, and each write also creates
// or updates the EndpointSlice of the same name (labelled kubernetes.io/service-name, no
// managed-by: the apiserver owns it), so readers of slices find the apiservers. The Endpoints
// carry endpointslice.kubernetes.io/skip-mirror=true so the mirroring controller leaves them.
import { isIPv6 } from 'node:net';
import { isAlreadyExists, isNotFound } from '../../../../lib/api/errors';
import type { EndpointAddress, Endpoints } from '../../../../lib/gen/kite/core/v1/types';
import { EndpointSlice, type Endpoint } from '../../../../lib/gen/kite/discovery/v1/types';
import { canonicalJson } from '../../../../lib/util/json';
import type { Registry } from '../../registry/registry';

const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
const LABEL_SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';

/** Sets the skip-mirror label; true if that changed the Endpoints (setSkipMirrorTrue). */
export function setSkipMirrorTrue(e: Endpoints): boolean {
  const m = e.metadata!;
  if (m.labels[LABEL_SKIP_MIRROR] === 'true') return false;
  m.labels = { ...m.labels, [LABEL_SKIP_MIRROR]: 'true' };
  return true;
}

function endpointFromAddress(a: EndpointAddress, ready: boolean): Endpoint {
  const ep: Endpoint = { addresses: [a.ip], conditions: { ready }, targetRef: a.targetRef };
  if (a.nodeName) ep.nodeName = a.nodeName;
  return ep;
}

/** The slice of an Endpoints object's first subset (endpointSliceFromEndpoints). */
export function endpointSliceFromEndpoints(e: Endpoints): EndpointSlice {
  const m = e.metadata!;
  const slice = EndpointSlice.fromPartial({ metadata: { name: m.name, namespace: m.namespace, labels: { [LABEL_SERVICE_NAME]: m.name } }, addressType: 'IPv4' });
  const subset = e.subsets[0];
  if (!subset) return slice;
  slice.ports = subset.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol }));
  const all = [...subset.addresses, ...subset.notReadyAddresses];
  if (all.length > 0 && all.every((a) => isIPv6(a.ip))) slice.addressType = 'IPv6';
  slice.endpoints = [...subset.addresses.map((a) => endpointFromAddress(a, true)), ...subset.notReadyAddresses.map((a) => endpointFromAddress(a, false))];
  return slice;
}

const json = (v: unknown) => canonicalJson(JSON.parse(JSON.stringify(v ?? null)));

export class EndpointsAdapter {
  constructor(
    private readonly endpoints: Registry<Endpoints>,
    private readonly slices: Registry<EndpointSlice>,
  ) {}

  async create(namespace: string, e: Endpoints): Promise<Endpoints> {
    const out = await this.endpoints.create(namespace, e);
    await this.ensureEndpointSliceFromEndpoints(namespace, out);
    return out;
  }

  async update(namespace: string, e: Endpoints): Promise<Endpoints> {
    const out = await this.endpoints.update(e);
    await this.ensureEndpointSliceFromEndpoints(namespace, out);
    return out;
  }

  /** Creates or updates the slice named as the Endpoints; an address type change recreates it. */
  async ensureEndpointSliceFromEndpoints(namespace: string, e: Endpoints): Promise<void> {
    const want = endpointSliceFromEndpoints(e);
    const name = want.metadata!.name;
    const current = await this.slices.get(namespace, name).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (!current) {
      await this.slices.create(namespace, want).catch((err: unknown) => {
        if (!isAlreadyExists(err)) throw err;
      });
      return;
    }
    if (current.addressType !== want.addressType) {
      await this.slices.delete(namespace, name);
      await this.slices.create(namespace, want);
      return;
    }
    const same = (a: EndpointSlice) => {
      const j = EndpointSlice.toJSON(a) as { endpoints?: unknown; ports?: unknown };
      return json([j.endpoints, j.ports, a.metadata?.labels]);
    };
    if (same(current) === same(want)) return;
    want.metadata!.resourceVersion = current.metadata!.resourceVersion;
    await this.slices.update(want);
  }
}
