// Kubernetes' endpoint reconcilers (pkg/controlplane/reconcilers): who keeps the Endpoints of the
// `kubernetes` Service listing the apiservers. "lease" (the default): each apiserver renews its
// own lease and writes the Endpoints as exactly the unexpired addresses, so a dead apiserver
// leaves within the lease's TTL and a stopping one removes itself. "none": nobody writes them.
// Writes go through the EndpointsAdapter, which keeps the EndpointSlice of the same name in step.
import { isAlreadyExists, isNotFound } from '../../../../lib/api/errors';
import { logger } from '../../../../lib/log';
import { Endpoints, type EndpointPort } from '../../../../lib/gen/kite/core/v1/types';
import type { EndpointSlice } from '../../../../lib/gen/kite/discovery/v1/types';
import type { Registry } from '../../registry/registry';
import type { Leases } from './apiserver-leases';
import { EndpointsAdapter, setSkipMirrorTrue } from './endpoints-adapter';

export const ENDPOINT_RECONCILER_TYPES = ['lease', 'none'] as const;
export type EndpointReconcilerType = (typeof ENDPOINT_RECONCILER_TYPES)[number];

/** Kubernetes' reconcilers.EndpointReconciler. */
export interface EndpointReconciler {
  /** Renews this apiserver's claim and writes the Endpoints; ports are corrected only when `reconcilePorts`. */
  reconcileEndpoints(serviceName: string, ip: string, ports: EndpointPort[], reconcilePorts: boolean): Promise<void>;
  /** Drops this apiserver's claim and rewrites the Endpoints without it; NotFoundError when it had none. */
  removeEndpoints(serviceName: string, ip: string, ports: EndpointPort[]): Promise<void>;
  /** Later reconcileEndpoints calls do nothing (shutdown has begun). */
  stopReconciling(): void;
}

/** Kubernetes' NewNoneEndpointReconciler. */
export const noneEndpointReconciler: EndpointReconciler = {
  reconcileEndpoints: async () => undefined,
  removeEndpoints: async () => undefined,
  stopReconciling: () => undefined,
};

const samePort = (a: EndpointPort, b: EndpointPort) => a.name === b.name && a.port === b.port && a.protocol === b.protocol && a.appProtocol === b.appProtocol;

/**
 * Kubernetes' checkEndpointSubsetFormatWithLease: one subset (format), exactly the expected
 * addresses in any order (ips), and, when asked, exactly the expected ports.
 */
export function checkEndpointSubsetFormatWithLease(e: Endpoints, expectedIPs: string[], ports: EndpointPort[], reconcilePorts: boolean): { formatCorrect: boolean; ipsCorrect: boolean; portsCorrect: boolean } {
  if (e.subsets.length !== 1) return { formatCorrect: false, ipsCorrect: false, portsCorrect: false };
  const sub = e.subsets[0];
  const portsCorrect = !reconcilePorts || (sub.ports.length === ports.length && ports.every((p, i) => samePort(p, sub.ports[i])));
  let ipsCorrect = sub.addresses.length === expectedIPs.length;
  if (ipsCorrect) {
    const seen = new Map(expectedIPs.map((ip) => [ip, false]));
    for (const a of sub.addresses) {
      if (seen.get(a.ip) !== false) {
        ipsCorrect = false;
        break;
      }
      seen.set(a.ip, true);
    }
  }
  return { formatCorrect: true, ipsCorrect, portsCorrect };
}

/** Kubernetes' leaseEndpointReconciler over the Endpoints registry and the apiservers' leases. */
export class LeaseEndpointReconciler implements EndpointReconciler {
  private stopped = false;
  /** Calls run one at a time, as Kubernetes' reconcilingLock orders them. */
  private running: Promise<unknown> = Promise.resolve();
  private readonly log = logger('apiserver');
  private readonly adapter: EndpointsAdapter;

  constructor(
    private readonly endpoints: Registry<Endpoints>,
    private readonly leases: Leases,
    slices: Registry<EndpointSlice>,
  ) {
    this.adapter = new EndpointsAdapter(endpoints, slices);
  }

  reconcileEndpoints(serviceName: string, ip: string, ports: EndpointPort[], reconcilePorts: boolean): Promise<void> {
    return this.serialized(async () => {
      if (this.stopped) return;
      // The lease is renewed whatever happens below, so that some apiserver adds this address.
      await this.leases.updateLease(ip);
      await this.doReconcile(serviceName, ports, reconcilePorts);
    });
  }

  removeEndpoints(serviceName: string, ip: string, ports: EndpointPort[]): Promise<void> {
    return this.serialized(async () => {
      await this.leases.removeLease(ip);
      await this.doReconcile(serviceName, ports, true);
    });
  }

  stopReconciling(): void {
    this.stopped = true;
  }

  private serialized(fn: () => Promise<void>): Promise<void> {
    const next = this.running.then(fn, fn);
    this.running = next.catch(() => undefined);
    return next;
  }

  private async doReconcile(serviceName: string, ports: EndpointPort[], reconcilePorts: boolean): Promise<void> {
    const existing = await this.endpoints.get('default', serviceName).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    const e = existing ?? Endpoints.fromPartial({ metadata: { name: serviceName, namespace: 'default' } });
    const ips = await this.leases.listLeases();
    // This apiserver's own lease was just renewed: none at all means the store answered wrongly.
    if (ips.length === 0) throw new Error(`no API server IP addresses were listed in storage, refusing to erase all endpoints for the ${serviceName} Service`);
    const { formatCorrect, ipsCorrect, portsCorrect } = checkEndpointSubsetFormatWithLease(e, ips, ports, reconcilePorts);
    const skipMirrorChanged = setSkipMirrorTrue(e);
    if (formatCorrect && ipsCorrect && portsCorrect && !skipMirrorChanged) {
      await this.adapter.ensureEndpointSliceFromEndpoints('default', e);
      return;
    }
    if (!formatCorrect) e.subsets = [{ addresses: [], notReadyAddresses: [], ports }];
    if (!formatCorrect || !ipsCorrect) e.subsets[0].addresses = ips.map((ip) => ({ ip, hostname: '', targetRef: undefined }));
    if (!portsCorrect) e.subsets[0].ports = ports;
    this.log.warn({ service: `default/${serviceName}`, addresses: ips }, 'resetting endpoints for the apiserver service');
    if (!existing) {
      await this.adapter.create('default', e).catch((err: unknown) => {
        if (!isAlreadyExists(err)) throw err;
      });
    } else {
      await this.adapter.update('default', e);
    }
  }
}
