import assert from 'node:assert/strict';
import { Pod, PodStatus } from '../../../../lib/gen/kite/core/v1/types';
import { generatePodStatus, type WaitingReason } from '../../../../services/kubelet/pod-workers/pod-status';
import type { ContainerStateName, PodRuntimeState, RuntimeContainer } from '../../../../services/kubelet/runtime/types';

const pod = Pod.fromPartial({
  metadata: { name: 'p', namespace: 'ns', uid: 'u' },
  spec: { restartPolicy: 'Always', containers: [{ name: 'a', image: 'nginx:1.22' }, { name: 'b', image: 'busybox:1' }], initContainers: [{ name: 'init', image: 'busybox:1' }] },
});

let seq = 0;
function rc(name: string, state: ContainerStateName, extra: Partial<RuntimeContainer> = {}): RuntimeContainer {
  return {
    id: `${name}${seq++}`, name, sandbox: name === 'POD', podUid: 'u', podName: 'p', podNamespace: 'ns', image: 'x', imageId: 'sha256:1',
    hash: '', restartCount: 0, state, createdAt: 't', startedAt: '2024-01-01T00:00:01Z', oomKilled: false,
    ...(state === 'exited' ? { exitCode: 0, reason: 'Completed', finishedAt: '2024-01-01T00:00:02Z' } : {}),
    ...extra,
  };
}

const allReady = { ready: () => true, started: () => true };

function gen(state: PodRuntimeState | undefined, waiting = new Map<string, WaitingReason>(), previous?: PodStatus, probes = allReady) {
  return generatePodStatus({ pod, previous, state, waiting, probes, hostIP: '192.168.0.5', now: '2024-01-01T00:01:00Z' });
}

describe('kubelet generatePodStatus', () => {
  it('reports a pod still initializing: Pending, init running, app containers PodInitializing', () => {
    const s = gen({ uid: 'u', name: 'p', namespace: 'ns', sandboxes: [rc('POD', 'running', { ip: '10.1.0.2' })], containers: [rc('init', 'running')] });
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(s.containerStatuses.map((c) => c.state?.waiting?.reason), ['PodInitializing', 'PodInitializing']);
    assert.ok(s.initContainerStatuses[0].state?.running);
    const init = s.conditions.find((c) => c.type === 'Initialized')!;
    assert.deepEqual([init.status, init.reason, init.message], ['False', 'ContainersNotInitialized', 'containers with incomplete status: [init]']);
    assert.equal(s.podIP, '10.1.0.2');
    assert.equal(s.startTime, '2024-01-01T00:01:00Z');
  });

  it('reports a crash-looping container as waiting, its last run as lastState, and the pod not ready', () => {
    const dead = rc('b', 'exited', { exitCode: 1, reason: 'Error', restartCount: 3 });
    const state = { uid: 'u', name: 'p', namespace: 'ns', sandboxes: [rc('POD', 'running', { ip: '10.1.0.2' })], containers: [rc('a', 'running'), dead, rc('init', 'exited')] };
    const waiting = new Map([['b', { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=b pod=p_ns(u)' }]]);
    const s = gen(state, waiting);
    assert.equal(s.phase, 'Running');
    const b = s.containerStatuses[1];
    assert.equal(b.state?.waiting?.reason, 'CrashLoopBackOff');
    assert.deepEqual([b.lastState?.terminated?.exitCode, b.lastState?.terminated?.reason, b.lastState?.terminated?.containerID], [1, 'Error', `docker://${dead.id}`]);
    assert.equal(b.restartCount, 3);
    const ready = s.conditions.find((c) => c.type === 'Ready')!;
    assert.deepEqual([ready.status, ready.reason, ready.message], ['False', 'ContainersNotReady', 'containers with unready status: [b]']);
  });

  it('keeps transition times, startTime and a terminal phase from the previous status', () => {
    const state = { uid: 'u', name: 'p', namespace: 'ns', sandboxes: [rc('POD', 'running', { ip: '10.1.0.2' })], containers: [rc('a', 'running'), rc('b', 'running'), rc('init', 'exited')] };
    const first = gen(state);
    assert.equal(first.conditions.find((c) => c.type === 'Ready')?.status, 'True');
    const later = generatePodStatus({ pod, previous: first, state, waiting: new Map(), probes: allReady, hostIP: '192.168.0.5', now: '2024-01-01T00:09:00Z' });
    assert.deepEqual(later, first, 'nothing changed: the same status (so nothing is written)');
    const notReady = generatePodStatus({ pod, previous: first, state, waiting: new Map(), probes: { ready: () => false, started: () => true }, hostIP: '192.168.0.5', now: '2024-01-01T00:09:00Z' });
    assert.equal(notReady.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime, '2024-01-01T00:09:00Z');
    assert.equal(notReady.conditions.find((c) => c.type === 'Initialized')?.lastTransitionTime, '2024-01-01T00:01:00Z');
    const finished = gen(state, new Map(), PodStatus.fromPartial({ ...first, phase: 'Failed' }));
    assert.equal(finished.phase, 'Failed');
  });
});
