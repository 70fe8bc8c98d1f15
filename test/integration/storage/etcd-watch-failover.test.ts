// An EtcdStorage watch on a 3-member etcd cluster across a SIGKILL of the member its stream is
// on: as clientv3's watch does for the Kubernetes apiserver, the watch moves to another member
// from the last revision it delivered + 1, so its consumer sees every write exactly once, in
// order, and no error (no Expired, no relist).
import { strict as assert } from 'node:assert';
import { EtcdStorage } from '../../../services/apiserver/storage/etcd';
import { KeyExistsError, type StoreEvent } from '../../../services/apiserver/storage/interface';
import { etcdSkipped, startEtcdCluster, type TestEtcdCluster } from '../../support/etcd';
import { uniqueName } from '../../support/names';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The index of the member serving watch streams (etcd's watch-stream gauge on its /metrics). */
async function memberWithWatch(c: TestEtcdCluster): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    for (let i = 0; i < c.endpoints.length; i++) {
      const res = await fetch(`http://${c.endpoints[i]}/metrics`, { signal: AbortSignal.timeout(1000) });
      const m = /^etcd_debugging_mvcc_watch_stream_total (\d+)/m.exec(await res.text());
      if (m && Number(m[1]) > 0) return i;
    }
    await sleep(50);
  }
  throw new Error('no member serves the watch');
}

/**
 * Creates key, retrying while the cluster fails over; a retry that finds the key means the first
 * try landed though its answer was lost with the writer's member. Resolves to its modRevision.
 */
async function createLanded(writer: EtcdStorage, key: string, value: string): Promise<number> {
  for (;;) {
    try {
      return (await writer.create(key, Buffer.from(value))).modRevision;
    } catch (err) {
      if (err instanceof KeyExistsError) return (await writer.get(key))!.modRevision;
      await sleep(100);
    }
  }
}

describe('etcd watch failover', function () {
  this.timeout(60_000);
  let cluster: TestEtcdCluster | undefined;
  const stores: EtcdStorage[] = [];
  before(async function () {
    if (etcdSkipped()) this.skip();
    cluster = await startEtcdCluster(3);
  });
  after(async () => {
    for (const s of stores) await s.close();
    await cluster?.stop();
  });

  it('moves to another member when the one it is on dies, delivering every write once, in order, without an error', async () => {
    const c = cluster!;
    const writer = new EtcdStorage({ endpoints: c.endpoints });
    const watcher = new EtcdStorage({ endpoints: c.endpoints });
    stores.push(writer, watcher);
    const prefix = `/${uniqueName('failover')}/`;
    const events: StoreEvent[] = [];
    const errors: Error[] = [];
    const handle = watcher.watch(prefix, await writer.currentRevision(), {
      onEvents: (evs) => events.push(...evs),
      onError: (err) => errors.push(err),
    });
    const written: number[] = [];
    const write = async (n: number) => {
      written.push(await createLanded(writer, `${prefix}${n}`, `v${n}`));
    };
    const until = async (done: () => boolean) => {
      while (!done() && errors.length === 0) await sleep(20);
    };
    for (let n = 0; n < 10; n++) await write(n);
    await until(() => events.length >= 10);
    const victim = await memberWithWatch(c);
    await c.killMember(victim);
    for (let n = 10; n < 30; n++) await write(n);
    await until(() => events.length >= 30);
    await c.restartMember(victim);
    for (let n = 30; n < 40; n++) await write(n);
    await until(() => events.length >= 40);
    handle.close();
    assert.deepEqual(errors.map((e) => e.message), []);
    assert.deepEqual(events.map((e) => e.kv.modRevision), written);
    assert.deepEqual(events.map((e) => e.kv.key), written.map((_, n) => `${prefix}${n}`));
  });

  it('resumes a watch of a prefix nobody writes from its last progress notification: a compaction past its last event does not end it when its member dies', async () => {
    const c = cluster!;
    const writer = new EtcdStorage({ endpoints: c.endpoints });
    const watcher = new EtcdStorage({ endpoints: c.endpoints });
    stores.push(writer, watcher);
    const idle = `/${uniqueName('idle')}/`;
    const busy = `/${uniqueName('busy')}/`;
    const events: StoreEvent[] = [];
    const errors: Error[] = [];
    const handle = watcher.watch(idle, await writer.currentRevision(), {
      onEvents: (evs) => events.push(...evs),
      onError: (err) => errors.push(err),
    });
    for (let n = 0; n < 50; n++) await writer.create(`${busy}${n}`, Buffer.from('x'));
    // The members notify progress every second (test/support/etcd.ts); then everything up to now is compacted.
    await sleep(2500);
    await writer.compact(await writer.currentRevision());
    const victim = await memberWithWatch(c);
    await c.killMember(victim);
    const written = await createLanded(writer, `${idle}after`, 'y');
    for (let i = 0; i < 250 && events.length === 0 && errors.length === 0; i++) await sleep(20);
    handle.close();
    assert.deepEqual(errors.map((e) => e.message), []);
    assert.deepEqual(events.map((e) => [e.kv.key, e.kv.modRevision]), [[`${idle}after`, written]]);
  });
});
