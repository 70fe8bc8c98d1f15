// bin/kite-dns as deployed: its flags (--server, --listen, --upstream, --ttl, --health-listen,
// --ready-listen, --metrics-address) wire the same server, which becomes ready, answers a Service
// and a forwarded name and serves its metrics.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { join } from 'node:path';
import { Service } from '../../../lib/gen/kite/core/v1/types';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';
import { FakeUpstream } from './fake-upstream';

describe('bin/kite-dns', function () {
  this.timeout(60_000);
  let api: TestApiserver;
  let upstream: FakeUpstream;
  let child: ChildProcess | undefined;

  before(async () => {
    api = await startTestApiserver();
    upstream = await new FakeUpstream({ records: { 'example.test': [{ name: 'example.test', type: 'A', ttl: 60, data: '192.0.2.10' }] } }).start();
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await upstream?.stop();
    await api?.stop();
  });

  it('serves on the flags it is given and exits on SIGTERM', async () => {
    const name = uniqueName('bin');
    const svc = await api.client().services.create(Service.fromPartial({ metadata: { name }, spec: { ports: [{ port: 80, protocol: 'TCP' }] } }));
    child = spawn(process.execPath, [join(__dirname, '..', '..', '..', 'bin', 'kite-dns'), '--server', api.address, '--listen', '127.0.0.1:0', '--upstream', `127.0.0.1:${upstream.port}`, '--ttl', '30', '--health-listen', '127.0.0.1:0', '--ready-listen', '127.0.0.1:0', '--metrics-address', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KITE_LOG_LEVEL: 'warn' },
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const port = await waitFor('kite-dns says where it serves', () => /serving cluster\.local on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    const resolver = new Resolver({ timeout: 5_000, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    assert.deepEqual(await resolver.resolve4(`${name}.default.svc.cluster.local`, { ttl: true }), [{ address: svc.spec!.clusterIP, ttl: 30 }]);
    assert.deepEqual(await resolver.resolve4('example.test'), ['192.0.2.10']);
    const metricsPort = /metrics on 127\.0\.0\.1:(\d+)/.exec(out)![1];
    assert.match(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(), /^coredns_dns_requests_total\{server="dns:\/\/127\.0\.0\.1:\d+",zone="\.",view="",proto="udp",family="1",type="A"\} 2$/m);
    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
  });
});
