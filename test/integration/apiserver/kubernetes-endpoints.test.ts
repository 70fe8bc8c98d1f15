// Several apiservers on one etcd, each on its own loopback address (127.0.0.2, 127.0.0.3) and the
// same port, as a highly available control plane: the `kubernetes` Endpoints list every live one
// (Kubernetes' lease endpoint reconciler); one that stops leaves at once, one that is killed
// leaves once its lease expires, and the survivors keep serving the Service.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Clientset } from '../../../lib/client/clientset';
import { NO_RETRY } from '../../../lib/client/retry';
import { freePort } from '../../../lib/util/net';
import { startApiserver, type Apiserver } from '../../../services/apiserver/server';
import { etcdSkipped, startEtcd, type TestEtcd } from '../../support/etcd';
import { waitFor } from '../../support/wait';

const ROOT = join(__dirname, '..', '..', '..');

describe('the kubernetes Endpoints with several apiservers on one store', function () {
  this.timeout(90_000);
  let etcd: TestEtcd;
  let port: number;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(async function () {
    if (etcdSkipped()) this.skip();
    etcd = await startEtcd();
    stops.push(() => etcd.stop());
    // One port for every apiserver, as a Service's Endpoints carry one port for all addresses.
    port = await freePort('127.0.0.2');
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  const inProcess = async (ip: string): Promise<Apiserver> => {
    const server = await startApiserver({
      bindAddress: ip,
      port,
      store: 'etcd',
      etcdEndpoints: [etcd.endpoint],
      compactionIntervalMs: 0,
      endpointIntervalMs: 500,
    });
    const stop = server.stop.bind(server);
    let stopped = false;
    stops.push(async () => {
      if (!stopped) await stop();
    });
    return Object.assign(server, {
      stop: async () => {
        stopped = true;
        await stop();
      },
    });
  };

  const client = (ip: string) => {
    const c = new Clientset({ address: `${ip}:${port}`, tls: false, namespace: 'default', source: 'test' }, { retry: NO_RETRY, timeoutMs: 5000 });
    stops.push(async () => c.close());
    return c;
  };
  const endpointsOf = async (c: Clientset) => {
    const ep = await c.endpoints.get('kubernetes', 'default');
    return ep.subsets.flatMap((s) => s.addresses.map((a) => `${a.ip}:${s.ports.find((p) => p.name === 'https')?.port}`)).sort();
  };

  it('lists both apiservers, and the one that stops leaves at once', async () => {
    await inProcess('127.0.0.2');
    const b = await inProcess('127.0.0.3');
    const c = client('127.0.0.2');
    await waitFor('both apiservers in the Endpoints', async () => (await endpointsOf(c)).length === 2);
    assert.deepEqual(await endpointsOf(c), [`127.0.0.2:${port}`, `127.0.0.3:${port}`]);
    const svc = await c.services.get('kubernetes', 'default');
    assert.deepEqual(svc.spec!.ports.map((p) => [p.name, p.port, p.targetPort]), [['https', 443, port]]);

    await b.stop();
    assert.deepEqual(await endpointsOf(c), [`127.0.0.2:${port}`]);
  });

  it('drops an apiserver that was killed once its lease has expired', async () => {
    await inProcess('127.0.0.2');
    const proc = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'kite-apiserver'), '--port', String(port), '--bind-address', '127.0.0.3', '--store', 'etcd', '--etcd-endpoints', etcd.endpoint, '--compaction-interval', '0'],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, KITE_LOG_LEVEL: 'error' } },
    );
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    stops.push(async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    });
    const c = client('127.0.0.2');
    await waitFor('the process apiserver in the Endpoints', async () => {
      if (proc.exitCode !== null) throw new Error(`kite-apiserver exited: ${stderr}`);
      return (await endpointsOf(c)).length === 2;
    }, 30_000);
    proc.kill('SIGKILL');
    await exited;
    // Nothing removed it: it stays until its 15 s lease runs out, then the survivor drops it.
    assert.deepEqual(await endpointsOf(c), [`127.0.0.2:${port}`, `127.0.0.3:${port}`]);
    await waitFor('the killed apiserver to leave the Endpoints', async () => (await endpointsOf(c)).length === 1, 40_000, 250);
    assert.deepEqual(await endpointsOf(c), [`127.0.0.2:${port}`]);
  });
});
