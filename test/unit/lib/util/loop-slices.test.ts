// lib/util/loop-slices.ts: queued tasks run in order, each task's promise chain ends before the
// next task starts, and once a slice has spent its budget the rest waits for the next turn of
// the event loop (behind what was queued for that turn), with a clock the tasks move by hand.
import { strict as assert } from 'node:assert';
import { LoopSlices } from '../../../../lib/util/loop-slices';

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Resolves once every queued task has run, and the turn after it too. */
async function settled(slices: LoopSlices): Promise<void> {
  while (slices.pending > 0) await nextTurn();
  await nextTurn();
  await nextTurn();
}

describe('lib/util/loop-slices', () => {
  it('runs tasks in order, each one promise chain to its end before the next starts', async () => {
    const slices = new LoopSlices(1000);
    const ran: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      slices.run(async () => {
        ran.push(`${name} start`);
        await null;
        await Promise.resolve();
        ran.push(`${name} end`);
      });
    }
    assert.deepEqual(ran, [], 'nothing runs in the turn that queued it');
    await settled(slices);
    assert.deepEqual(ran, ['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
    assert.equal(slices.pending, 0);
  });

  it('leaves the rest for the next turn once a slice spent its budget, behind what that turn already had', async () => {
    let now = 0;
    const slices = new LoopSlices(2, () => now);
    const ran: string[] = [];
    slices.run(() => {
      ran.push('first');
      now += 1;
    });
    slices.run(() => {
      ran.push('second');
      now += 1.5;
      // Queued for the next turn: it runs before the slices still waiting.
      setImmediate(() => ran.push('next turn'));
    });
    slices.run(() => ran.push('third'));
    slices.run(() => ran.push('fourth'));
    await settled(slices);
    assert.deepEqual(ran, ['first', 'second', 'next turn', 'third', 'fourth']);
  });

  it('always runs at least one task per turn, however long the tasks', async () => {
    let now = 0;
    const slices = new LoopSlices(2, () => now);
    const ran: number[] = [];
    for (let i = 0; i < 3; i++) {
      slices.run(() => {
        ran.push(i);
        now += 10;
        setImmediate(() => ran.push(-i - 1));
      });
    }
    await settled(slices);
    assert.deepEqual(ran, [0, -1, 1, -2, 2, -3]);
  });

  it('a task that throws does not stop the others', async () => {
    const slices = new LoopSlices();
    const ran: string[] = [];
    slices.run(() => {
      throw new Error('boom');
    });
    slices.run(() => ran.push('after'));
    await settled(slices);
    assert.deepEqual(ran, ['after']);
  });
});
