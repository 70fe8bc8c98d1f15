// The event-loop turns of services/apiserver/flowcontrol/turn-scheduler.ts, with the turns run by
// hand: a few calls per turn, one per flow in turn, so a burst from one user neither runs in one
// go nor goes ahead of another user's call.
import { strict as assert } from 'node:assert';
import { TurnScheduler } from '../../../../services/apiserver/flowcontrol/turn-scheduler';

function manual() {
  const turns: Array<() => void> = [];
  return { defer: (fn: () => void) => turns.push(fn), next: () => turns.shift()!(), get scheduled() { return turns.length; } };
}

describe('flowcontrol: turn scheduler', () => {
  it('takes up a few calls per turn and schedules one turn at a time', () => {
    const m = manual();
    const t = new TurnScheduler(3, m.defer);
    const ran: number[] = [];
    for (let i = 0; i < 7; i++) t.run('flood', () => ran.push(i));
    assert.deepEqual([ran, m.scheduled, t.pending], [[], 1, 7]);
    m.next();
    assert.deepEqual(ran, [0, 1, 2]);
    m.next();
    m.next();
    assert.deepEqual(ran, [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(m.scheduled, 0, 'nothing left, no turn scheduled');
  });

  it("serves flows in turn: another user's call runs in the next turn, not after the flood", () => {
    const m = manual();
    const t = new TurnScheduler(4, m.defer);
    const ran: string[] = [];
    for (let i = 0; i < 100; i++) t.run('flooder', () => ran.push(`f${i}`));
    t.run('alice', () => ran.push('alice'));
    t.run('bob', () => ran.push('bob'));
    m.next();
    assert.deepEqual(ran, ['f0', 'alice', 'bob', 'f1']);
  });

  it('a call that throws does not stop the others', () => {
    const m = manual();
    const t = new TurnScheduler(4, m.defer);
    const ran: string[] = [];
    t.run('a', () => {
      throw new Error('boom');
    });
    t.run('a', () => ran.push('after'));
    m.next();
    assert.deepEqual(ran, ['after']);
  });
});
