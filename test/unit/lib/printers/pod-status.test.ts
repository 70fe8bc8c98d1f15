import { strict as assert } from 'node:assert';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { podSummary } from '../../../../lib/printers/pod-status';

const now = Date.parse('2024-01-01T01:00:00Z');

function pod(status: object, extra: { deletionTimestamp?: string; init?: number; containers?: number } = {}): Pod {
  return Pod.fromPartial({
    metadata: { name: 'p', deletionTimestamp: extra.deletionTimestamp ?? '' },
    spec: {
      containers: Array.from({ length: extra.containers ?? 1 }, (_, i) => ({ name: `c${i}`, image: 'x' })),
      initContainers: Array.from({ length: extra.init ?? 0 }, (_, i) => ({ name: `i${i}`, image: 'x' })),
    },
    status,
  });
}

describe('pod STATUS/READY/RESTARTS (kubectl printPod)', () => {
  describe('sidecars (init containers with restartPolicy Always)', () => {
    const running = { running: { startedAt: '2024-01-01T00:00:00Z' } };
    const withSidecar = (status: object) => {
      const p = pod(status, { init: 2 });
      p.spec!.initContainers[1].restartPolicy = 'Always';
      return p;
    };
    const done = { name: 'i0', state: { terminated: { exitCode: 0, reason: 'Completed' } } };

    it('counts a ready sidecar in READY over app containers and sidecars, and its restarts', () => {
      const p = withSidecar({
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [done, { name: 'i1', started: true, ready: true, restartCount: 2, state: running, lastState: { terminated: { exitCode: 1, finishedAt: '2024-01-01T00:50:00Z' } } }],
        containerStatuses: [{ name: 'c0', ready: false, state: running }],
      });
      assert.deepEqual(podSummary(p, now), { ready: '1/2', status: 'Running', restarts: '2 (10m ago)' });
    });

    it('shows Init:1/2 while the sidecar has not started', () => {
      const p = withSidecar({ phase: 'Pending', initContainerStatuses: [done, { name: 'i1', started: false, state: running }], containerStatuses: [{ name: 'c0', state: { waiting: { reason: 'PodInitializing' } } }] });
      assert.deepEqual(podSummary(p, now), { ready: '0/2', status: 'Init:1/2', restarts: '0' });
    });
  });

  it('shows the phase when no container reports', () => {
    assert.deepEqual(podSummary(pod({ phase: 'Pending' }), now), { ready: '0/1', status: 'Pending', restarts: '0' });
  });

  it('shows a waiting container reason (ContainerCreating, CrashLoopBackOff, ImagePullBackOff)', () => {
    for (const reason of ['ContainerCreating', 'CrashLoopBackOff', 'ImagePullBackOff']) {
      const p = pod({ phase: 'Pending', containerStatuses: [{ name: 'c0', state: { waiting: { reason } } }] });
      assert.equal(podSummary(p, now).status, reason);
    }
  });

  it('counts ready running containers', () => {
    const p = pod(
      {
        phase: 'Running',
        containerStatuses: [
          { name: 'c0', ready: true, state: { running: { startedAt: '2024-01-01T00:00:00Z' } } },
          { name: 'c1', ready: false, state: { running: { startedAt: '2024-01-01T00:00:00Z' } } },
        ],
      },
      { containers: 2 },
    );
    assert.deepEqual(podSummary(p, now), { ready: '1/2', status: 'Running', restarts: '0' });
  });

  it('shows restarts with the age of the last one', () => {
    const p = pod({
      phase: 'Running',
      containerStatuses: [
        {
          name: 'c0',
          ready: true,
          restartCount: 3,
          state: { running: {} },
          lastState: { terminated: { exitCode: 1, finishedAt: '2024-01-01T00:58:00Z' } },
        },
      ],
    });
    assert.equal(podSummary(p, now).restarts, '3 (2m ago)');
  });

  it('shows Completed, Error, ExitCode and Signal for terminated containers', () => {
    const term = (t: object) => pod({ phase: 'Failed', containerStatuses: [{ name: 'c0', state: { terminated: t } }] });
    assert.equal(podSummary(term({ reason: 'Completed', exitCode: 0 }), now).status, 'Completed');
    assert.equal(podSummary(term({ reason: 'Error', exitCode: 1 }), now).status, 'Error');
    assert.equal(podSummary(term({ exitCode: 2 }), now).status, 'ExitCode:2');
    assert.equal(podSummary(term({ exitCode: 137, signal: 9 }), now).status, 'Signal:9');
  });

  it('shows Running (or NotReady) when one container completed and another runs', () => {
    const statuses = [
      { name: 'c0', ready: true, state: { running: {} } },
      { name: 'c1', state: { terminated: { reason: 'Completed', exitCode: 0 } } },
    ];
    const ready = pod({ phase: 'Running', containerStatuses: statuses, conditions: [{ type: 'Ready', status: 'True' }] }, { containers: 2 });
    assert.equal(podSummary(ready, now).status, 'Running');
    const notReady = pod({ phase: 'Running', containerStatuses: statuses }, { containers: 2 });
    assert.equal(podSummary(notReady, now).status, 'NotReady');
  });

  it('shows init container progress', () => {
    const p = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i0', state: { terminated: { exitCode: 0 } } }, { name: 'i1', state: { running: {} } }] }, { init: 2 });
    assert.equal(podSummary(p, now).status, 'Init:1/2');
    const failed = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i0', state: { terminated: { exitCode: 1, reason: 'Error' } } }] }, { init: 1 });
    assert.equal(podSummary(failed, now).status, 'Init:Error');
    const backoff = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i0', state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, { init: 1 });
    assert.equal(podSummary(backoff, now).status, 'Init:CrashLoopBackOff');
  });

  it('shows Terminating for a pod being deleted, unless it already finished', () => {
    const running = pod({ phase: 'Running', containerStatuses: [{ name: 'c0', ready: true, state: { running: {} } }] }, { deletionTimestamp: '2024-01-01T00:59:00Z' });
    assert.equal(podSummary(running, now).status, 'Terminating');
    const done = pod({ phase: 'Succeeded' }, { deletionTimestamp: '2024-01-01T00:59:00Z' });
    assert.equal(podSummary(done, now).status, 'Succeeded');
    const lost = pod({ phase: 'Running', reason: 'NodeLost' }, { deletionTimestamp: '2024-01-01T00:59:00Z' });
    assert.equal(podSummary(lost, now).status, 'Unknown');
  });

  it('prefers the pod-level reason (Evicted) over the phase', () => {
    assert.equal(podSummary(pod({ phase: 'Failed', reason: 'Evicted' }), now).status, 'Evicted');
  });
});
