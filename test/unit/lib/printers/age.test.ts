import { strict as assert } from 'node:assert';
import { humanDuration, rfc1123z, since } from '../../../../lib/printers/age';

describe('AGE formatting (kubectl HumanDuration)', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  const cases: [number, string][] = [
    [-5 * s, '<invalid>'],
    [-1500, '0s'],
    [0, '0s'],
    [5 * s, '5s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [3 * m + 2 * s, '3m2s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [5 * h + 30 * m, '5h30m'],
    [8 * h + 30 * m, '8h'],
    [47 * h, '47h'],
    [2 * d, '2d'],
    [2 * d + 3 * h, '2d3h'],
    [8 * d, '8d'],
    [400 * d, '400d'],
    [2 * 365 * d + 3 * d, '2y3d'],
    [9 * 365 * d, '9y'],
  ];
  for (const [ms, want] of cases) {
    it(`${ms} ms -> ${want}`, () => assert.equal(humanDuration(ms), want));
  }

  it('ages a timestamp against now, and shows <unknown> when unset', () => {
    const now = Date.parse('2024-01-01T00:05:00Z');
    assert.equal(since('2024-01-01T00:00:00Z', now), '5m');
    assert.equal(since('', now), '<unknown>');
    assert.equal(since('garbage', now), '<unknown>');
  });

  it('formats describe timestamps as RFC 1123 with a numeric zone', () => {
    assert.match(rfc1123z('2024-01-01T10:00:00Z'), /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat), \d\d (Jan|Dec) 20(24|23) \d\d:\d\d:\d\d [+-]\d{4}$/);
    assert.equal(rfc1123z(''), '<unset>');
  });
});
