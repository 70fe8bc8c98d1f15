import { strict as assert } from 'node:assert';
import { formatDuration, parseDuration } from '../../../../lib/util/duration';
import { durationFlag, integerFlag } from '../../../../lib/util/flags';

describe('Go durations', () => {
  const parsed: [string, number][] = [
    ['0', 0],
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['2h45m', 9_900_000],
    ['500ms', 500],
    ['.5s', 500],
    ['1.s', 1000],
    ['1500us', 1.5],
    ['1000000ns', 1],
    ['-5s', -5000],
    ['+5s', 5000],
    [' 10s ', 10_000],
  ];
  for (const [text, ms] of parsed) it(`parses ${JSON.stringify(text)} as ${ms} ms`, () => assert.equal(parseDuration(text), ms));

  const refused: [string, RegExp][] = [
    ['30', /time: missing unit in duration "30"$/],
    ['', /invalid duration/],
    ['-', /invalid duration/],
    ['5x', /invalid duration/],
    ['1m30', /missing unit/],
    ['s', /invalid duration/],
    ['1d', /invalid duration/],
  ];
  for (const [text, re] of refused) it(`refuses ${JSON.stringify(text)}`, () => assert.throws(() => parseDuration(text), re));

  const printed: [number, string][] = [
    [0, '0s'],
    [500, '500ms'],
    [10_000, '10s'],
    [1500, '1.5s'],
    [160_000, '2m40s'],
    [300_000, '5m0s'],
    [3_600_000, '1h0m0s'],
    [3_723_000, '1h2m3s'],
    [-2000, '-2s'],
  ];
  for (const [ms, text] of printed) it(`prints ${ms} ms as ${text}`, () => assert.equal(formatDuration(ms), text));
});

describe('flag parsers', () => {
  it('durationFlag takes Go durations and refuses bare numbers and negative values with a reason', () => {
    assert.equal(durationFlag('15s'), 15_000);
    assert.equal(durationFlag('0'), 0);
    assert.throws(() => durationFlag('15'), /missing unit in duration "15": want a duration such as 30s/);
    assert.throws(() => durationFlag('-1s'), /must not be negative/);
  });

  it('integerFlag refuses fractions, words and values under its minimum', () => {
    assert.equal(integerFlag(1)('5'), 5);
    assert.throws(() => integerFlag(1)('0'), /must be at least 1/);
    assert.throws(() => integerFlag()('1.5'), /not an integer/);
    assert.throws(() => integerFlag()('five'), /not an integer/);
    assert.throws(() => integerFlag()(''), /not an integer/);
  });

  it('integerFlag refuses values over its maximum (--max-endpoints-per-slice is 1..1000)', () => {
    assert.equal(integerFlag(1, 1000)('1000'), 1000);
    assert.throws(() => integerFlag(1, 1000)('1001'), /must be at most 1000/);
  });
});
