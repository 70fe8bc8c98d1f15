import { strict as assert } from 'node:assert';
import {
  sumQuantities,
  canonicalQuantity,
  formatMilliQuantity,
  formatQuantity,
  isValidQuantity,
  MAX_QUANTITY,
  parseQuantity,
  QuantityError,
  quantityMilliValue,
  quantityValue,
} from '../../../../lib/api/quantity';

describe('quantity', () => {
  const cases: { input: string; milli: number; value: number }[] = [
    { input: '500m', milli: 500, value: 1 },
    { input: '1', milli: 1000, value: 1 },
    { input: '0.5', milli: 500, value: 1 },
    { input: '.5', milli: 500, value: 1 },
    { input: '2.', milli: 2000, value: 2 },
    { input: '0.1', milli: 100, value: 1 },
    { input: '0.0001', milli: 1, value: 1 },
    { input: '100n', milli: 1, value: 1 },
    { input: '1500u', milli: 2, value: 1 },
    { input: '128Mi', milli: 128 * 2 ** 20 * 1000, value: 128 * 2 ** 20 },
    { input: '1Gi', milli: 2 ** 30 * 1000, value: 2 ** 30 },
    { input: '1.5Gi', milli: 1.5 * 2 ** 30 * 1000, value: 1.5 * 2 ** 30 },
    { input: '8036860Ki', milli: 8036860 * 1024 * 1000, value: 8036860 * 1024 },
    { input: '1e3', milli: 1_000_000, value: 1000 },
    { input: '1E3', milli: 1_000_000, value: 1000 },
    { input: '12e-3', milli: 12, value: 1 },
    { input: '2k', milli: 2_000_000, value: 2000 },
    { input: '1M', milli: 1e9, value: 1e6 },
    { input: '3G', milli: 3e12, value: 3e9 },
    { input: '110', milli: 110_000, value: 110 },
    { input: '+4', milli: 4000, value: 4 },
    { input: '-1.5', milli: -1500, value: -2 },
    { input: '0', milli: 0, value: 0 },
  ];
  for (const c of cases) {
    it(`parses ${c.input}`, () => {
      assert.equal(quantityMilliValue(c.input), c.milli);
      assert.equal(quantityValue(c.input), c.value);
    });
  }

  it('keeps exa quantities exact before conversion', () => {
    assert.equal(parseQuantity('1Ei').scaled(0), 2n ** 60n);
    assert.equal(parseQuantity('1E').scaled(0), 10n ** 18n);
  });

  it('knows quantities beyond 2^63-1 (Kubernetes\' bound) and caps their conversions there', () => {
    for (const q of ['1e1000', '9223372036854775808', '8Ei', '10E', '1' + '0'.repeat(100), '1e999999999']) {
      assert.equal(parseQuantity(q).exceedsMax(), true, q);
      assert.equal(parseQuantity(q).value(), Number(MAX_QUANTITY), q);
      assert.equal(parseQuantity(q).milliValue(), Number(MAX_QUANTITY), q);
    }
    assert.equal(parseQuantity('-1e1000').value(), -Number(MAX_QUANTITY));
    for (const q of ['9223372036854775807', '7Ei', '9E', '1e18', '100m']) assert.equal(parseQuantity(q).exceedsMax(), false, q);
  });

  it('rounds quantities far below one unit up without computing their exponent', () => {
    assert.equal(parseQuantity('1e-999999999').milliValue(), 1);
    assert.equal(parseQuantity('-1e-999999999').milliValue(), -1);
    assert.equal(parseQuantity(`0.${'0'.repeat(100)}1`).milliValue(), 1);
    assert.equal(parseQuantity(`0.${'1'.repeat(100)}`).milliValue(), 112);
    assert.equal(parseQuantity(`1.${'0'.repeat(100)}`).milliValue(), 1000);
  });

  it('rejects malformed quantities', () => {
    for (const bad of ['', 'abc', '1e', '1Kb', '1 Gi', '1.2.3', 'Mi', '--1', '1ki', '.']) {
      assert.equal(isValidQuantity(bad), false, bad);
      assert.throws(() => parseQuantity(bad), QuantityError, bad);
    }
  });

  it('formats amounts with the largest whole suffix', () => {
    assert.equal(formatQuantity(8 * 2 ** 30, 'BinarySI'), '8Gi');
    assert.equal(formatQuantity(8036860 * 1024, 'BinarySI'), '8036860Ki');
    assert.equal(formatQuantity(1000, 'BinarySI'), '1000');
    assert.equal(formatQuantity(2000, 'DecimalSI'), '2k');
    assert.equal(formatQuantity(110, 'DecimalSI'), '110');
    assert.equal(formatQuantity(0, 'DecimalSI'), '0');
    assert.equal(formatMilliQuantity(500), '500m');
    assert.equal(formatMilliQuantity(2000), '2');
    assert.equal(formatMilliQuantity(1500), '1500m');
  });

  it('round-trips formatted values', () => {
    for (const n of [1, 1023, 1024, 5 * 2 ** 20, 3 * 2 ** 40]) {
      assert.equal(quantityValue(formatQuantity(n, 'BinarySI')), n);
      assert.equal(quantityValue(formatQuantity(n, 'DecimalSI')), n);
    }
  });

  it('prints quantities as Kubernetes\' Quantity.String() does', () => {
    const cases: [string, string][] = [
      ['1Gi', '1Gi'], ['1024Mi', '1Gi'], ['1536Mi', '1536Mi'], ['0.5Gi', '512Mi'], ['512', '512'], ['0.5Ki', '512'],
      ['100m', '100m'], ['0.5', '500m'], ['2000m', '2'], ['1000', '1k'], ['1500m', '1500m'], ['1e3', '1e3'], ['0', '0'],
    ];
    for (const [input, out] of cases) assert.equal(canonicalQuantity(input), out, input);
  });

  it('sums quantities in the first one\'s format, as Quantity.Add leaves them', () => {
    assert.equal(sumQuantities(['512Ki', '512Ki']), '1Mi');
    assert.equal(sumQuantities(['100m', '150m']), '250m');
    assert.equal(sumQuantities(['12345678n', '1m']), '13345678n');
    assert.equal(sumQuantities(['10Mi', '2097152']), '12Mi');
    assert.equal(sumQuantities([]), '0');
  });
});
