import { strict as assert } from 'node:assert';
import { BucketRateLimiter, defaultControllerRateLimiter, ItemExponentialRateLimiter, MaxOfRateLimiter } from '../../../../lib/workqueue';
import { FakeClock } from '../../../support/fake-clock';

describe('rate limiters', () => {
  it('backs off exponentially per item up to the cap, and forget resets it', () => {
    const rl = new ItemExponentialRateLimiter({ baseDelayMs: 5, maxDelayMs: 100 });
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => rl.when('a')), [5, 10, 20, 40, 80, 100]);
    assert.equal(rl.numRequeues('a'), 6);
    assert.equal(rl.when('b'), 5, 'items back off independently');
    rl.forget('a');
    assert.equal(rl.numRequeues('a'), 0);
    assert.equal(rl.when('a'), 5);
  });

  it('defaults to 5 ms .. 1000 s', () => {
    const rl = new ItemExponentialRateLimiter();
    assert.equal(rl.when('x'), 5);
    for (let i = 0; i < 100; i++) rl.when('x');
    assert.equal(rl.when('x'), 1_000_000);
  });

  it('lets a burst through, then spaces retries at qps, refilling over time', () => {
    const clock = new FakeClock();
    const rl = new BucketRateLimiter({ qps: 10, burst: 3, clock });
    assert.deepEqual([0, 1, 2].map((i) => rl.when(`k${i}`)), [0, 0, 0]);
    assert.equal(rl.when('k3'), 100);
    assert.equal(rl.when('k4'), 200, 'each reservation queues behind the previous one');
    clock.step(1000);
    // 1 s refills 10 tokens onto -2, capped at the burst of 3.
    assert.deepEqual([0, 1, 2, 3].map((i) => rl.when(`j${i}`)), [0, 0, 0, 100]);
    assert.equal(rl.numRequeues('k3'), 0);
  });

  it('max-of takes the longest delay and forgets in every limiter', () => {
    const clock = new FakeClock();
    const rl = new MaxOfRateLimiter(
      new ItemExponentialRateLimiter({ baseDelayMs: 1, maxDelayMs: 1000 }),
      new BucketRateLimiter({ qps: 1, burst: 1, clock }),
    );
    assert.equal(rl.when('a'), 1, 'bucket has a token; exponential says 1 ms');
    assert.equal(rl.when('a'), 1000, 'bucket empty: 1 s beats 2 ms');
    clock.step(10_000);
    assert.equal(rl.when('a'), 4);
    assert.equal(rl.numRequeues('a'), 3);
    rl.forget('a');
    assert.equal(rl.numRequeues('a'), 0);
  });

  it('the default controller limiter starts at 5 ms', () => {
    const rl = defaultControllerRateLimiter();
    assert.equal(rl.when('a'), 5);
    assert.equal(rl.when('a'), 10);
  });
});
