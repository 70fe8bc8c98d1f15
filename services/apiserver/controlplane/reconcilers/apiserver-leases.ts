// Each apiserver's claim to be an endpoint of the `kubernetes` Service, as Kubernetes' reconcilers
// Leases (pkg/controlplane/reconcilers/lease.go) keeps `/masterleases/<ip>` keys with a TTL in
// etcd. Kite's store has no TTLs, so a claim is a coordination Lease in kube-system whose
// renewTime plus leaseDurationSeconds is its expiry: listing leaves out (and deletes) the expired
// ones, which is what etcd's TTL does for Kubernetes.
import { isConflict, isNotFound } from '../../../../lib/api/errors';
import { Lease } from '../../../../lib/gen/kite/coordination/v1/lease';
import { parseTime, rfc3339Micro } from '../../../../lib/util/time';
import type { Registry } from '../../registry/registry';

/** Kubernetes' DefaultEndpointReconcilerTTL. */
export const DEFAULT_ENDPOINT_RECONCILER_TTL_SECONDS = 15;
export const APISERVER_LEASE_NAMESPACE = 'kube-system';
/** Marks the Leases that are endpoint claims; its value is the claimed address. */
export const APISERVER_ENDPOINT_LABEL = 'kite.io/apiserver-endpoint';

/** Kubernetes' reconcilers.Leases: the addresses of the apiservers alive now. */
export interface Leases {
  /** The unexpired addresses, sorted. */
  listLeases(): Promise<string[]>;
  /** Creates or renews this address's lease for one TTL from now. */
  updateLease(ip: string): Promise<void>;
  /** Deletes this address's lease; NotFoundError when there is none. */
  removeLease(ip: string): Promise<void>;
}

/** The Lease's name for an address ("apiserver-endpoint-10.0.0.1"). */
export function apiserverLeaseName(ip: string): string {
  return `apiserver-endpoint-${ip.replaceAll(':', '-')}`;
}

/** Leases as coordination Lease objects through the registry, expired by `now` (wall-clock ms). */
export class StoredLeases implements Leases {
  constructor(
    private readonly leases: Registry<Lease>,
    private readonly ttlSeconds = DEFAULT_ENDPOINT_RECONCILER_TTL_SECONDS,
    private readonly now: () => number = Date.now,
  ) {}

  async listLeases(): Promise<string[]> {
    const list = await this.leases.list({ namespace: APISERVER_LEASE_NAMESPACE, labelSelector: APISERVER_ENDPOINT_LABEL });
    const alive: string[] = [];
    for (const lease of list.items) {
      if (this.expired(lease)) await this.deleteExpired(lease);
      else alive.push(lease.spec!.holderIdentity);
    }
    return alive.sort();
  }

  async updateLease(ip: string): Promise<void> {
    const stamp = rfc3339Micro(new Date(this.now()));
    const name = apiserverLeaseName(ip);
    try {
      await this.leases.guaranteedUpdate(APISERVER_LEASE_NAMESPACE, name, (cur) => {
        cur.spec = { ...cur.spec!, holderIdentity: ip, leaseDurationSeconds: this.ttlSeconds, renewTime: stamp };
        return cur;
      });
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await this.leases.create(
      APISERVER_LEASE_NAMESPACE,
      Lease.fromPartial({
        metadata: { name, namespace: APISERVER_LEASE_NAMESPACE, labels: { [APISERVER_ENDPOINT_LABEL]: ip } },
        spec: { holderIdentity: ip, leaseDurationSeconds: this.ttlSeconds, acquireTime: stamp, renewTime: stamp },
      }),
    );
  }

  async removeLease(ip: string): Promise<void> {
    await this.leases.delete(APISERVER_LEASE_NAMESPACE, apiserverLeaseName(ip));
  }

  private expired(lease: Lease): boolean {
    const renewed = parseTime(lease.spec?.renewTime);
    const ttl = (lease.spec?.leaseDurationSeconds ?? this.ttlSeconds) * 1000;
    return !lease.spec?.holderIdentity || !(renewed + ttl > this.now());
  }

  /** Deletes an expired lease unless it was renewed since it was read. */
  private async deleteExpired(lease: Lease): Promise<void> {
    const m = lease.metadata!;
    await this.leases.delete(m.namespace, m.name, { preconditions: { resourceVersion: m.resourceVersion } }).catch((err: unknown) => {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    });
  }
}
