import { strict as assert } from 'node:assert';
import pino from 'pino';
import { logger } from '../../../../lib/log';
import { ItemExponentialRateLimiter, RateLimitingQueue, runWorkers } from '../../../../lib/workqueue';
import { FakeClock } from '../../../support/fake-clock';

const silent = logger('test');
silent.level = 'silent';
const tick = () => new Promise((r) => setImmediate(r));

describe('runWorkers', () => {
  it('never reconciles one key in two workers at once, and loses no re-add', async () => {
    const q = new RateLimitingQueue();
    const ac = new AbortController();
    const active = new Set<string>();
    let maxParallel = 0;
    const runs = new Map<string, number>();
    const lastAddSeen = new Map<string, number>();
    const addGen = new Map<string, number>();
    const reconcile = async (key: string) => {
      assert.ok(!active.has(key), `${key} reconciled concurrently`);
      active.add(key);
      maxParallel = Math.max(maxParallel, active.size);
      lastAddSeen.set(key, addGen.get(key) ?? 0);
      runs.set(key, (runs.get(key) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 1 + Math.floor(Math.random() * 3)));
      active.delete(key);
    };
    const done = runWorkers(q, 4, reconcile, { signal: ac.signal, logger: silent });
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (let round = 0; round < 40; round++) {
      for (const k of keys) {
        addGen.set(k, round);
        q.add(k);
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    while (q.len() > 0 || active.size > 0) await new Promise((r) => setTimeout(r, 2));
    ac.abort();
    await done;
    assert.ok(maxParallel > 1, 'workers ran in parallel');
    for (const k of keys) assert.equal(lastAddSeen.get(k), 39, `${k}'s last add was reconciled after it happened`);
  });

  it('forgets on success, retries with backoff on error, and logs the error', async () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue({ clock, rateLimiter: new ItemExponentialRateLimiter({ baseDelayMs: 100 }) });
    const ac = new AbortController();
    const errors: { key: string; msg: string; err: { message: string } }[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => errors.push(JSON.parse(line)) });
    let calls = 0;
    const done = runWorkers(
      q,
      2,
      async (key) => {
        calls++;
        if (calls <= 2) throw new Error(`boom ${key}`);
      },
      { signal: ac.signal, logger: log },
    );
    q.add('k');
    await tick();
    assert.equal(calls, 1);
    assert.equal(q.numRequeues('k'), 1);
    clock.step(99);
    await tick();
    assert.equal(calls, 1, 'waits out the backoff');
    clock.step(1);
    await tick();
    assert.equal(calls, 2);
    clock.step(200);
    await tick();
    assert.equal(calls, 3);
    assert.equal(q.numRequeues('k'), 0, 'forgotten after success');
    assert.equal(errors.length, 2);
    assert.equal(errors[0].key, 'k');
    assert.match(errors[0].err.message, /boom k/);
    ac.abort();
    await done;
  });

  it('requeues after the delay a reconcile asks for', async () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue({ clock });
    const ac = new AbortController();
    let calls = 0;
    const done = runWorkers(q, 1, async () => {
      calls++;
      return calls === 1 ? { requeueAfter: 500 } : undefined;
    }, { signal: ac.signal, logger: silent });
    q.add('k');
    await tick();
    clock.step(499);
    await tick();
    assert.equal(calls, 1);
    clock.step(1);
    await tick();
    assert.equal(calls, 2);
    clock.step(10_000);
    await tick();
    assert.equal(calls, 2);
    ac.abort();
    await done;
  });

  it('stops on abort: waiting workers exit, the running one finishes, queued items are not started', async () => {
    const q = new RateLimitingQueue();
    const ac = new AbortController();
    const started: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const done = runWorkers(q, 1, async (key) => {
      started.push(key);
      await gate;
    }, { signal: ac.signal, logger: silent });
    q.add('a');
    q.add('b');
    await tick();
    ac.abort();
    let finished = false;
    void done.then(() => (finished = true));
    await tick();
    assert.equal(finished, false, 'waits for the running reconcile');
    release();
    await done;
    assert.deepEqual(started, ['a']);
    assert.ok(q.shuttingDown());
  });
});
