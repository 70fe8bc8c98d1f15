import assert from 'node:assert/strict';
import { CrashLoopBackoff } from '../../../../services/kubelet/pod-workers/crash-backoff';
import type { RuntimeContainer } from '../../../../services/kubelet/runtime/types';

function dead(restartCount: number, startedAt: number, finishedAt: number): RuntimeContainer {
  return {
    id: `c${restartCount}`,
    name: 'app',
    sandbox: false,
    podUid: 'u',
    podName: 'p',
    podNamespace: 'ns',
    image: 'busybox',
    imageId: '',
    hash: 'h',
    restartCount,
    state: 'exited',
    createdAt: new Date(startedAt).toISOString(),
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    exitCode: 1,
    oomKilled: false,
    reason: 'Error',
  };
}

describe('kubelet CrashLoopBackoff', () => {
  let now = Date.parse('2024-01-01T00:00:00Z');
  const policy = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

  it('restarts at once after the first crash, then waits 10 s, 20 s, 40 s after each crash', () => {
    const b = new CrashLoopBackoff(policy, () => now);
    const waits: number[] = [];
    for (let restarts = 0; restarts < 4; restarts++) {
      // The container runs 1 s, then crashes; the kubelet looks right after.
      const c = dead(restarts, now, now + 1_000);
      now += 1_000;
      waits.push(b.remaining('u', 'app', c));
      now += waits[restarts];
      b.restarted('u', 'app');
    }
    assert.deepEqual(waits, [0, 10_000, 20_000, 40_000]);
  });

  it('counts the wait from when the container finished', () => {
    const b = new CrashLoopBackoff(policy, () => now);
    b.restarted('u', 'app');
    const c = dead(1, now, now + 1_000);
    now += 7_000;
    assert.equal(b.remaining('u', 'app', c), 4_000);
  });

  it('continues after a kubelet restart from the restart count on the labels', () => {
    const b = new CrashLoopBackoff(policy, () => now);
    // Restart number 3 started the current run: the next restart waits 40 s.
    const c = dead(3, now, now + 2_000);
    now += 2_000;
    assert.equal(b.remaining('u', 'app', c), 40_000);
    now += 40_000;
    assert.equal(b.remaining('u', 'app', c), 0);
  });

  it('starts over when the container ran longer than resetAfter', () => {
    const b = new CrashLoopBackoff(policy, () => now);
    for (let i = 0; i < 5; i++) b.restarted('u', 'app');
    const c = dead(5, now, now + 700_000);
    now += 700_000;
    assert.equal(b.remaining('u', 'app', c), 0);
    b.restarted('u', 'app');
    assert.equal(b.delay('u', 'app'), 10_000);
  });
});
