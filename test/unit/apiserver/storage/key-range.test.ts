import { strict as assert } from 'node:assert';
import { prefixEnd, rangeStart } from '../../../../services/apiserver/storage/key-range';

const bytes = (s: string): Buffer => Buffer.from(s);
const below = (a: string, b: string): boolean => Buffer.compare(bytes(a), bytes(b)) < 0;

describe('key ranges', () => {
  it('ends a prefix range just past every key with that prefix', () => {
    assert.equal(prefixEnd('/registry/pods/'), '/registry/pods0');
    assert.equal(prefixEnd('a'), 'b');
    assert.equal(prefixEnd(''), '');
    assert.equal(prefixEnd('a\u{10ffff}'), 'b');
    assert.equal(prefixEnd('\u{10ffff}'), '');
    assert.equal(prefixEnd('x\ud7ff'), 'x\ue000');
    for (const p of ['/registry/pods/', 'é', 'a\uffff', 'z\u{1f600}']) {
      const end = prefixEnd(p);
      for (const key of [p, `${p}\0`, `${p}zzz`, `${p}\uffff`, `${p}\u{10ffff}\u{10ffff}`]) assert.ok(below(key, end), `${JSON.stringify(key)} < ${JSON.stringify(end)}`);
      assert.ok(!below(end, p));
    }
  });

  it('resumes after startAfter but never before the prefix', () => {
    assert.equal(rangeStart('/r/'), '/r/');
    assert.equal(rangeStart('/r/', '/r/b'), '/r/b\0');
    assert.equal(rangeStart('/r/', '/a'), '/r/');
  });
});
