import { strict as assert } from 'node:assert';
import { Queue } from '../../../../lib/workqueue';

describe('Queue', () => {
  it('hands out items in FIFO order and coalesces adds of a waiting item', async () => {
    const q = new Queue();
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.len(), 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.len(), 0);
  });

  it('holds an item re-added while processing until done, then queues it once', async () => {
    const q = new Queue();
    q.add('a');
    const item = await q.get();
    q.add('a');
    q.add('a');
    assert.equal(q.len(), 0, 'not handed to another worker while being processed');
    q.add('b');
    assert.equal(await q.get(), 'b');
    q.done('b');
    q.done(item!);
    assert.equal(q.len(), 1);
    assert.equal(await q.get(), 'a');
    q.done('a');
    assert.equal(q.len(), 0);
  });

  it('an item done without re-add is not queued again', async () => {
    const q = new Queue();
    q.add('a');
    q.done((await q.get())!);
    assert.equal(q.len(), 0);
    q.add('a');
    assert.equal(q.len(), 1, 'can be added again after done');
  });

  it('wakes a waiting getter when an item arrives', async () => {
    const q = new Queue();
    const p = q.get();
    q.add('x');
    assert.equal(await p, 'x');
    q.add('x');
    assert.equal(q.len(), 0, 'the handed-out item is processing, so the re-add waits');
  });

  it('shutdown releases waiting getters, ignores adds, but drains what was queued', async () => {
    const q = new Queue();
    const waiting = [q.get(), q.get()];
    q.shutDown();
    assert.deepEqual(await Promise.all(waiting), [undefined, undefined]);
    assert.ok(q.shuttingDown());
    q.add('late');
    assert.equal(await q.get(), undefined);

    const q2 = new Queue();
    q2.add('a');
    q2.add('b');
    q2.shutDown();
    assert.equal(await q2.get(), 'a');
    assert.equal(await q2.get(), 'b');
    assert.equal(await q2.get(), undefined);
  });

  it('keeps order across many items (internal compaction)', async () => {
    const q = new Queue<number>();
    for (let i = 0; i < 5000; i++) q.add(i);
    for (let i = 0; i < 3000; i++) assert.equal(await q.get(), i);
    for (let i = 5000; i < 6000; i++) q.add(i);
    for (let i = 3000; i < 6000; i++) assert.equal(await q.get(), i);
    assert.equal(q.len(), 0);
  });
});
