import { strict as assert } from 'node:assert';
import { DelayingQueue } from '../../../../lib/workqueue';
import { FakeClock } from '../../../support/fake-clock';

async function drain(q: DelayingQueue): Promise<string[]> {
  const out: string[] = [];
  while (q.len() > 0) {
    const item = (await q.get())!;
    out.push(item);
    q.done(item);
  }
  return out;
}

describe('DelayingQueue', () => {
  it('adds items when their delay passes, in deadline order', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter('c', 30);
    q.addAfter('a', 10);
    q.addAfter('b', 20);
    q.addAfter('b2', 20);
    assert.equal(q.len(), 0);
    assert.equal(q.waitingLen(), 4);
    clock.step(9);
    assert.equal(q.len(), 0);
    clock.step(1);
    assert.deepEqual(await drain(q), ['a']);
    clock.step(25);
    assert.deepEqual(await drain(q), ['b', 'b2', 'c']);
    assert.equal(q.waitingLen(), 0);
    assert.equal(clock.timerCount(), 0, 'no timer left once nothing waits');
  });

  it('keeps the earliest deadline when an item is added twice', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter('x', 100);
    q.addAfter('x', 10);
    q.addAfter('x', 50);
    assert.equal(q.waitingLen(), 1);
    clock.step(10);
    assert.deepEqual(await drain(q), ['x']);
    clock.step(200);
    assert.equal(q.len(), 0, 'the superseded later deadlines do not add it again');
  });

  it('adds at once for a non-positive delay and coalesces with the queued item', async () => {
    const q = new DelayingQueue({ clock: new FakeClock() });
    q.addAfter('a', 0);
    q.addAfter('a', -5);
    assert.equal(q.len(), 1);
  });

  it('shutdown cancels waiting items and their timer', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter('a', 10);
    q.shutDown();
    assert.equal(clock.timerCount(), 0);
    clock.step(20);
    assert.equal(await q.get(), undefined);
  });

  it('works on real unref\'d timers', async () => {
    const q = new DelayingQueue();
    const start = Date.now();
    q.addAfter('late', 30);
    q.addAfter('early', 5);
    assert.equal(await q.get(), 'early');
    assert.equal(await q.get(), 'late');
    assert.ok(Date.now() - start >= 25);
    q.shutDown();
  });
});
