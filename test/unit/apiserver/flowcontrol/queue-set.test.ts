// Fair queuing of one priority level (services/apiserver/flowcontrol/queue-set.ts) on a fake
// clock: seats, queue length limits, shuffle sharding, and fair shares between flows whatever
// each flow sends or however long its requests take.
import { strict as assert } from 'node:assert';
import { QueueSet, type QueueSetConfig, type Ticket } from '../../../../services/apiserver/flowcontrol/queue-set';
import { dealHand, hashFlow } from '../../../../services/apiserver/flowcontrol/shuffle-sharding';

class FakeClock {
  t = 0;
  now(): number {
    return this.t;
  }
}

interface Tracked {
  flow: string;
  ticket: Ticket;
}

/** A queue set whose dispatches are recorded in order, by flow. */
function harness(cfg: QueueSetConfig) {
  const clock = new FakeClock();
  const set = new QueueSet(cfg, clock);
  const dispatched: Tracked[] = [];
  const add = (flow: string): Tracked | 'queue-full' | 'concurrency-limit' => {
    const tracked = { flow } as Tracked;
    const r = set.enqueue({ hash: hashFlow('fs', flow), dispatch: () => dispatched.push(tracked) });
    if ('rejected' in r) return r.rejected;
    tracked.ticket = r;
    return tracked;
  };
  return { clock, set, dispatched, add };
}

const QUEUED: QueueSetConfig = { concurrencyLimit: 1, queues: 64, handSize: 6, queueLengthLimit: 50 };

describe('flowcontrol: shuffle sharding', () => {
  it('deals distinct cards of the deck, the same ones for the same flow', () => {
    for (const flow of ['alice', 'bob', 'system:node:n1', '']) {
      const hand = dealHand(hashFlow('global-default', flow), 128, 6);
      assert.equal(new Set(hand).size, 6, `${flow}: ${hand}`);
      for (const c of hand) assert.ok(c >= 0 && c < 128);
      assert.deepEqual(dealHand(hashFlow('global-default', flow), 128, 6), hand);
    }
    assert.notDeepEqual(dealHand(hashFlow('global-default', 'alice'), 128, 6), dealHand(hashFlow('global-default', 'bob'), 128, 6));
    assert.deepEqual([...dealHand(12345n, 4, 4)].sort(), [0, 1, 2, 3]);
  });
});

describe('flowcontrol: queue set (fair queuing)', () => {
  it('dispatches at once while seats are free, queues the rest and serves them as seats free up', () => {
    const h = harness({ ...QUEUED, concurrencyLimit: 2 });
    const a = h.add('a') as Tracked;
    const b = h.add('a') as Tracked;
    const c = h.add('a') as Tracked;
    assert.equal(a.ticket.executing, true);
    assert.equal(b.ticket.executing, true);
    assert.equal(c.ticket.executing, false);
    assert.deepEqual([h.set.executing, h.set.waiting], [2, 1]);
    a.ticket.finish();
    a.ticket.finish();
    assert.equal(c.ticket.executing, true);
    assert.deepEqual([h.set.executing, h.set.waiting], [2, 0]);
  });

  it('refuses beyond the queue length limit: one flow holds at most its hand of queues', () => {
    const h = harness({ concurrencyLimit: 3, queues: 16, handSize: 4, queueLengthLimit: 5 });
    const results = Array.from({ length: 40 }, () => h.add('flood'));
    const admitted = results.filter((r) => typeof r !== 'string').length;
    assert.equal(admitted, 3 + 4 * 5, 'the seats plus handSize x queueLengthLimit');
    assert.ok(results.slice(admitted).every((r) => r === 'queue-full'));
    // Another flow still finds room in its own hand.
    assert.equal(typeof h.add('other'), 'object');
  });

  it('without queuing refuses at once when every seat is taken', () => {
    const h = harness({ concurrencyLimit: 2 });
    assert.equal(typeof h.add('a'), 'object');
    assert.equal(typeof h.add('b'), 'object');
    assert.equal(h.add('c'), 'concurrency-limit');
  });

  it('a cancelled request leaves its queue and is never dispatched', () => {
    const h = harness(QUEUED);
    const first = h.add('a') as Tracked;
    const waiting = h.add('a') as Tracked;
    assert.equal(waiting.ticket.cancel(), true);
    assert.equal(h.set.waiting, 0);
    first.ticket.finish();
    assert.deepEqual(h.dispatched, [first]);
    assert.equal(first.ticket.cancel(), false, 'a dispatched request cannot be cancelled');
  });

  it("one flow's flood does not starve another: they alternate once both wait", () => {
    const h = harness(QUEUED);
    const flood = Array.from({ length: 400 }, () => h.add('flood')).filter((r): r is Tracked => typeof r !== 'string');
    assert.equal(flood.length, 1 + 6 * 50);
    for (let i = 0; i < 5; i++) h.add('victim');
    // Serve 10 requests, one at a time, each taking as long as estimated.
    for (let i = 0; i < 10; i++) {
      const running = h.dispatched[h.dispatched.length - 1];
      h.clock.t += 1000;
      running.ticket.finish();
    }
    const order = h.dispatched.slice(1).map((d) => d.flow);
    assert.equal(order.filter((f) => f === 'victim').length, 5, `the victim's 5 requests ran among the next 10: ${order}`);
  });

  it('shares seat time, not request counts: a flow of short requests gets more of them through', () => {
    const h = harness(QUEUED);
    for (let i = 0; i < 200; i++) {
      h.add('slow');
      h.add('fast');
    }
    const served = { slow: 0, fast: 0 };
    // 20 seconds of service: slow requests take 1 s, fast ones 0.1 s.
    while (h.clock.t < 20_000) {
      const running = h.dispatched[h.dispatched.length - 1];
      served[running.flow as 'slow' | 'fast']++;
      h.clock.t += running.flow === 'slow' ? 1000 : 100;
      running.ticket.finish();
    }
    assert.ok(served.fast >= 5 * served.slow, JSON.stringify(served));
    assert.ok(served.slow >= 5, JSON.stringify(served));
  });

  it('an idle flow earns no credit: a newcomer shares equally with a flow that ran alone', () => {
    const h = harness(QUEUED);
    for (let i = 0; i < 60; i++) h.add('busy');
    for (let i = 0; i < 20; i++) {
      h.clock.t += 1000;
      h.dispatched[h.dispatched.length - 1].ticket.finish();
    }
    for (let i = 0; i < 30; i++) h.add('newcomer');
    const before = h.dispatched.length;
    for (let i = 0; i < 20; i++) {
      h.clock.t += 1000;
      h.dispatched[h.dispatched.length - 1].ticket.finish();
    }
    const next = h.dispatched.slice(before).map((d) => d.flow);
    const newcomer = next.filter((f) => f === 'newcomer').length;
    assert.ok(newcomer >= 9 && newcomer <= 11, `alternating, not one flow catching up: ${next}`);
  });
});
