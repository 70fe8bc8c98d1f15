import { strict as assert } from 'node:assert';
import { cpuRateNanoCores } from '../../../lib/util/cpu-rate';

describe('cpuRateNanoCores', () => {
  it('rates CPU between two samples in nanocores, and not without an earlier one, a later time or across a reset', () => {
    const s = (timeMs: number, cpuNanos: number) => ({ timeMs, cpuNanos });
    assert.equal(cpuRateNanoCores(s(0, 0), s(10_000, 2_500_000_000)), 250_000_000);
    assert.equal(cpuRateNanoCores(s(1000, 1_000_000), s(16_012, 1_000_000 + 15_012 * 2_000_000)), 2_000_000_000);
    assert.equal(cpuRateNanoCores(undefined, s(10_000, 1)), undefined);
    assert.equal(cpuRateNanoCores(s(10_000, 5), s(10_000, 9)), undefined);
    assert.equal(cpuRateNanoCores(s(0, 9), s(10_000, 5)), undefined);
  });
});
