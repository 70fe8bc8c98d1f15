import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Clientset } from '../../../lib/client/clientset';
import { ReplicaSet } from '../../../lib/gen/kite/apps/v1/types';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';

describe('kite-controller-manager (the program)', function () {
  this.timeout(60_000);
  let api: TestApiserver;
  let client: Clientset;
  let proc: ChildProcess | undefined;
  let stderr = '';

  before(async () => {
    api = await startTestApiserver();
    client = api.client();
  });
  after(async () => {
    if (proc && proc.exitCode === null) {
      proc.kill('SIGKILL');
      await new Promise((r) => proc!.once('exit', r));
    }
    await api?.stop();
  });

  it('leads through its Lease, runs the controllers, and on SIGTERM stops and releases the lease', async () => {
    proc = spawn(
      process.execPath,
      [join(__dirname, '../../../bin/kite-controller-manager'), '--server', api.address, '--leader-elect-retry-period', '200ms', '--leader-elect-renew-deadline', '2s', '--leader-elect-lease-duration', '3s'],
      { env: { ...process.env, KITE_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    proc.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((r) => proc!.once('exit', (code) => r(code)));
    const lease = await waitFor('leader lease', () => client.leases.get('kube-controller-manager', 'kube-system').catch(() => undefined), 20_000).catch((err: Error) => {
      throw new Error(`${err.message}; the program said: ${stderr}`);
    });
    assert.match(lease.spec!.holderIdentity, /_/);
    await client.replicaSets.create(
      ReplicaSet.fromPartial({
        metadata: { name: 'bin', namespace: 'default' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'bin' } }, template: { metadata: { labels: { app: 'bin' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
      }),
    );
    await waitFor('2 pods', async () => (await client.pods.list({ namespace: 'default', labelSelector: 'app=bin' })).items.length === 2, 20_000);
    proc.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.equal((await client.leases.get('kube-controller-manager', 'kube-system')).spec!.holderIdentity, '', 'released on shutdown');
  });

  it('refuses bad flags with a message naming them', async () => {
    const p = spawn(process.execPath, [join(__dirname, '../../../bin/kite-controller-manager'), '--server', api.address, '--controllers', 'cronjob', '--no-leader-elect'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
    assert.equal(code, 1);
    assert.match(err, /unknown controller "cronjob"/);
  });
});
