// The etcd static pod's probes (services/kite/control-plane-pods.ts) against Debian's etcd, as a
// member of a highly available cluster meets them when the control-plane nodes restart one by
// one: a member alone (its peers not yet up) answers the liveness probe's path, so the kubelet
// does not kill it for the missing quorum, and fails the startup probe's path until its peers are
// up and a leader is elected; then both answer 200. Members run on loopback ports of this test,
// their data on tmpfs, and are ended by their pids.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { PROBES } from '../../../services/kite/control-plane-pods';
import { ETCD_BINARY, freePorts } from '../../support/etcd';
import { waitFor } from '../../support/wait';

function status(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 15_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end();
  });
}

const probePath = (kind: 'livenessProbe' | 'startupProbe') => (PROBES.etcd[kind] as { httpGet: { path: string } }).httpGet.path;

describe('kite: the etcd static pod\'s probes against an etcd cluster coming up member by member', function () {
  this.timeout(120_000);
  const children: ChildProcess[] = [];
  const dirs: string[] = [];

  after(async () => {
    await Promise.all(children.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    })));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a member without its peers passes liveness and fails startup; with its peers up it passes both', async () => {
    const ports = await freePorts(9);
    const members = [0, 1, 2].map((i) => ({ name: `probe-${i}`, client: ports[3 * i], peer: ports[3 * i + 1], metrics: ports[3 * i + 2] }));
    const initialCluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
    const start = (m: (typeof members)[number]) => {
      const dataDir = mkdtempSync(join('/dev/shm', 'kite-etcd-probes-'));
      dirs.push(dataDir);
      children.push(spawn(ETCD_BINARY, [
        '--name', m.name, '--data-dir', dataDir,
        '--listen-client-urls', `http://127.0.0.1:${m.client}`, '--advertise-client-urls', `http://127.0.0.1:${m.client}`,
        '--listen-peer-urls', `http://127.0.0.1:${m.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peer}`,
        '--initial-cluster', initialCluster, '--initial-cluster-state', 'new', '--initial-cluster-token', `kite-probes-${ports[0]}`,
        '--listen-metrics-urls', `http://127.0.0.1:${m.metrics}`, '--log-level', 'error',
      ], { stdio: 'ignore' }));
    };
    const [first] = members;
    start(first);
    await waitFor('the lone member to pass its liveness probe', async () => (await status(first.metrics, probePath('livenessProbe'))) === 200, 30_000, 500);
    assert.notEqual(await status(first.metrics, probePath('startupProbe')), 200, 'no quorum yet: the startup probe fails (and holds liveness back in the kubelet)');
    assert.equal(await status(first.metrics, probePath('livenessProbe')), 200, 'still alive without its peers');
    members.slice(1).forEach(start);
    await waitFor('the member to pass its startup probe with its peers up', async () => (await status(first.metrics, probePath('startupProbe'))) === 200, 60_000, 500);
    assert.equal(await status(first.metrics, probePath('livenessProbe')), 200);
  });
});
