import { strict as assert } from 'node:assert';
import { ConflictError, NotFoundError, UnavailableError } from '../../../../lib/api/errors';
import { Lease } from '../../../../lib/gen/kite/coordination/v1/lease';
import { LeaderElector, type LeaseClient } from '../../../../lib/leaderelection';
import { logger } from '../../../../lib/log';

/** An in-memory Lease store with resourceVersion checks, and a switch to make it fail. */
class MemoryLeases implements LeaseClient {
  lease: Lease | undefined;
  private rv = 0;
  down = false;
  writes = 0;

  /** Calls never answer (an apiserver that died with the connection open). */
  hang = false;

  async get(): Promise<Lease> {
    if (this.hang) await new Promise(() => undefined);
    if (this.down) throw new UnavailableError('apiserver down');
    if (!this.lease) throw new NotFoundError('leases "x" not found');
    return structuredClone(this.lease);
  }

  async create(l: Lease): Promise<Lease> {
    if (this.down) throw new UnavailableError('apiserver down');
    if (this.lease) throw new ConflictError('exists');
    this.writes++;
    this.lease = { ...structuredClone(l), metadata: { ...l.metadata!, resourceVersion: String(++this.rv) } };
    return structuredClone(this.lease);
  }

  async update(l: Lease): Promise<Lease> {
    if (this.hang) await new Promise(() => undefined);
    if (this.down) throw new UnavailableError('apiserver down');
    if (l.metadata!.resourceVersion !== this.lease?.metadata!.resourceVersion) throw new ConflictError('modified');
    this.writes++;
    this.lease = { ...structuredClone(l), metadata: { ...l.metadata!, resourceVersion: String(++this.rv) } };
    return structuredClone(this.lease);
  }
}

const silent = logger('test');
silent.level = 'silent';
const fast = { leaseDurationMs: 300, renewDeadlineMs: 200, retryPeriodMs: 50, logger: silent };
const until = async (what: string, fn: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('LeaderElector', () => {
  const runs: Promise<void>[] = [];
  const stops: AbortController[] = [];
  afterEach(async () => {
    stops.forEach((s) => s.abort());
    await Promise.all(runs.splice(0));
  });

  function candidate(store: MemoryLeases, identity: string, extra: Partial<ConstructorParameters<typeof LeaderElector>[0]> = {}) {
    const state = { leading: false, started: 0, stopped: 0, leaders: [] as string[] };
    const stop = new AbortController();
    stops.push(stop);
    const elector = new LeaderElector({
      client: store,
      name: 'kube-controller-manager',
      identity,
      ...fast,
      callbacks: {
        onStartedLeading: (signal) => {
          state.leading = true;
          state.started++;
          signal.addEventListener('abort', () => (state.leading = false));
        },
        onStoppedLeading: () => state.stopped++,
        onNewLeader: (id) => state.leaders.push(id),
      },
      ...extra,
    });
    runs.push(elector.run(stop.signal));
    return { elector, state, stop };
  }

  it('creates the Lease and leads, renewing it', async () => {
    const store = new MemoryLeases();
    const a = candidate(store, 'a');
    await until('a leads', () => a.state.leading);
    assert.equal(store.lease!.spec!.holderIdentity, 'a');
    assert.equal(store.lease!.metadata!.namespace, 'kube-system');
    assert.equal(store.lease!.spec!.leaseDurationSeconds, 1);
    const renewed = store.lease!.spec!.renewTime;
    await until('renewal', () => store.lease!.spec!.renewTime !== renewed);
    assert.ok(a.elector.isLeader());
  });

  it('lets only one of two candidates lead; the other takes over when the leader releases', async () => {
    const store = new MemoryLeases();
    const a = candidate(store, 'a');
    await until('a leads', () => a.state.leading);
    const b = candidate(store, 'b');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(b.state.leading, false, 'b waits while a renews');
    assert.equal(b.elector.getLeader(), 'a');
    a.stop.abort();
    await until('b leads', () => b.state.leading, 1000);
    assert.equal(a.state.stopped, 1);
    assert.equal(store.lease!.spec!.holderIdentity, 'b');
    assert.equal(store.lease!.spec!.leaseTransitions, 1);
  });

  it('takes over a lease its holder stopped renewing, after the lease duration', async () => {
    const store = new MemoryLeases();
    const a = candidate(store, 'a', { releaseOnCancel: false });
    await until('a leads', () => a.state.leading);
    a.stop.abort();
    const stoppedAt = Date.now();
    const b = candidate(store, 'b');
    await until('b leads', () => b.state.leading, 2000);
    assert.ok(Date.now() - stoppedAt >= 250, 'not before the lease expired');
  });

  it('steps down when it cannot renew within the renew deadline', async () => {
    const store = new MemoryLeases();
    const a = candidate(store, 'a');
    await until('a leads', () => a.state.leading);
    store.down = true;
    await until('a stepped down', () => !a.state.leading && a.state.stopped === 1, 2000);
    await runs[runs.length - 1];
  });

  it('steps down within the renew deadline when its renewal hangs, and a candidate whose request hangs tries again', async () => {
    const store = new MemoryLeases();
    const a = candidate(store, 'a', { releaseOnCancel: false });
    await until('a leads', () => a.state.leading);
    store.hang = true;
    await until('a stepped down', () => !a.state.leading && a.state.stopped === 1, 2000);
    const b = candidate(store, 'b');
    await new Promise((r) => setTimeout(r, 300));
    store.hang = false;
    await until('b leads once its requests are answered', () => b.state.leading, 2000);
  });

  it('rejects timings that cannot work', () => {
    const store = new MemoryLeases();
    const cb = { onStartedLeading: () => undefined };
    assert.throws(() => new LeaderElector({ client: store, name: 'x', leaseDurationMs: 10, renewDeadlineMs: 10, retryPeriodMs: 1, callbacks: cb }), /leaseDuration/);
    assert.throws(() => new LeaderElector({ client: store, name: 'x', leaseDurationMs: 100, renewDeadlineMs: 50, retryPeriodMs: 50, callbacks: cb }), /retryPeriod/);
  });
});
