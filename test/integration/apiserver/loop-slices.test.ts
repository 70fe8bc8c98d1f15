// The apiserver's unary calls start in event-loop slices of their own (lib/util/loop-slices.ts),
// so calls that arrive together are served one after another with timers and I/O in between,
// not all in the turn that read them.
import { strict as assert } from 'node:assert';
import { loopSlices } from '../../../lib/util/loop-slices';
import { pod } from '../../support/builders';
import { uniqueName, useApiserver } from './harness';

describe('apiserver: unary calls in event-loop slices', function () {
  this.timeout(30_000);
  const h = useApiserver('sqlite');

  it('starts each of many concurrent calls in a slice of its own', async () => {
    const run = loopSlices.run;
    let calls = 0;
    loopSlices.run = (fn: () => void) => {
      // Queued by a call's dispatch (resource-service.ts), not by a storage acknowledgement.
      if (/resource-service/.test(new Error().stack ?? '')) calls++;
      run.call(loopSlices, fn);
    };
    try {
      const prefix = uniqueName('sliced');
      const made = await Promise.all(Array.from({ length: 8 }, (_, i) => h.client.pods.create(pod(`${prefix}-${i}`))));
      assert.equal(made.length, 8);
      assert.equal(calls, 8, 'each create started in a slice');
    } finally {
      loopSlices.run = run;
    }
  });
});
