// bench:failover's verdicts (bench/lib/failover-figures.ts): a figure at its bound meets the
// target, one past it or never measured misses it; the throughput ratio is the HA cluster's
// writes/s over the single etcd cluster's.
import { strict as assert } from 'node:assert';
import { LEADER_ACTS_TARGET_MS, throughputRatio, verdictCell, within, WRITES_RESUME_TARGET_MS } from '../../../bench/lib/failover-figures';

describe('bench:failover figures', () => {
  it('meets a duration target up to its bound and misses it past the bound or when unmeasured', () => {
    assert.deepEqual(within(5000, WRITES_RESUME_TARGET_MS), { value: '5.0 s', target: 'within 5.0 s', met: true });
    assert.equal(within(20_100, LEADER_ACTS_TARGET_MS).met, false);
    assert.equal(within(NaN, LEADER_ACTS_TARGET_MS).met, false);
  });

  it('compares the HA write throughput with the single etcd cluster', () => {
    const v = throughputRatio(84, 120);
    assert.deepEqual(v, { value: '0.70 (84.0 / 120.0 writes/s)', target: '>= 0.7', met: true });
    assert.equal(verdictCell(v), '>= 0.7: met');
    assert.equal(throughputRatio(80, 120).met, false);
    assert.equal(verdictCell(throughputRatio(10, 0)), '>= 0.7: missed');
  });
});
