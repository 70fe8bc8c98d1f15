import { strict as assert } from 'node:assert';
import { slowStartBatch } from '../../../../services/controller-manager/common/slow-start';

describe('slowStartBatch', () => {
  it('runs batches of 1, 2, 4 ... until done', async () => {
    let inFlight = 0;
    const batches: number[] = [];
    const r = await slowStartBatch(10, 1, async () => {
      if (inFlight++ === 0) queueMicrotask(() => batches.push(inFlight));
      await new Promise((res) => setImmediate(res));
      inFlight--;
    });
    assert.deepEqual(r, { successes: 10 });
    assert.deepEqual(batches, [1, 2, 4, 3]);
  });

  it('stops after the first batch with a failure', async () => {
    let calls = 0;
    const r = await slowStartBatch(10, 1, async () => {
      if (++calls >= 3) throw new Error('boom');
    });
    assert.equal(calls, 3);
    assert.equal(r.successes, 2);
    assert.equal(r.error?.message, 'boom');
  });
});
