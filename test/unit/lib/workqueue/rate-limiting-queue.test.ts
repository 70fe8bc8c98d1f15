import { strict as assert } from 'node:assert';
import { ItemExponentialRateLimiter, RateLimitingQueue } from '../../../../lib/workqueue';
import { FakeClock } from '../../../support/fake-clock';

describe('RateLimitingQueue', () => {
  it('re-adds failed items after a growing delay and forget resets it', async () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue({ clock, rateLimiter: new ItemExponentialRateLimiter({ baseDelayMs: 10, maxDelayMs: 1000 }) });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      q.addRateLimited('k');
      let waited = 0;
      while (q.len() === 0) {
        clock.step(1);
        waited++;
      }
      delays.push(waited);
      q.done((await q.get())!);
    }
    assert.deepEqual(delays, [10, 20, 40, 80]);
    assert.equal(q.numRequeues('k'), 4);
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
    q.addRateLimited('k');
    clock.step(9);
    assert.equal(q.len(), 0);
    clock.step(1);
    assert.equal(q.len(), 1);
  });
});
