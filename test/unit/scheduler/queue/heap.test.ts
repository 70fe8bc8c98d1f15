import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Heap } from '../../../../services/scheduler/queue/heap';

interface Item {
  key: string;
  v: number;
}

const heap = () => new Heap<Item>((i) => i.key, (a, b) => a.v < b.v);

describe('Heap', () => {
  it('pops in order, with updates and deletes by key', () => {
    const h = heap();
    for (const [key, v] of [['a', 5], ['b', 1], ['c', 3], ['d', 4]] as const) h.push({ key, v });
    h.push({ key: 'a', v: 0 });
    assert.equal(h.delete('c')?.v, 3);
    assert.equal(h.delete('c'), undefined);
    assert.equal(h.size, 3);
    assert.deepEqual([h.pop(), h.pop(), h.pop(), h.pop()].map((i) => i?.key), ['a', 'b', 'd', undefined]);
  });

  it('matches a sorted list under random operations', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('push', 'delete', 'pop'), fc.integer({ min: 0, max: 9 }), fc.integer())), (ops) => {
        const h = heap();
        const model = new Map<string, number>();
        for (const [op, k, v] of ops) {
          const key = `k${k}`;
          if (op === 'push') {
            h.push({ key, v });
            model.set(key, v);
          } else if (op === 'delete') {
            h.delete(key);
            model.delete(key);
          } else {
            const top = h.pop();
            const min = Math.min(...model.values());
            if (model.size === 0) assert.equal(top, undefined);
            else {
              assert.equal(top!.v, min);
              model.delete(top!.key);
            }
          }
          assert.equal(h.size, model.size);
        }
      }),
    );
  });
});
