// lib/util/time: metav1.Time's RFC 3339 text (seconds), which remembers the second it last wrote.
import { strict as assert } from 'node:assert';
import { rfc3339 } from '../../../../lib/util/time';

describe('rfc3339', () => {
  it('writes each date in its own second, whichever came before it', () => {
    assert.equal(rfc3339(new Date('2026-12-05T02:30:00.100Z')), '2026-12-05T02:30:00Z');
    assert.equal(rfc3339(new Date('2026-12-05T02:30:00.900Z')), '2026-12-05T02:30:00Z');
    assert.equal(rfc3339(new Date('2026-12-05T02:30:01.000Z')), '2026-12-05T02:30:01Z');
    assert.equal(rfc3339(new Date('1969-12-31T23:59:59.500Z')), '1969-12-31T23:59:59Z');
    assert.equal(rfc3339(new Date('2026-12-05T02:30:00.999Z')), '2026-12-05T02:30:00Z');
    assert.throws(() => rfc3339(new Date(NaN)), RangeError);
  });
});
