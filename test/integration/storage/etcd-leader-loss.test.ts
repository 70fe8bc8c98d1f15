// An apiserver on one member of a 3-member etcd cluster (as each HA control-plane node's apiserver
// is on its own node's member) while the etcd leader is SIGKILLed under a steady write load. The
// writes the dead leader held end in Timeout at the request's deadline; after that every write must
// succeed, and a watch opened before the kill must go on delivering them, including past the
// moment (30 s after the apiserver connected to etcd) when grpc-js's first keepalive ping ends the
// connection etcd3 closed on those timeouts while the watch still used it. That used to fail
// three calls at once, open the member's circuit breaker and make the apiserver refuse every
// request for 5 s, at each apiserver of an HA cluster: the load balancer was left with none.
import { strict as assert } from 'node:assert';
import { Etcd3 } from 'etcd3';
import type { WatchEvent } from '../../../lib/api/kind-info';
import { ConfigMap, Namespace } from '../../../lib/gen/kite/core/v1/types';
import { startApiserverProcess, type ApiserverProcess } from '../../support/apiserver-process';
import { etcdSkipped, startEtcdCluster, type TestEtcdCluster } from '../../support/etcd';
import { uniqueName } from '../../support/names';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** grpc-js's first keepalive ping on the apiserver's etcd connection (KEEPALIVE_TIME_MS) and some margin. */
const PAST_FIRST_PING_MS = 36_000;

describe('apiserver on one etcd member while the etcd leader is killed', function () {
  this.timeout(120_000);
  let etcd: TestEtcdCluster | undefined;
  let api: ApiserverProcess | undefined;

  before(async function () {
    if (etcdSkipped()) this.skip();
    etcd = await startEtcdCluster(3);
  });

  after(async function () {
    this.timeout(60_000);
    await api?.stop();
    await etcd?.stop();
  });

  it('answers Timeout for the writes the dead leader held, then every write, and its watch delivers them all', async () => {
    const c = etcd!;
    // Which member leads: the apiserver is put on another one.
    let leader = -1;
    for (let i = 0; i < c.endpoints.length && leader < 0; i++) {
      const client = new Etcd3({ hosts: c.endpoints[i] });
      try {
        const status = await client.maintenance.status();
        if (status.leader === status.header.member_id) leader = i;
      } finally {
        client.close();
      }
    }
    assert.ok(leader >= 0, 'a leader');
    const member = (leader + 1) % c.endpoints.length;
    const started = Date.now();
    api = await startApiserverProcess(['--store', 'etcd', '--etcd-endpoints', c.endpoints[member]]);
    const ns = uniqueName('leader-loss');
    await api.client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));

    const seen = new Set<string>();
    const ac = new AbortController();
    const rv = (await api.client.configMaps.list({ namespace: ns })).metadata!.resourceVersion;
    const watchErrors: string[] = [];
    const watching = (async () => {
      try {
        for await (const ev of api!.client.configMaps.watch({ namespace: ns, resourceVersion: rv }, ac.signal) as AsyncGenerator<WatchEvent<ConfigMap>>) {
          if (ev.type === 'ADDED') seen.add(ev.object!.metadata!.name);
        }
      } catch (err) {
        if (!ac.signal.aborted) watchErrors.push((err as Error).message);
      }
    })();

    let stop = false;
    let killedAt = Infinity;
    const acked: string[] = [];
    const failed: { at: number; error: string }[] = [];
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const name = `w${w}-${i}`;
        try {
          await api!.client.configMaps.create(ConfigMap.fromPartial({ metadata: { name, namespace: ns }, data: { i: String(i) } }));
          acked.push(name);
        } catch (err) {
          failed.push({ at: Date.now(), error: (err as Error).message.split('\n')[0] });
          await sleep(100);
        }
      }
    });
    await sleep(3000);
    killedAt = Date.now();
    await c.killMember(leader);
    await sleep(Math.max(10_000, started + PAST_FIRST_PING_MS - Date.now()));
    stop = true;
    await Promise.all(writers);
    const ackedAfterKill = acked.length;
    await sleep(1000);
    ac.abort();
    await watching;

    // Only the writes in flight to the dead leader fail, with Timeout, within the 5 s deadline.
    for (const f of failed) {
      assert.match(f.error, /^Timeout/, `a write failed ${f.at - killedAt} ms after the kill: ${f.error}`);
      assert.ok(f.at - killedAt < 5000, `a write failed ${f.at - killedAt} ms after the kill: ${f.error}`);
    }
    assert.ok(ackedAfterKill > 100, `${ackedAfterKill} writes acknowledged`);
    assert.deepEqual(watchErrors, []);
    const missing = acked.filter((n) => !seen.has(n));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} acknowledged writes never reached the watch`);
    console.log(`      ${acked.length} writes acknowledged, ${failed.length} Timeout at the kill, every one seen by the watch`);
  });
});
