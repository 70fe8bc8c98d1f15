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

describe('kubelet generatePodStatus: container statuses as Kubernetes reports them', () => {
  const sandbox = () => rc('POD', 'running', { ip: '10.1.0.2' });
  const st = (containers: RuntimeContainer[], sandboxes = [sandbox()]): PodRuntimeState => ({ uid: 'u', name: 'p', namespace: 'ns', sandboxes, containers });
  const simple = Pod.fromPartial({ metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'nginx:1.22' }] } });
  const genFor = (p: Pod, state: PodRuntimeState | undefined, o: { previous?: PodStatus; probes?: typeof allReady; waiting?: Map<string, WaitingReason> } = {}) =>
    generatePodStatus({ pod: p, previous: o.previous, state, waiting: o.waiting ?? new Map(), probes: o.probes ?? allReady, hostIP: '192.168.0.5', now: '2024-01-01T00:01:00Z' });

  it('a container not created yet: waiting ContainerCreating once initialized, with no IDs, not ready or started', () => {
    const s = gen(st([rc('init', 'exited'), rc('a', 'running')]));
    assert.deepEqual(s.containerStatuses[1], {
      name: 'b', image: 'busybox:1', imageID: '', containerID: '', ready: false, started: false, restartCount: 0,
      state: { waiting: { reason: 'ContainerCreating', message: '' } }, lastState: {},
    });
  });

  it('an init container not created yet waits with PodInitializing', () => {
    const s = gen(st([]));
    assert.deepEqual(s.initContainerStatuses[0].state, { waiting: { reason: 'PodInitializing', message: '' } });
  });

  it('initialization needs every init container to have succeeded', () => {
    const two = Pod.fromPartial({ ...pod, spec: { ...pod.spec!, initContainers: [{ name: 'i1', image: 'x' }, { name: 'i2', image: 'x' }] } });
    const partly = genFor(two, st([rc('i1', 'exited'), rc('i2', 'running')]));
    assert.equal(partly.conditions.find((c) => c.type === 'Initialized')?.message, 'containers with incomplete status: [i2]');
    assert.equal(partly.containerStatuses[0].state?.waiting?.reason, 'PodInitializing');
    const done = genFor(two, st([rc('i1', 'exited'), rc('i2', 'exited')]));
    const initialized = done.conditions.find((c) => c.type === 'Initialized')!;
    assert.deepEqual([initialized.status, initialized.reason, initialized.message], ['True', '', '']);
  });

  it('a running container: running since its start, docker:// IDs, ready only once started', () => {
    const a = rc('a', 'running', { restartCount: 2 });
    const s = genFor(simple, st([a]));
    assert.deepEqual(s.containerStatuses[0], {
      name: 'a', image: 'nginx:1.22', imageID: 'docker://sha256:1', containerID: `docker://${a.id}`, ready: true, started: true, restartCount: 2,
      state: { running: { startedAt: '2024-01-01T00:00:01Z' } }, lastState: {},
    });
    const starting = genFor(simple, st([a]), { probes: { ready: () => true, started: () => false } }).containerStatuses[0];
    assert.deepEqual([starting.started, starting.ready], [false, false]);
    assert.equal(genFor(simple, st([rc('a', 'running', { imageId: '' })])).containerStatuses[0].imageID, '');
  });

  it('an exited container: terminated with its exit, the run before it as lastState, never ready', () => {
    const older = rc('a', 'exited', { exitCode: 2, reason: 'Error', message: 'first', restartCount: 0 });
    const newest = rc('a', 'exited', { exitCode: 1, reason: 'Error', message: 'boom', restartCount: 1 });
    const s = genFor(simple, st([newest, older]));
    const c = s.containerStatuses[0];
    assert.deepEqual([c.ready, c.started], [false, false]);
    assert.deepEqual(c.state?.terminated, {
      exitCode: 1, signal: 0, reason: 'Error', message: 'boom', startedAt: '2024-01-01T00:00:01Z', finishedAt: '2024-01-01T00:00:02Z', containerID: `docker://${newest.id}`,
    });
    assert.equal(c.lastState?.terminated?.message, 'first');
    assert.equal(s.phase, 'Failed');
  });

  it('a terminated state without details reports empty strings', () => {
    const bare = rc('a', 'exited', { exitCode: undefined, reason: undefined, message: undefined, startedAt: undefined, finishedAt: undefined });
    assert.deepEqual(genFor(simple, st([bare])).containerStatuses[0].state?.terminated, {
      exitCode: 0, signal: 0, reason: '', message: '', startedAt: '', finishedAt: '', containerID: `docker://${bare.id}`,
    });
  });

  it('a running container without a start time reports an empty startedAt', () => {
    assert.deepEqual(genFor(simple, st([rc('a', 'running', { startedAt: undefined })])).containerStatuses[0].state, { running: { startedAt: '' } });
  });

  it('a container created but not started waits with ContainerCreating (or its waiting reason)', () => {
    assert.deepEqual(genFor(simple, st([rc('a', 'created')])).containerStatuses[0].state, { waiting: { reason: 'ContainerCreating', message: '' } });
    const pulling = new Map([['a', { reason: 'ErrImagePull', message: 'no such image' }]]);
    assert.deepEqual(genFor(simple, st([rc('a', 'created')]), { waiting: pulling }).containerStatuses[0].state, { waiting: pulling.get('a') });
  });

  it('a succeeded pod is not ready: Ready and ContainersReady False with reason PodCompleted', () => {
    const s = genFor(simple, st([rc('a', 'exited')]));
    assert.equal(s.phase, 'Succeeded');
    for (const type of ['ContainersReady', 'Ready']) {
      const c = s.conditions.find((x) => x.type === type)!;
      assert.deepEqual([c.status, c.reason, c.message], ['False', 'PodCompleted', ''], type);
    }
  });

  it('a ready pod: the four conditions True, without reasons', () => {
    const s = genFor(simple, st([rc('a', 'running')]));
    assert.deepEqual(
      s.conditions.map((c) => [c.type, c.status, c.reason, c.message]),
      [['PodScheduled', 'True', '', ''], ['Initialized', 'True', '', ''], ['ContainersReady', 'True', '', ''], ['Ready', 'True', '', '']],
    );
  });

  it('lists every unready container', () => {
    const s = gen(st([rc('init', 'exited')]));
    assert.equal(s.conditions.find((c) => c.type === 'Ready')?.message, 'containers with unready status: [a b]');
  });

  it('pod IP: the running sandbox\'s, the host\'s on the host network, else the previous one', () => {
    const dead = rc('POD', 'exited', { ip: '10.1.0.9' });
    assert.equal(genFor(simple, st([], [dead, sandbox()])).podIP, '10.1.0.2');
    const s = genFor(simple, st([], [sandbox()]));
    assert.deepEqual([s.hostIP, s.hostIPs, s.podIP, s.podIPs], ['192.168.0.5', [{ ip: '192.168.0.5' }], '10.1.0.2', [{ ip: '10.1.0.2' }]]);
    const host = Pod.fromPartial({ ...simple, spec: { ...simple.spec!, hostNetwork: true } });
    assert.equal(genFor(host, st([], [sandbox()])).podIP, '192.168.0.5');
    const previous = PodStatus.fromPartial({ podIP: '10.1.0.7' });
    assert.equal(genFor(simple, st([], [dead]), { previous }).podIP, '10.1.0.7');
    const none = genFor(simple, undefined);
    assert.deepEqual([none.podIP, none.podIPs], ['', []]);
  });

  it('without a runtime state or a previous status: containers waiting, empty carried fields', () => {
    const s = genFor(simple, undefined);
    assert.equal(s.containerStatuses[0].state?.waiting?.reason, 'ContainerCreating');
    assert.deepEqual([s.message, s.reason, s.nominatedNodeName, s.qosClass], ['', '', '', '']);
    assert.deepEqual(s.conditions.map((c) => c.type), ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']);
    const noHost = generatePodStatus({ pod: simple, previous: undefined, state: undefined, waiting: new Map(), probes: allReady, hostIP: '', now: 't' });
    assert.deepEqual(noHost.hostIPs, []);
  });

  it('carries message, reason, nominatedNodeName and qosClass over from the previous status', () => {
    const previous = PodStatus.fromPartial({ message: 'm', reason: 'r', nominatedNodeName: 'n2', qosClass: 'BestEffort' });
    const s = genFor(simple, st([rc('a', 'running')]), { previous });
    assert.deepEqual([s.message, s.reason, s.nominatedNodeName, s.qosClass], ['m', 'r', 'n2', 'BestEffort']);
  });
});

describe('kubelet generatePodStatus: not running, not ready', () => {
  const simple = Pod.fromPartial({ metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { restartPolicy: 'Always', containers: [{ name: 'a', image: 'nginx:1.22' }] } });
  const st = (containers: RuntimeContainer[]): PodRuntimeState => ({ uid: 'u', name: 'p', namespace: 'ns', sandboxes: [rc('POD', 'running', { ip: '10.1.0.2' })], containers });
  const genFor = (containers: RuntimeContainer[], o: { previous?: PodStatus; waiting?: Map<string, WaitingReason> } = {}) =>
    generatePodStatus({ pod: simple, previous: o.previous, state: st(containers), waiting: o.waiting ?? new Map(), probes: allReady, hostIP: '192.168.0.5', now: 't' });

  it('neither a container waiting to restart nor one created is ready or started', () => {
    const backoff = new Map([['a', { reason: 'CrashLoopBackOff', message: 'back-off' }]]);
    const waiting = genFor([rc('a', 'exited', { exitCode: 1 })], { waiting: backoff }).containerStatuses[0];
    assert.deepEqual([waiting.ready, waiting.started], [false, false]);
    const created = genFor([rc('a', 'created')]).containerStatuses[0];
    assert.deepEqual([created.ready, created.started], [false, false]);
  });

  it('lastState is the newest earlier run that terminated', () => {
    assert.deepEqual(genFor([rc('a', 'running'), rc('a', 'created')]).containerStatuses[0].lastState, {});
  });

  it('a pod that finished stays not ready even if its containers run again', () => {
    const previous = PodStatus.fromPartial({ phase: 'Succeeded' });
    const s = genFor([rc('a', 'running')], { previous });
    assert.equal(s.phase, 'Succeeded');
    const ready = s.conditions.find((c) => c.type === 'Ready')!;
    assert.deepEqual([ready.status, ready.reason], ['False', 'PodCompleted']);
  });
});
