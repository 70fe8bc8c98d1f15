import assert from 'node:assert/strict';
import { Backoff } from '../../../../lib/util/backoff';

describe('kubelet Backoff', () => {
  let now = 0;
  const backoff = () => new Backoff({ initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 }, () => now);

  beforeEach(() => {
    now = 1_000_000;
  });

  it('starts at the initial delay and doubles up to the maximum', () => {
    const b = backoff();
    const delays = Array.from({ length: 8 }, () => b.next('k'));
    assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  });

  it('counts the remaining wait from an event or from the last step', () => {
    const b = backoff();
    assert.equal(b.remainingSince('k', now), 0, 'no backoff before the first step');
    b.next('k');
    now += 4_000;
    assert.equal(b.remainingSinceUpdate('k'), 6_000);
    assert.equal(b.remainingSince('k', now - 1_000), 9_000);
    now += 10_000;
    assert.equal(b.remainingSinceUpdate('k'), 0);
  });

  it('starts over after a quiet resetAfter period', () => {
    const b = backoff();
    b.next('k');
    b.next('k');
    assert.equal(b.delay('k'), 20_000);
    now += 600_001;
    assert.equal(b.remainingSince('k', now), 0, 'expired');
    assert.equal(b.next('k'), 10_000);
  });

  it('keeps keys apart and forgets by prefix', () => {
    const b = backoff();
    b.next('pod1/a');
    b.next('pod1/a');
    b.next('pod2/a');
    b.forgetPrefix('pod1/');
    assert.equal(b.has('pod1/a'), false);
    assert.equal(b.delay('pod2/a'), 10_000);
  });
});
