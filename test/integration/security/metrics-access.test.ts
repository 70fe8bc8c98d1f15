// Who may read the apiserver's /metrics, and where the apiserver listens. As kube-apiserver:
// /metrics needs an authenticated caller allowed `get` on the non-resource URL /metrics
// (cluster-admin, or the system:monitoring group through the bootstrap system:monitoring role),
// over the same TLS, client certificates and tokens as gRPC. Without any authentication
// configured every caller would be an admin, so the apiserver then listens on 127.0.0.1 unless
// --bind-address says otherwise.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueClientCertificate } from '../../../lib/pki/certificates';
import { startApiserver } from '../../../services/apiserver/server';
import { httpsRequest, type HttpsReply } from '../../support/https-request';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

/** A GET of the metrics port with a client certificate or a bearer token. */
function scrape(s: SecureApiserver, id: { cert?: string; key?: string; token?: string }, path = '/metrics'): Promise<HttpsReply> {
  return httpsRequest({ port: s.server.metricsPort!, ca: s.ca.cert, cert: id.cert, key: id.key }, 'GET', path, undefined, id.token ? { authorization: `Bearer ${id.token}` } : {});
}

/** The local address the process listens on at `port` ("127.0.0.1", "0.0.0.0" ...), from /proc/net/tcp. */
function listeningAddress(port: number): string | undefined {
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/);
    if (!local || state !== '0A') continue;
    const [hex, p] = local.split(':');
    if (parseInt(p, 16) !== port) continue;
    return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  }
  return undefined;
}

describe('security: /metrics and the listening address', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  before(async () => {
    s = await startSecureApiserver({
      tokens: { 'monitor-token': { user: 'prometheus', groups: ['system:monitoring'] }, 'eve-token': { user: 'eve' } },
      config: { metricsPort: 0 },
    });
  });
  after(() => s?.stop());

  it('refuses /metrics without credentials (401) and without the permission (403)', async () => {
    const none = await scrape(s, {});
    assert.equal(none.status, 401);
    assert.match(none.body, /^Unauthorized/);
    assert.equal((await scrape(s, { token: 'not-a-token' })).status, 401);
    const eve = await scrape(s, { token: 'eve-token' });
    assert.equal(eve.status, 403);
    assert.match(eve.body, /^forbidden: User "eve" cannot get path "\/metrics"/);
    const pair = await issueClientCertificate(s.ca, 'mallory', ['developers']);
    assert.equal((await scrape(s, pair)).status, 403, 'a valid certificate without the permission');
  });

  it('serves /metrics to cluster admins and to the system:monitoring group', async () => {
    const admin = await scrape(s, { cert: readFileSync(s.pki.admin.cert, 'utf8'), key: readFileSync(s.pki.admin.key, 'utf8') });
    assert.equal(admin.status, 200);
    assert.match(admin.body, /^# TYPE apiserver_request_total counter$/m);
    assert.match(admin.body, /^apiserver_flowcontrol_current_executing_requests\{priority_level="global-default"\}/m);
    const monitor = await scrape(s, { token: 'monitor-token' });
    assert.equal(monitor.status, 200);
    const other = await scrape(s, { token: 'monitor-token' }, '/debug/pprof');
    assert.equal(other.status, 403, 'system:monitoring reads metrics and health, nothing else');
  });

  it('listens on 127.0.0.1 without authentication, or where --bind-address says', async () => {
    assert.equal(listeningAddress(s.server.port), '127.0.0.1', 'the secure test apiserver binds 127.0.0.1 explicitly');
    const dir = mkdtempSync(join(tmpdir(), 'kite-bind-'));
    try {
      const open = await startApiserver({ port: 0, dataDir: join(dir, 'a'), compactionIntervalMs: 0, metricsPort: 0 });
      try {
        assert.equal(listeningAddress(open.port), '127.0.0.1', 'no authentication: loopback only');
        assert.equal(listeningAddress(open.metricsPort!), '127.0.0.1', 'metrics too');
        const plain = await fetch(`http://127.0.0.1:${open.metricsPort}/metrics`);
        assert.equal(plain.status, 200, 'development mode: every local caller is an admin (bench/watch.ts scrapes so)');
        assert.equal(open.address, `127.0.0.1:${open.port}`);
      } finally {
        await open.stop();
      }
      const explicit = await startApiserver({ bindAddress: '127.0.0.2', port: 0, dataDir: join(dir, 'b'), compactionIntervalMs: 0 });
      try {
        assert.equal(listeningAddress(explicit.port), '127.0.0.2', 'an explicit --bind-address wins');
      } finally {
        await explicit.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
