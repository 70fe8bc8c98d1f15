import { strict as assert } from 'node:assert';
import { Event } from '../../../../lib/gen/kite/core/v1/types';
import { EventCorrelator } from '../../../../lib/events';

function ev(name: string, reason: string, message: string, obj = 'web-1'): Event {
  return Event.fromPartial({
    metadata: { name, namespace: 'default' },
    involvedObject: { kind: 'Pod', namespace: 'default', name: obj, uid: `uid-${obj}`, apiVersion: 'v1' },
    reason,
    message,
    type: 'Warning',
    source: { component: 'kubelet', host: 'n1' },
    count: 1,
    firstTimestamp: 't0',
    lastTimestamp: 't0',
  });
}

describe('EventCorrelator', () => {
  it('turns a repeat into an update of the first event: same name, count+1, first timestamp kept', () => {
    const c = new EventCorrelator();
    const first = c.correlate(ev('web-1.a', 'BackOff', 'Back-off restarting'), 0);
    assert.equal(first.isUpdate, false);
    const e2 = ev('web-1.b', 'BackOff', 'Back-off restarting');
    e2.lastTimestamp = 't1';
    const second = c.correlate(e2, 1000);
    assert.deepEqual([second.isUpdate, second.event.metadata!.name, second.event.count, second.event.firstTimestamp, second.event.lastTimestamp], [true, 'web-1.a', 2, 't0', 't1']);
    assert.equal(c.correlate(ev('web-1.c', 'BackOff', 'Back-off restarting'), 2000).event.count, 3);
  });

  it('keeps events apart that differ in object, reason or message', () => {
    const c = new EventCorrelator();
    c.correlate(ev('a', 'BackOff', 'x'), 0);
    assert.equal(c.correlate(ev('b', 'BackOff', 'y'), 0).isUpdate, false);
    assert.equal(c.correlate(ev('c', 'Pulled', 'x'), 0).isUpdate, false);
    assert.equal(c.correlate(ev('d', 'BackOff', 'x', 'web-2'), 0).isUpdate, false);
  });

  it('starts a new event once the dedup window has passed', () => {
    const c = new EventCorrelator({ dedupWindowMs: 1000 });
    c.correlate(ev('a', 'BackOff', 'x'), 0);
    const later = c.correlate(ev('b', 'BackOff', 'x'), 5000);
    assert.deepEqual([later.isUpdate, later.event.metadata!.name, later.event.count], [false, 'b', 1]);
  });

  it('aggregates a flood of similar events with different messages into one', () => {
    const c = new EventCorrelator({ maxSimilarEvents: 3 });
    for (let i = 0; i < 2; i++) assert.equal(c.correlate(ev(`e${i}`, 'FailedScheduling', `msg ${i}`), i).isUpdate, false);
    const third = c.correlate(ev('e2', 'FailedScheduling', 'msg 2'), 2);
    assert.equal(third.event.message, '(combined from similar events): msg 2');
    assert.equal(third.isUpdate, false);
    const fourth = c.correlate(ev('e3', 'FailedScheduling', 'msg 3'), 3);
    assert.deepEqual([fourth.isUpdate, fourth.event.metadata!.name, fourth.event.count, fourth.event.message], [true, 'e2', 2, '(combined from similar events): msg 3']);
  });

  it('drops events of an object beyond its token bucket, and refills it over time', () => {
    const c = new EventCorrelator({ spamBurst: 2, spamQps: 1 });
    assert.equal(c.correlate(ev('a', 'R', '1'), 0).skip, false);
    assert.equal(c.correlate(ev('b', 'R', '2'), 0).skip, false);
    assert.equal(c.correlate(ev('c', 'R', '3'), 0).skip, true);
    assert.equal(c.correlate(ev('d', 'R', '4', 'other'), 0).skip, false, 'per object');
    assert.equal(c.correlate(ev('e', 'R', '5'), 1000).skip, false);
  });
});
