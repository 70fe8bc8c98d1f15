// The apiserver's health endpoints report its store as kube-apiserver's do: `[+]etcd ok` on
// /healthz and /livez, `etcd` and `etcd-readiness` on /readyz, and 500 with `[-]etcd failed` once
// the store stops answering (an etcd that is gone: the load balancer of an HA cluster takes such an
// apiserver out of rotation by its /readyz), back to ok when it returns. SQLite reports the same
// checks.
import { strict as assert } from 'node:assert';
import { waitFor } from '../../support/wait';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { etcdSkipped, startEtcd, type TestEtcd } from '../../support/etcd';

async function health(api: TestApiserver, endpoint: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${api.server.securePort}/${endpoint}?verbose`);
  return { status: res.status, body: await res.text() };
}

describe('apiserver: the store in /healthz, /livez and /readyz', function () {
  this.timeout(60_000);
  let etcd: TestEtcd | undefined;
  let api: TestApiserver | undefined;

  afterEach(async () => {
    await api?.stop();
    await etcd?.stop();
    api = etcd = undefined;
  });

  it('SQLite: etcd and etcd-readiness ok', async () => {
    api = await startTestApiserver({ securePort: 0 });
    assert.deepEqual(await health(api, 'readyz'), { status: 200, body: '[+]ping ok\n[+]etcd ok\n[+]etcd-readiness ok\nreadyz check passed\n' });
    assert.deepEqual(await health(api, 'livez'), { status: 200, body: '[+]ping ok\n[+]etcd ok\nlivez check passed\n' });
  });

  it('etcd: fails while etcd is gone, ok again when it is back on the same port', async function () {
    if (etcdSkipped()) this.skip();
    etcd = await startEtcd();
    const clientPort = Number(etcd.endpoint.split(':').pop());
    api = await startTestApiserver({ store: 'etcd', etcdEndpoints: [etcd.endpoint], securePort: 0 });
    assert.equal((await health(api, 'readyz')).status, 200);
    await etcd.stop();
    const down = await waitFor('/readyz failing', async () => {
      const r = await health(api!, 'readyz');
      return r.status === 500 ? r : undefined;
    }, 30_000, 200);
    assert.equal(down.body, '[+]ping ok\n[-]etcd failed: reason withheld\n[-]etcd-readiness failed: reason withheld\nreadyz check failed\n');
    assert.equal((await health(api, 'healthz')).status, 500);
    etcd = await startEtcd({ clientPort });
    await waitFor('/readyz ok again', async () => (await health(api!, 'readyz')).status === 200 || undefined, 30_000, 200);
  });
});
