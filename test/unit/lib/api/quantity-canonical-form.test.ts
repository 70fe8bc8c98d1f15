// Kubernetes' quantity forms beyond the basics: the canonical text of each suffix and exponent
// step, negative amounts, which suffixes choose which format, the parse error, zero.
import { strict as assert } from 'node:assert';
import {
  canonicalQuantity,
  formatMilliQuantity,
  formatQuantity,
  MAX_QUANTITY,
  parseQuantity,
  quantityFormat,
  QuantityError,
} from '../../../../lib/api/quantity';

describe('quantity canonical form (Quantity.String())', () => {
  it('keeps the largest whole suffix at each step', () => {
    const cases: [string, string][] = [
      ['1k', '1k'], ['1000k', '1M'], ['1000M', '1G'], ['1000G', '1T'], ['1000T', '1P'], ['1000000m', '1k'],
      ['1Ki', '1Ki'], ['1024Ki', '1Mi'], ['1024Mi', '1Gi'], ['1024Gi', '1Ti'], ['1024Ti', '1Pi'],
      ['1e-3', '1e-3'], ['1000e-3', '1'], ['1e6', '1e6'], ['1e9', '1e9'], ['1e12', '1e12'], ['1e15', '1e15'], ['1000e3', '1e6'],
    ];
    for (const [input, out] of cases) assert.equal(canonicalQuantity(input), out, input);
  });

  it('keeps the sign', () => {
    assert.equal(canonicalQuantity('-1Gi'), '-1Gi');
    assert.equal(canonicalQuantity('-500m'), '-500m');
    assert.equal(canonicalQuantity('-2k'), '-2k');
  });

  it('decimal quantities stay decimal even when they are multiples of 1024', () => {
    assert.equal(canonicalQuantity('2k'), '2k');
    assert.equal(canonicalQuantity('2048'), '2048');
  });

  it('the suffix chooses the format', () => {
    const cases: [string, string][] = [
      ['1Ki', 'BinarySI'], ['5Ei', 'BinarySI'], ['1e3', 'DecimalExponent'], ['1E+3', 'DecimalExponent'], ['1e-3', 'DecimalExponent'],
      ['2e12', 'DecimalExponent'], ['1k', 'DecimalSI'], ['1', 'DecimalSI'], ['1m', 'DecimalSI'], ['1E', 'DecimalSI'],
    ];
    for (const [input, format] of cases) assert.equal(quantityFormat(input), format, input);
  });

  it('formats whole amounts with every binary and decimal suffix up to peta', () => {
    assert.deepEqual([10, 20, 30, 40, 50].map((e) => formatQuantity(2 ** e, 'BinarySI')), ['1Ki', '1Mi', '1Gi', '1Ti', '1Pi']);
    assert.deepEqual([3, 6, 9, 12, 15].map((e) => formatQuantity(10 ** e, 'DecimalSI')), ['1k', '1M', '1G', '1T', '1P']);
    assert.equal(formatMilliQuantity(1_000_000), '1k');
    assert.equal(formatMilliQuantity(-2000), '-2');
  });

  it('formats only integers', () => {
    assert.throws(() => formatQuantity(1.5, 'DecimalSI'), /^RangeError: cannot format 1.5 as a quantity$/);
    assert.throws(() => formatMilliQuantity(0.5), /^RangeError: cannot format 0.5m as a quantity$/);
    assert.throws(() => formatQuantity(2 ** 60, 'BinarySI'), RangeError);
  });
});

describe('quantity parsing details', () => {
  it("refuses malformed input with Kubernetes' message", () => {
    assert.throws(
      () => parseQuantity('1Kb'),
      (e: unknown) =>
        e instanceof QuantityError &&
        e.name === 'QuantityError' &&
        e.message === `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': "1Kb"`,
    );
  });

  it('accepts a fraction of several digits without a whole part', () => {
    assert.equal(parseQuantity('.55').milliValue(), 550);
  });

  it('ignores leading zeros, however many', () => {
    assert.equal(parseQuantity(`${'0'.repeat(70)}1`).value(), 1);
    assert.equal(parseQuantity('007k').value(), 7000);
  });

  it('zero is zero whatever its suffix or fraction', () => {
    for (const q of ['0', '0m', '0.000', '0Gi', '-0', '0e-9']) {
      assert.equal(parseQuantity(q).isZero(), true, q);
      assert.equal(parseQuantity(q).value(), 0, q);
      assert.equal(parseQuantity(q).milliValue(), 0, q);
    }
    assert.equal(parseQuantity('1n').isZero(), false);
  });

  it('caps negative quantities at -(2^63-1)', () => {
    assert.equal(parseQuantity('-1e19').value(), -Number(MAX_QUANTITY));
    assert.equal(parseQuantity('-9223372036854775807').exceedsMax(), false);
    assert.equal(parseQuantity('-9223372036854775808').exceedsMax(), true);
  });

  it('prints quantities above 2^63 thousandths exactly: 1Ei, 10P, 2^63-1', () => {
    assert.equal(canonicalQuantity('1Ei'), '1Ei');
    assert.equal(canonicalQuantity('10P'), '10P');
    assert.equal(canonicalQuantity('9223372036854775807'), '9223372036854775807');
  });
});
