import { strict as assert } from 'node:assert';
import { Backoff } from '../../../../lib/informer';

describe('Backoff', () => {
  it('grows by the factor up to the cap and starts over after reset', () => {
    const b = new Backoff({ initialMs: 800, maxMs: 30_000, jitter: 0 });
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(() => b.next()), [800, 1600, 3200, 6400, 12800, 25600, 30000]);
    assert.equal(b.attempts(), 7);
    b.reset();
    assert.equal(b.attempts(), 0);
    assert.equal(b.next(), 800);
  });

  it('stretches delays by the jitter fraction, still within the cap', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 250, jitter: 1 }, () => 0.5);
    assert.deepEqual([b.next(), b.next(), b.next()], [150, 250, 250]);
  });

  it('defaults to 800 ms .. 30 s with up to double jitter', () => {
    const b = new Backoff();
    for (let i = 0; i < 20; i++) {
      const d = b.next();
      assert.ok(d >= Math.min(800 * 2 ** i, 30_000) && d <= 30_000 && d < 1600 * 2 ** i, `attempt ${i}: ${d}`);
    }
  });
});
