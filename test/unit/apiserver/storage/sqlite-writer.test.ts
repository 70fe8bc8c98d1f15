// The SQLite store's writer thread: commits run off the event loop, yet writes are acknowledged
// and published in commit order only after they committed, reads see every acknowledged write,
// conflicts stay conflicts, and a writer that dies fails its pending writes and is replaced.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactedError, ConflictError, StorageError, type KeyValue } from '../../../../services/apiserver/storage/interface';
import { SqliteStorage } from '../../../../services/apiserver/storage/sqlite';
import { SLICE_BUDGET_MS } from '../../../../lib/util/loop-slices';
import { WatchCollector } from './watch-collector';

const enc = (s: string): Buffer => Buffer.from(s);
const dec = (v: Uint8Array): string => Buffer.from(v).toString();

/** Commits wait while the gate is HOLD; CRASH makes the writer thread die at its next commit. */
const HOLD = 0;
const OPEN = 1;
const CRASH = 2;

describe('SqliteStorage writer thread', () => {
  let dir: string;
  let n = 0;
  const open: { s: SqliteStorage; gate: Int32Array }[] = [];

  const openStore = (): { s: SqliteStorage; gate: Int32Array } => {
    const gate = new Int32Array(new SharedArrayBuffer(4));
    gate[0] = OPEN;
    const s = new SqliteStorage({ path: join(dir, `db-${n++}`, 'kite.db'), commitGate: gate });
    open.push({ s, gate });
    return { s, gate };
  };
  const setGate = (gate: Int32Array, value: number): void => {
    Atomics.store(gate, 0, value);
    Atomics.notify(gate, 0);
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-sqlite-writer-'));
  });
  afterEach(async () => {
    for (const { s, gate } of open.splice(0)) {
      setGate(gate, OPEN);
      await s.close();
    }
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a read while a commit is still running on the writer thread', async () => {
    const { s, gate } = openStore();
    const a = await s.create('/a', enc('v1'));
    setGate(gate, HOLD);
    let acknowledged = false;
    const update = s.update('/a', enc('v2'), a.modRevision).then((kv) => {
      acknowledged = true;
      return kv;
    });
    // The commit cannot finish while the gate holds it, yet the event loop serves this read.
    const read = await s.get('/a');
    assert.equal(dec(read!.value), 'v1', 'a read sees only acknowledged writes');
    assert.equal((await s.list('/')).items.length, 1);
    assert.equal(acknowledged, false, 'the write was acknowledged before its commit');
    setGate(gate, OPEN);
    const updated = await update;
    assert.equal(dec((await s.get('/a'))!.value), 'v2');
    assert.equal(await s.currentRevision(), updated.modRevision);
  });

  it("acknowledges a group commit's writes in order, after the commit, one event-loop slice each", async () => {
    const { s, gate } = openStore();
    setGate(gate, HOLD);
    const ran: string[] = [];
    // One turn's writes: one message to the writer, one transaction, one answer back.
    const writes = ['/g0', '/g1', '/g2', '/g3'].map((key, i) =>
      s.create(key, enc(key)).then((kv) => {
        ran.push(key);
        if (i === 0) {
          // The first acknowledgement's work outlasts a slice: the others wait for the next turn.
          const start = performance.now();
          while (performance.now() - start <= SLICE_BUDGET_MS);
          setImmediate(() => ran.push('next turn'));
        }
        return kv;
      }),
    );
    assert.equal(await s.get('/g0'), undefined);
    assert.deepEqual(ran, [], 'acknowledged before the commit');
    setGate(gate, OPEN);
    const acked = await Promise.all(writes);
    assert.deepEqual(ran, ['/g0', 'next turn', '/g1', '/g2', '/g3']);
    for (let i = 1; i < acked.length; i++) assert.equal(acked[i].modRevision, acked[i - 1].modRevision + 1, 'one transaction, in order');
    assert.equal(await s.currentRevision(), acked[3].modRevision);
  });

  it('keeps resourceVersions strictly increasing and events in commit order with many concurrent clients', async () => {
    const { s } = openStore();
    const w = new WatchCollector(s, '/', 0);
    const acked: number[] = [];
    const client = async (c: number): Promise<void> => {
      let kv = await s.create(`/c${c}`, enc('0'));
      acked.push(kv.modRevision);
      for (let i = 1; i <= 20; i++) {
        kv = await s.update(`/c${c}`, enc(String(i)), kv.modRevision);
        acked.push(kv.modRevision);
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, c) => client(c)));
    assert.equal(acked.length, 16 * 21);
    for (let i = 1; i < acked.length; i++) assert.ok(acked[i] > acked[i - 1], `acknowledged ${acked[i]} after ${acked[i - 1]}`);
    const events = await w.waitForCount(acked.length);
    assert.deepEqual(
      events.map((e) => e.kv.modRevision),
      acked,
      'watch events arrive in the order writes were acknowledged',
    );
    w.close();
  });

  it('lets each client read its own acknowledged writes while others write', async () => {
    const { s } = openStore();
    const client = async (c: number): Promise<void> => {
      let kv = await s.create(`/r${c}`, enc('0'));
      for (let i = 1; i <= 20; i++) {
        kv = await s.update(`/r${c}`, enc(String(i)), kv.modRevision);
        const read = await s.get(`/r${c}`);
        assert.equal(read?.modRevision, kv.modRevision);
        assert.equal(dec(read.value), String(i));
        const listed = await s.list(`/r${c}`);
        assert.ok(listed.revision >= kv.modRevision);
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, c) => client(c)));
  });

  it('gives the loser of two updates at the same revision a Conflict naming the winner, visible to its retry', async () => {
    const { s } = openStore();
    const a = await s.create('/a', enc('v1'));
    const results = await Promise.allSettled([s.update('/a', enc('x'), a.modRevision), s.update('/a', enc('y'), a.modRevision)]);
    const won = results.filter((r): r is PromiseFulfilledResult<KeyValue> => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.ok(lost[0].reason instanceof ConflictError, String(lost[0].reason));
    assert.equal(lost[0].reason.actual, won[0].value.modRevision);
    // The retry's read already sees the write it lost to.
    assert.equal((await s.get('/a'))?.modRevision, won[0].value.modRevision);
  });

  it('fails the pending writes of a writer thread that dies, then carries on with a new one', async () => {
    const { s, gate } = openStore();
    const w = new WatchCollector(s, '/', 0);
    const a = await s.create('/a', enc('v1'));
    setGate(gate, HOLD);
    const pending = [s.update('/a', enc('v2'), a.modRevision), s.create('/b', enc('b'))];
    const outcomes = Promise.allSettled(pending);
    setGate(gate, CRASH);
    for (const r of await outcomes) {
      assert.equal(r.status, 'rejected');
      assert.ok(r.reason instanceof StorageError, String(r.reason));
      assert.match(r.reason.message, /sqlite writer thread exited .*writer crashed/);
    }
    setGate(gate, OPEN);
    assert.equal(dec((await s.get('/a'))!.value), 'v1', 'the crashed batch was never committed');
    const b = await s.create('/b', enc('b'));
    assert.ok(b.modRevision > a.modRevision);
    const events = await w.waitForCount(2);
    assert.deepEqual(
      events.map((e) => [e.type, e.kv.key, e.kv.modRevision]),
      [
        ['create', '/a', a.modRevision],
        ['create', '/b', b.modRevision],
      ],
    );
    w.close();
  });

  it('fails writes with the reason when its writer thread cannot start, and does not retry it', async () => {
    const { s } = openStore();
    // The writer opens the path after this returns: it finds a fresh file without the log table.
    const path = join(dir, `db-${n - 1}`, 'kite.db');
    renameSync(path, `${path}.moved`);
    const first = await s.create('/a', enc('1')).catch((e: unknown) => e);
    assert.ok(first instanceof StorageError, String(first));
    const again = await s.create('/a', enc('1')).catch((e: unknown) => e);
    assert.ok(again instanceof StorageError, String(again));
    assert.match(again.message, /sqlite writer thread failed to start: .*no such table: log/);
    assert.equal(await s.get('/a'), undefined);
  });

  it('keeps every current value and refuses compacted reads while compaction races concurrent writes', async () => {
    const { s } = openStore();
    const latest = new Map<string, KeyValue>();
    const writer = async (c: number): Promise<void> => {
      let kv = await s.create(`/w${c}`, enc('0'));
      latest.set(kv.key, kv);
      for (let i = 1; i <= 150; i++) {
        kv = await s.update(`/w${c}`, enc(String(i)), kv.modRevision);
        latest.set(kv.key, kv);
      }
    };
    let compactions = 0;
    const writers = Promise.all(Array.from({ length: 8 }, (_, c) => writer(c)));
    let done = false;
    void writers.then(() => (done = true));
    while (!done) {
      const target = (await s.currentRevision()) - 20;
      if (target > (await s.compactedRevision())) {
        await s.compact(target);
        compactions++;
        await assert.rejects(s.get('/w0', target - 1), CompactedError);
      }
      await new Promise((r) => setImmediate(r));
    }
    await writers;
    assert.ok(compactions > 0);
    for (const kv of latest.values()) {
      const read = await s.get(kv.key);
      assert.equal(read?.modRevision, kv.modRevision);
      assert.equal(dec(read.value), '150');
    }
    assert.equal((await s.list('/')).items.length, 8);
  });

  it('starts its writer from any working directory and keeps the process alive until close() returned', () => {
    // A program whose last work is closing the store must not end before close() resolves; the
    // apiserver in a node image does not run from the repository.
    const script = `
      const { SqliteStorage } = require(${JSON.stringify(require.resolve('../../../../services/apiserver/storage/sqlite'))});
      (async () => {
        const s = new SqliteStorage({ path: ${JSON.stringify(join(dir, 'exit', 'kite.db'))} });
        await s.create('/a', Buffer.from('1'));
        await s.close();
        process.stdout.write('closed');
      })();`;
    const child = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], {
      encoding: 'utf8',
      cwd: dir,
      env: { ...process.env, KITE_LOG_LEVEL: 'silent' },
      timeout: 30_000,
    });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, 'closed');
  });
});
