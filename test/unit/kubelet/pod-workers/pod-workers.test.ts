import assert from 'node:assert/strict';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { FakeClock } from '../../../support/fake-clock';
import { PodWorkers } from '../../../../services/kubelet/pod-workers/pod-workers';

const pod = (rv: string) => Pod.fromPartial({ metadata: { name: 'p', namespace: 'ns', uid: 'u', resourceVersion: rv } });
const tick = () => new Promise((r) => setImmediate(r));

describe('kubelet PodWorkers', () => {
  let clock: FakeClock;

  beforeEach(() => {
    clock = new FakeClock();
  });

  it('never overlaps syncs of one pod, and coalesces triggers that arrive during a sync into one more', async () => {
    const seen: string[] = [];
    let release: () => void = () => undefined;
    const workers = new PodWorkers(
      async (_uid, p) => {
        seen.push(p!.metadata!.resourceVersion);
        await new Promise<void>((r) => (release = r));
        return undefined;
      },
      { resyncPeriodMs: 60_000, errorBackoff: { initialMs: 1_000, maxMs: 8_000 }, clock },
    );
    workers.update('u', pod('1'));
    workers.update('u', pod('2'));
    workers.update('u', pod('3'));
    await tick();
    assert.deepEqual(seen, ['1']);
    release();
    await tick();
    assert.deepEqual(seen, ['1', '3'], 'the latest state, once');
    release();
    await tick();
    assert.deepEqual(seen, ['1', '3']);
    await workers.stop(0);
  });

  it('runs pods independently: a slow pod does not hold others back', async () => {
    const done: string[] = [];
    const workers = new PodWorkers(
      async (uid) => {
        if (uid === 'slow') await new Promise(() => undefined);
        done.push(uid);
        return undefined;
      },
      { resyncPeriodMs: 60_000, errorBackoff: { initialMs: 1_000, maxMs: 8_000 }, clock },
    );
    workers.update('slow', pod('1'));
    workers.update('fast', pod('1'));
    await tick();
    assert.deepEqual(done, ['fast']);
    await workers.stop(0);
  });

  it('syncs again when asked (backoff expiry), at the resync period otherwise, and retries failures with backoff', async () => {
    const at: number[] = [];
    let fail = true;
    const workers = new PodWorkers(
      async () => {
        at.push(clock.now());
        if (at.length === 1) return 5_000;
        if (fail) {
          fail = false;
          throw new Error('runtime hiccup');
        }
        return undefined;
      },
      { resyncPeriodMs: 60_000, errorBackoff: { initialMs: 1_000, maxMs: 8_000 }, clock },
    );
    workers.update('u', pod('1'));
    await tick();
    clock.step(5_000);
    await tick();
    clock.step(1_000);
    await tick();
    clock.step(60_000);
    await tick();
    assert.deepEqual(at, [0, 5_000, 6_000, 66_000]);
    await workers.stop(0);
  });

  it('forgets a gone pod once its teardown succeeded', async () => {
    const workers = new PodWorkers(async () => undefined, { resyncPeriodMs: 60_000, errorBackoff: { initialMs: 1_000, maxMs: 8_000 }, clock });
    workers.update('u', pod('1'));
    await tick();
    workers.update('u', undefined);
    await tick();
    assert.equal(workers.has('u'), false);
    assert.equal(clock.timerCount(), 0);
  });
});
