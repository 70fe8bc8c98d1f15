// The apiserver on an etcd that talks TLS with client certificates (kube-apiserver's
// --etcd-cafile, --etcd-certfile, --etcd-keyfile, as a highly available kite cluster's members
// demand) and that is not up yet when the apiserver starts: the apiserver waits for it instead of
// exiting, then serves, its writes landing in that etcd.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { createCA, issueCertificate } from '../../../lib/pki';
import { ConfigMap } from '../../../lib/gen/kite/core/v1/types';
import type { Apiserver } from '../../../services/apiserver/server';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { etcdSkipped, startEtcd, type TestEtcd } from '../../support/etcd';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('apiserver: etcd over TLS, started before etcd', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'kite-etcd-tls-'));
  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content, { mode: 0o600 });
    return join(dir, name);
  };
  let etcd: TestEtcd | undefined;
  let api: TestApiserver | undefined;

  before(function () {
    if (etcdSkipped()) this.skip();
  });

  after(async () => {
    await api?.stop();
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps waiting for an etcd that is not up yet, then serves from it with its client certificate', async () => {
    const ca = await createCA('kite-ca');
    const server = await issueCertificate(ca, { commonName: 'etcd', altNames: ['localhost', '127.0.0.1'], usage: 'server-and-client' });
    const client = await issueCertificate(ca, { commonName: 'kube-apiserver-etcd-client', usage: 'client' });
    const caFile = file('ca.crt', ca.cert);
    const tls = { certFile: file('server.crt', server.cert), keyFile: file('server.key', server.key), caFile };
    const clientPort = await freePort();
    let started: Apiserver | undefined;
    const starting = startTestApiserver({
      store: 'etcd',
      etcdEndpoints: [`https://127.0.0.1:${clientPort}`],
      etcdCAFile: caFile,
      etcdCertFile: file('client.crt', client.cert),
      etcdKeyFile: file('client.key', client.key),
    }).then((a) => {
      api = a;
      started = a.server;
      return a;
    });
    // Nothing answers on the port for a while: the apiserver must neither serve nor exit.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(started, undefined, 'the apiserver did not start without its store');
    etcd = await startEtcd({ tls, clientPort });
    const a = await starting;
    const c = a.client();
    await c.configMaps.create(ConfigMap.fromPartial({ metadata: { name: 'on-tls-etcd', namespace: 'default' }, data: { k: 'v' } }));
    // The object is in that etcd, read with the same client pair.
    const direct = new Etcd3({ hosts: etcd.endpoint, credentials: { rootCertificate: Buffer.from(ca.cert), certChain: Buffer.from(client.cert), privateKey: Buffer.from(client.key) } });
    try {
      const keys = await direct.getAll().prefix('/registry/').keys();
      assert.ok(keys.some((k) => k.includes('configmaps') && k.endsWith('/default/on-tls-etcd')), keys.join(' '));
    } finally {
      direct.close();
    }
  });
});
