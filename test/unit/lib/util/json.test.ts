import { strict as assert } from 'node:assert';
import { canonicalJson, jsonEqual } from '../../../../lib/util/json';

describe('canonical JSON', () => {
  it('sorts object keys at every depth, keeps array order and leaves undefined members out', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 0, u: undefined } }), '{"a":{"c":0,"d":[{"y":2,"z":1}]},"b":1}');
    assert.equal(canonicalJson(['b', 'a']), '["b","a"]');
    assert.equal(canonicalJson(null), 'null');
    assert.equal(canonicalJson('x"y'), '"x\\"y"');
  });

  it('prints what JSON.stringify prints for a value whose keys are already sorted', () => {
    const v = { a: [1, { b: true, c: null }], d: 'é' };
    assert.equal(canonicalJson(v), JSON.stringify(v));
  });
});

describe('jsonEqual', () => {
  const cases: [unknown, unknown, boolean][] = [
    [{ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 }, true],
    [{ a: [1, 2] }, { a: [2, 1] }, false],
    [{ a: 1 }, { a: 1, b: undefined }, true],
    [{ a: 1 }, { a: 1, b: null }, false],
    [{ a: 1, b: 2 }, { a: 1, c: 2 }, false],
    [[], {}, false],
    [1, '1', false],
    [null, null, true],
  ];
  for (const [a, b, want] of cases) {
    it(`${JSON.stringify(a)} ${want ? '==' : '!='} ${JSON.stringify(b)}`, () => {
      assert.equal(jsonEqual(a, b), want);
      assert.equal(jsonEqual(b, a), want);
    });
  }
});
