import { strict as assert } from 'node:assert';
import { scaledValue } from '../../../../services/controller-manager/common/int-or-percent';

describe('scaledValue (int or percent)', () => {
  const cases: [number | string | undefined, number, boolean, number][] = [
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['25%', 4, true, 1],
    ['25%', 3, false, 0],
    ['100%', 7, false, 7],
    ['0%', 7, true, 0],
    [2, 10, true, 2],
    ['3', 10, false, 3],
    [undefined, 10, true, 0],
  ];
  for (const [v, total, up, want] of cases) {
    it(`${JSON.stringify(v)} of ${total} rounded ${up ? 'up' : 'down'} is ${want}`, () => assert.equal(scaledValue(v, total, up), want));
  }
  it('rejects other strings', () => assert.throws(() => scaledValue('abc', 10, true), /must be an integer or a percentage/));
});
