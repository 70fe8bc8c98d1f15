import { strict as assert } from 'node:assert';
import { SyncRunner } from '../../../services/kube-proxy/sync-runner';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SyncRunner', () => {
  let runner: SyncRunner | undefined;
  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
  });

  it('never runs two syncs at once and folds requests made during a sync into one more', async () => {
    const calls: boolean[] = [];
    let active = 0;
    let maxActive = 0;
    runner = new SyncRunner(
      async (full) => {
        calls.push(full);
        maxActive = Math.max(maxActive, ++active);
        await sleep(30);
        active--;
      },
      { minIntervalMs: 0, periodMs: 0, retryMinMs: 5, retryMaxMs: 50 },
    );
    runner.start();
    await sleep(5);
    for (let i = 0; i < 10; i++) runner.request();
    await sleep(100);
    assert.deepEqual(calls, [true, false]);
    assert.equal(maxActive, 1);
  });

  it('backs off exponentially between failed attempts and resets after a success', async () => {
    const times: number[] = [];
    let failuresLeft = 3;
    runner = new SyncRunner(
      async () => {
        times.push(Date.now());
        if (failuresLeft-- > 0) throw new Error('boom');
      },
      { minIntervalMs: 0, periodMs: 0, retryMinMs: 20, retryMaxMs: 1000 },
    );
    runner.start();
    await sleep(250);
    assert.equal(times.length, 4);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(gaps[0] >= 18 && gaps[1] >= 38 && gaps[2] >= 78, `gaps ${gaps}`);
  });

  it('runs nothing after stop', async () => {
    let count = 0;
    runner = new SyncRunner(async () => void count++, { minIntervalMs: 0, periodMs: 10, retryMinMs: 5, retryMaxMs: 50 });
    runner.start();
    await sleep(5);
    await runner.stop();
    const after = count;
    runner.request();
    await sleep(40);
    assert.equal(count, after);
  });
});
