import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigMaps } from '../../../lib/api/kinds';
import type { Clientset } from '../../../lib/client/clientset';
import { ReplicaSet } from '../../../lib/gen/kite/apps/v1/types';
import { createCA } from '../../../lib/pki/certificates';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function httpsGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('kite-controller-manager (the program)', function () {
  this.timeout(60_000);
  let api: TestApiserver;
  let client: Clientset;
  let proc: ChildProcess | undefined;
  let stderr = '';
  let dir: string;
  let ca: string;

  before(async () => {
    api = await startTestApiserver();
    client = api.client();
    dir = mkdtempSync(join(tmpdir(), 'kite-kcm-bin-'));
    ca = (await createCA('kite-kcm-bin-test')).cert;
    writeFileSync(join(dir, 'ca.crt'), ca);
  });
  after(async () => {
    if (proc && proc.exitCode === null) {
      proc.kill('SIGKILL');
      await new Promise((r) => proc!.once('exit', r));
    }
    await api?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leads through its Lease, runs the controllers, serves /healthz on --secure-port, and on SIGTERM stops and releases the lease', async () => {
    const securePort = await freePort();
    proc = spawn(
      process.execPath,
      [join(__dirname, '../../../bin/kite-controller-manager'), '--server', api.address, '--leader-elect-retry-period', '200ms', '--leader-elect-renew-deadline', '2s', '--leader-elect-lease-duration', '3s', '--root-ca-file', join(dir, 'ca.crt'), '--secure-port', String(securePort), '--bind-address', '127.0.0.1'],
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
    await waitFor('--root-ca-file published', async () => (await client.resource(ConfigMaps).get('kube-root-ca.crt', 'default').catch(() => undefined))?.data['ca.crt'] === ca, 20_000);
    // What its static pod's probes ask (HTTPS, the certificate not verified), the leader election check included.
    assert.equal(await httpsGet(securePort, '/healthz?verbose'), '[+]ping ok\n[+]leaderElection ok\nhealthz check passed\n');
    proc.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.equal((await client.leases.get('kube-controller-manager', 'kube-system')).spec!.holderIdentity, '', 'released on shutdown');
  });

  it('refuses bad flags with a message naming them', async () => {
    const p = spawn(process.execPath, [join(__dirname, '../../../bin/kite-controller-manager'), '--server', api.address, '--controllers', 'bootstrapsigner', '--no-leader-elect'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
    assert.equal(code, 1);
    assert.match(err, /unknown controller "bootstrapsigner"/);
  });

  it('refuses a --root-ca-file without a certificate', async () => {
    writeFileSync(join(dir, 'empty.crt'), '');
    const p = spawn(process.execPath, [join(__dirname, '../../../bin/kite-controller-manager'), '--server', api.address, '--root-ca-file', join(dir, 'empty.crt'), '--no-leader-elect'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
    assert.equal(code, 1);
    assert.match(err, /error parsing root-ca-file at .*empty\.crt: data does not contain any valid RSA or ECDSA certificates/);
  });
});
