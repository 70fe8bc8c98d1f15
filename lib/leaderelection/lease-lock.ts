// The resource lock of leader election: one Lease (coordination.k8s.io) whose spec holds the
// election record. Updates carry the resourceVersion last read, so two candidates writing at
// once cannot both win (client-go's resourcelock.LeaseLock).
import { Lease } from '../gen/kite/coordination/v1/lease';

export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

/** The part of the typed Lease client the lock uses. */
export interface LeaseClient {
  get(name: string, namespace?: string): Promise<Lease>;
  create(lease: Lease): Promise<Lease>;
  update(lease: Lease): Promise<Lease>;
}

export class LeaseLock {
  private lease: Lease | undefined;

  constructor(
    private readonly client: LeaseClient,
    readonly namespace: string,
    readonly name: string,
  ) {}

  /** The current record; rejects with NotFoundError when the Lease does not exist. */
  async get(): Promise<{ record: LeaderElectionRecord; raw: string }> {
    this.lease = await this.client.get(this.name, this.namespace);
    const record = recordOf(this.lease);
    return { record, raw: JSON.stringify(record) };
  }

  async create(record: LeaderElectionRecord): Promise<void> {
    this.lease = await this.client.create(
      Lease.fromPartial({ metadata: { name: this.name, namespace: this.namespace }, spec: specOf(record) }),
    );
  }

  /** Writes `record` over the Lease last read; ConflictError if someone wrote it since. */
  async update(record: LeaderElectionRecord): Promise<void> {
    if (!this.lease) throw new Error('leader election lock: update before get or create');
    const next = structuredClone(this.lease);
    next.spec = specOf(record);
    this.lease = await this.client.update(next);
  }

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }
}

function recordOf(lease: Lease): LeaderElectionRecord {
  const s = lease.spec;
  return {
    holderIdentity: s?.holderIdentity ?? '',
    leaseDurationSeconds: s?.leaseDurationSeconds ?? 0,
    acquireTime: s?.acquireTime ?? '',
    renewTime: s?.renewTime ?? '',
    leaseTransitions: s?.leaseTransitions ?? 0,
  };
}

function specOf(r: LeaderElectionRecord): Lease['spec'] {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: r.acquireTime,
    renewTime: r.renewTime,
    leaseTransitions: r.leaseTransitions,
  };
}
