import { strict as assert } from 'node:assert';
import pino from 'pino';
import { NotFoundError, UnavailableError } from '../../../../lib/api/errors';
import { Event, Pod } from '../../../../lib/gen/kite/core/v1/types';
import { ApiEventRecorder, type EventWriter } from '../../../../lib/events';
import { logger } from '../../../../lib/log';

class FakeWriter implements EventWriter {
  calls: string[] = [];
  created: Event[] = [];
  fail: Error | undefined;
  missing = false;
  async createWithoutReply(ev: Event): Promise<void> {
    this.calls.push(`create ${ev.metadata!.namespace}/${ev.metadata!.name} count=${ev.count}`);
    if (this.fail) throw this.fail;
    this.created.push(ev);
  }
  async patchWithoutReply(name: string, patch: unknown, opts: { namespace?: string }): Promise<void> {
    this.calls.push(`patch ${opts.namespace}/${name} ${JSON.stringify(patch)}`);
    if (this.missing) throw new NotFoundError('events not found');
  }
}

const silent = logger('test');
silent.level = 'silent';
const pod = Pod.fromPartial({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web-1', namespace: 'shop', uid: 'u1', resourceVersion: '7' } });
const at = (s: number) => () => new Date(Date.UTC(2024, 0, 1, 0, 0, s));

describe('ApiEventRecorder', () => {
  it('writes an event about the object, named <object>.<hex>, in its namespace', async () => {
    const w = new FakeWriter();
    const r = new ApiEventRecorder(w, 'kubelet', 'n1', { now: at(0), logger: silent });
    r.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
    await r.flush();
    assert.equal(w.created.length, 1);
    const e = w.created[0];
    assert.match(e.metadata!.name, /^web-1\.[0-9a-f]+$/);
    assert.equal(e.metadata!.namespace, 'shop');
    assert.deepEqual(e.involvedObject, { kind: 'Pod', namespace: 'shop', name: 'web-1', uid: 'u1', apiVersion: 'v1', resourceVersion: '7', fieldPath: '' });
    assert.deepEqual([e.type, e.reason, e.count, e.firstTimestamp, e.lastTimestamp], ['Warning', 'BackOff', 1, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z']);
    assert.deepEqual(e.source, { component: 'kubelet', host: 'n1' });
  });

  it('updates the count and lastTimestamp of a repeated event instead of writing another', async () => {
    const w = new FakeWriter();
    let s = 0;
    const r = new ApiEventRecorder(w, 'kubelet', 'n1', { now: () => at(s++)(), logger: silent });
    for (let i = 0; i < 3; i++) r.event(pod, 'Warning', 'BackOff', 'x');
    await r.flush();
    const name = w.created[0].metadata!.name;
    assert.deepEqual(w.calls, [
      `create shop/${name} count=1`,
      `patch shop/${name} {"count":2,"lastTimestamp":"2024-01-01T00:00:01Z","message":"x"}`,
      `patch shop/${name} {"count":3,"lastTimestamp":"2024-01-01T00:00:02Z","message":"x"}`,
    ]);
  });

  it('creates the event again when the one to update has expired', async () => {
    const w = new FakeWriter();
    const r = new ApiEventRecorder(w, 'kubelet', 'n1', { now: at(0), logger: silent });
    r.event(pod, 'Normal', 'Pulled', 'x');
    await r.flush();
    w.missing = true;
    r.event(pod, 'Normal', 'Pulled', 'x');
    await r.flush();
    assert.equal(w.calls.length, 3);
    assert.match(w.calls[2], /^create shop\/web-1\.[0-9a-f]+ count=2$/);
  });

  it('never throws into the caller, whatever the apiserver does; cluster-scoped objects go to "default"', async () => {
    const w = new FakeWriter();
    w.fail = new UnavailableError('down');
    const r = new ApiEventRecorder(w, 'node-controller', 'cm', { logger: silent });
    const node = { kind: 'Node', apiVersion: 'v1', metadata: { name: 'n1', namespace: '', uid: 'n' } } as any;
    assert.doesNotThrow(() => r.event(node, 'Normal', 'NodeNotReady', 'Node n1 status is now: NodeNotReady'));
    assert.doesNotThrow(() => r.event({ kind: 'X', apiVersion: 'v1' } as any, 'Normal', 'R', 'no metadata'));
    await r.flush();
    assert.deepEqual(w.calls.map((c) => c.split('.')[0]), ['create default/n1']);
  });

  it('returns at once: writing happens in the background', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = new FakeWriter();
    const slow: EventWriter = { createWithoutReply: async (e) => (await gate, w.createWithoutReply(e)), patchWithoutReply: (n, p, o) => w.patchWithoutReply(n, p, o) };
    const r = new ApiEventRecorder(slow, 'c', 'h', { logger: silent });
    r.event(pod, 'Normal', 'A', '1');
    r.event(pod, 'Normal', 'B', '2');
    assert.equal(w.calls.length, 0);
    release();
    await r.flush();
    assert.equal(w.calls.length, 2);
  });

  it('drops an event the full queue cannot take before correlating it, as client-go drops it before its correlator sees it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = new FakeWriter();
    const slow: EventWriter = { createWithoutReply: async (e) => (await gate, w.createWithoutReply(e)), patchWithoutReply: (n, p, o) => w.patchWithoutReply(n, p, o) };
    let s = 0;
    const r = new ApiEventRecorder(slow, 'default-scheduler', 'h', { maxQueued: 1, now: () => at(s++)(), logger: silent });
    r.event(pod, 'Normal', 'Scheduled', 'x'); // being written
    r.event(pod, 'Normal', 'Scheduled', 'x'); // queued: the repeat's count 2
    r.event(pod, 'Normal', 'Scheduled', 'x'); // dropped: the queue is full
    release();
    await r.flush();
    r.event(pod, 'Normal', 'Scheduled', 'x');
    await r.flush();
    assert.deepEqual(
      w.calls.map((c) => c.replace(/web-1\.[0-9a-f]+/, 'web-1.*').replace(/,"lastTimestamp":"[^"]*"/, '')),
      ['create shop/web-1.* count=1', 'patch shop/web-1.* {"count":2,"message":"x"}', 'patch shop/web-1.* {"count":3,"message":"x"}'],
    );
  });

  it('warns when a burst of drops starts and once with the count when the queue has room again, not once per dropped event', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = new FakeWriter();
    const slow: EventWriter = { createWithoutReply: async (e) => (await gate, w.createWithoutReply(e)), patchWithoutReply: (n, p, o) => w.patchWithoutReply(n, p, o) };
    const warnings: { msg: string; dropped?: number; reason?: string }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    const r = new ApiEventRecorder(slow, 'default-scheduler', 'h', { maxQueued: 1, logger: log });
    r.event(pod, 'Normal', 'Scheduled', 'being written');
    r.event(pod, 'Normal', 'Scheduled', 'queued');
    for (let i = 0; i < 50; i++) r.event(pod, 'Warning', 'FailedScheduling', `dropped ${i}`);
    assert.deepEqual(warnings.map((l) => [l.msg, l.reason]), [['event queue full; dropping events until it has room', 'FailedScheduling']]);
    release();
    await r.flush();
    assert.deepEqual(warnings.slice(1).map((l) => [l.msg, l.dropped]), [['event queue has room again; 50 dropped while it was full', 50]]);
    r.event(pod, 'Normal', 'Pulled', 'after the burst');
    await r.flush();
    assert.equal(warnings.length, 2);
    assert.equal(w.created.length, 3, 'the two events taken before the burst and the one after it');
  });
});
