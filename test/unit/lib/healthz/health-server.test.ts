// The scheduler's and controller-manager's secure health endpoints (lib/healthz/health-server.ts):
// /healthz, /livez and /readyz over HTTPS with a self-signed certificate, as the static pods'
// HTTPS probes (which do not verify it) read them, and the leader-election watchdog among the
// checks.
import { strict as assert } from 'node:assert';
import { get } from 'node:https';
import { NotFoundError, UnavailableError } from '../../../../lib/api/errors';
import type { Lease } from '../../../../lib/gen/kite/coordination/v1/lease';
import { leaderElectionCheck, startHealthServer, type HealthServer } from '../../../../lib/healthz/health-server';
import { LeaderElector, type LeaseClient } from '../../../../lib/leaderelection';
import { logger } from '../../../../lib/log';

const silent = logger('test');
silent.level = 'silent';

function fetchText(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** A Lease store that accepts the first create and then fails: the leader cannot renew. */
class FailingAfterCreate implements LeaseClient {
  lease: Lease | undefined;
  async get(): Promise<Lease> {
    if (!this.lease) throw new NotFoundError('leases "kube-scheduler" not found');
    throw new UnavailableError('apiserver down');
  }
  async create(l: Lease): Promise<Lease> {
    this.lease = { ...l, metadata: { ...l.metadata!, resourceVersion: '1' } };
    return this.lease;
  }
  async update(): Promise<Lease> {
    throw new UnavailableError('apiserver down');
  }
}

describe('health server (kube-scheduler and kube-controller-manager --secure-port)', () => {
  let server: HealthServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers /healthz, /livez and /readyz over HTTPS with a self-signed certificate, and 404 elsewhere', async () => {
    let failing = false;
    server = await startHealthServer({
      port: 0,
      bindAddress: '127.0.0.1',
      checks: [{ name: 'leaderElection', check: async () => { if (failing) throw new Error('stuck'); } }],
    });
    for (const path of ['/healthz', '/livez', '/readyz']) assert.deepEqual(await fetchText(server.port, path), { status: 200, body: 'ok' });
    assert.equal((await fetchText(server.port, '/healthz?verbose')).body, '[+]ping ok\n[+]leaderElection ok\nhealthz check passed\n');
    assert.equal((await fetchText(server.port, '/metrics')).status, 404);
    failing = true;
    const failed = await fetchText(server.port, '/healthz');
    assert.equal(failed.status, 500);
    assert.match(failed.body, /\[-\]leaderElection failed: reason withheld\nhealthz check failed/);
    assert.equal((await fetchText(server.port, '/healthz/ping')).status, 200);
  });

  it('fails the leaderElection check once the leader has not renewed for the lease duration plus the tolerance', async () => {
    let now = 1_000_000;
    const stop = new AbortController();
    const elector = new LeaderElector({
      client: new FailingAfterCreate(),
      name: 'kube-scheduler',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      releaseOnCancel: false,
      now: () => now,
      logger: silent,
      callbacks: { onStartedLeading: () => undefined },
    });
    const running = elector.run(stop.signal);
    try {
      while (!elector.isLeader()) await new Promise((r) => setTimeout(r, 5));
      const check = leaderElectionCheck(elector);
      await check.check();
      now += 15_000 + 20_000;
      await check.check();
      now += 1;
      await assert.rejects(check.check(), /failed election to renew leadership on lease kube-scheduler/);
    } finally {
      stop.abort();
      await running;
    }
  });
});
