import assert from 'node:assert/strict';
import { Container, Pod } from '../../../../lib/gen/kite/core/v1/types';
import { computePodActions, type PodActions, shouldRestart } from '../../../../services/kubelet/pod-workers/pod-actions';
import { containerHash } from '../../../../services/kubelet/runtime/container-hash';
import type { ContainerStateName, PodRuntimeState, RuntimeContainer } from '../../../../services/kubelet/runtime/types';

const app = Container.fromPartial({ name: 'app', image: 'nginx:1.22' });
const side = Container.fromPartial({ name: 'side', image: 'busybox:1' });

function pod(restartPolicy = 'Always', extra: { init?: Container[]; deleting?: boolean } = {}): Pod {
  return Pod.fromPartial({
    metadata: { name: 'p', namespace: 'ns', uid: 'u', deletionTimestamp: extra.deleting ? '2024-01-01T00:00:00Z' : '' },
    spec: { restartPolicy, containers: [app, side], initContainers: extra.init ?? [] },
  });
}

let seq = 0;
function rc(name: string, state: ContainerStateName, opts: Partial<RuntimeContainer> = {}): RuntimeContainer {
  const spec = [app, side].find((c) => c.name === name);
  return {
    id: `${name}-${seq++}`,
    name,
    sandbox: name === 'POD',
    podUid: 'u',
    podName: 'p',
    podNamespace: 'ns',
    image: 'x',
    imageId: '',
    hash: spec ? containerHash(spec) : '',
    restartCount: 0,
    state,
    createdAt: '2024-01-01T00:00:00Z',
    oomKilled: false,
    exitCode: state === 'exited' ? 0 : undefined,
    ip: name === 'POD' ? '10.0.0.2' : undefined,
    ...opts,
  };
}

function state(sandboxes: RuntimeContainer[], containers: RuntimeContainer[]): PodRuntimeState {
  return { uid: 'u', name: 'p', namespace: 'ns', sandboxes, containers };
}

const noVerdict = () => undefined;

function summary(a: PodActions) {
  return {
    killPod: a.killPod,
    createSandbox: a.createSandbox,
    attempt: a.sandboxAttempt,
    kill: a.toKill.map((k) => `${k.container.name}:${k.reason}`),
    start: a.toStart.map((s) => `${s.container.name}#${s.restartCount}`),
  };
}

describe('kubelet computePodActions', () => {
  it('creates the sandbox and starts every container of a new pod, in order', () => {
    assert.deepEqual(summary(computePodActions(pod(), undefined, noVerdict)), {
      killPod: true, createSandbox: true, attempt: 0, kill: [], start: ['app#0', 'side#0'],
    });
  });

  it('adopts a running pod whose containers match the spec: nothing to do', () => {
    const s = state([rc('POD', 'running')], [rc('app', 'running'), rc('side', 'running')]);
    const a = computePodActions(pod(), s, noVerdict);
    assert.deepEqual(summary(a), { killPod: false, createSandbox: false, attempt: 0, kill: [], start: [] });
    assert.equal(a.sandbox?.id, s.sandboxes[0].id);
  });

  it('replaces a running container whose spec changed (hash differs)', () => {
    const s = state([rc('POD', 'running')], [rc('app', 'running', { hash: 'old', restartCount: 2 }), rc('side', 'running')]);
    const a = computePodActions(pod(), s, noVerdict);
    assert.deepEqual(summary(a).kill, ['app:SpecChanged']);
    assert.deepEqual(summary(a).start, ['app#3']);
    assert.equal(a.toKill[0].message, 'Container app definition changed, will be restarted');
  });

  it('kills and restarts a container that failed its liveness probe', () => {
    const live = rc('app', 'running');
    const s = state([rc('POD', 'running')], [live, rc('side', 'running')]);
    const a = computePodActions(pod(), s, (id) => (id === live.id ? 'LivenessProbe' : undefined));
    assert.deepEqual(summary(a).kill, ['app:LivenessProbe']);
    assert.deepEqual(summary(a).start, ['app#1']);
    assert.equal(a.toKill[0].message, 'Container app failed liveness probe, will be restarted');
  });

  it('kills a container that failed its startup probe, restarting it unless the policy is Never', () => {
    const starting = rc('app', 'running', { restartCount: 1 });
    const s = state([rc('POD', 'running')], [starting, rc('side', 'running')]);
    const verdict = (id: string) => (id === starting.id ? ('StartupProbe' as const) : undefined);
    const a = computePodActions(pod(), s, verdict);
    assert.deepEqual(summary(a), { killPod: false, createSandbox: false, attempt: 0, kill: ['app:StartupProbe'], start: ['app#2'] });
    assert.equal(a.toKill[0].message, 'Container app failed startup probe, will be restarted');
    const never = computePodActions(pod('Never'), s, verdict);
    assert.deepEqual(summary(never).kill, ['app:StartupProbe']);
    assert.deepEqual(summary(never).start, []);
    assert.equal(never.toKill[0].message, 'Container app failed startup probe');
  });

  it('replaces a running sandbox that lost its IP (unless the pod uses the host network)', () => {
    const s = state([rc('POD', 'running', { ip: undefined, restartCount: 3 })], [rc('app', 'running'), rc('side', 'running')]);
    assert.deepEqual(summary(computePodActions(pod(), s, noVerdict)), {
      killPod: true, createSandbox: true, attempt: 4, kill: [], start: ['app#1', 'side#1'],
    });
    const host = Pod.fromPartial({ ...pod(), spec: { ...pod().spec!, hostNetwork: true } });
    assert.deepEqual(summary(computePodActions(host, s, noVerdict)), { killPod: false, createSandbox: false, attempt: 3, kill: [], start: [] });
  });

  it('replaces the sandbox when more than one is running', () => {
    const s = state([rc('POD', 'running', { restartCount: 1 }), rc('POD', 'running')], [rc('app', 'running'), rc('side', 'running')]);
    const a = computePodActions(pod(), s, noVerdict);
    assert.equal(a.createSandbox, true);
    assert.equal(a.sandboxAttempt, 2);
  });

  it('follows the restart policy for exited containers', () => {
    const exited = (code: number) => state([rc('POD', 'running')], [rc('app', 'exited', { exitCode: code, restartCount: 4 }), rc('side', 'running')]);
    assert.deepEqual(summary(computePodActions(pod('Always'), exited(0), noVerdict)).start, ['app#5']);
    assert.deepEqual(summary(computePodActions(pod('OnFailure'), exited(1), noVerdict)).start, ['app#5']);
    assert.deepEqual(summary(computePodActions(pod('OnFailure'), exited(0), noVerdict)).start, []);
    assert.deepEqual(summary(computePodActions(pod('Never'), exited(1), noVerdict)).start, []);
    const a = computePodActions(pod('Always'), exited(1), noVerdict);
    assert.equal(a.toStart[0].previous?.state, 'exited', 'the dead instance decides the backoff');
    assert.deepEqual(summary(a).kill, [], 'an exited container has nothing left to kill');
  });

  it('stops the sandbox once every container finished and none will restart', () => {
    const s = state([rc('POD', 'running')], [rc('app', 'exited', { exitCode: 0 }), rc('side', 'exited', { exitCode: 1 })]);
    assert.deepEqual(summary(computePodActions(pod('Never'), s, noVerdict)), { killPod: true, createSandbox: false, attempt: 0, kill: [], start: [] });
  });

  it('recreates a dead sandbox with the next attempt and restarts the containers in it', () => {
    const s = state([rc('POD', 'exited', { restartCount: 1 })], [rc('app', 'exited', { exitCode: 137, restartCount: 2 }), rc('side', 'running')]);
    assert.deepEqual(summary(computePodActions(pod(), s, noVerdict)), {
      killPod: true, createSandbox: true, attempt: 2, kill: [], start: ['app#3', 'side#1'],
    });
    // OnFailure: succeeded containers stay done.
    const done = state([rc('POD', 'exited')], [rc('app', 'exited', { exitCode: 0 }), rc('side', 'exited', { exitCode: 1 })]);
    assert.deepEqual(summary(computePodActions(pod('OnFailure'), done, noVerdict)).start, ['side#1']);
    // Never: the pod has run; no new sandbox.
    assert.equal(computePodActions(pod('Never'), done, noVerdict).createSandbox, false);
  });

  it('replaces a container that was created but never started', () => {
    const s = state([rc('POD', 'running')], [rc('app', 'created', { restartCount: 1 }), rc('side', 'running')]);
    const a = computePodActions(pod(), s, noVerdict);
    assert.deepEqual(summary(a).kill, ['app:NotStarted']);
    assert.deepEqual(summary(a).start, ['app#2']);
    assert.equal(a.toKill[0].message, 'Container app was never started');
  });

  it('runs init containers one at a time before the app containers', () => {
    const init1 = Container.fromPartial({ name: 'i1', image: 'busybox:1' });
    const init2 = Container.fromPartial({ name: 'i2', image: 'busybox:1' });
    const p = pod('Always', { init: [init1, init2] });
    assert.deepEqual(summary(computePodActions(p, undefined, noVerdict)).start, ['i1#0']);
    const sandbox = rc('POD', 'running');
    assert.deepEqual(summary(computePodActions(p, state([sandbox], [rc('i1', 'running')]), noVerdict)).start, []);
    assert.deepEqual(summary(computePodActions(p, state([sandbox], [rc('i1', 'exited', { exitCode: 0 })]), noVerdict)).start, ['i2#0']);
    assert.deepEqual(summary(computePodActions(p, state([sandbox], [rc('i2', 'exited', { exitCode: 1 }), rc('i1', 'exited')]), noVerdict)).start, ['i2#1']);
    assert.deepEqual(summary(computePodActions(p, state([sandbox], [rc('i2', 'exited'), rc('i1', 'exited')]), noVerdict)).start, ['app#0', 'side#0']);
    const never = pod('Never', { init: [init1] });
    assert.deepEqual(summary(computePodActions(never, state([sandbox], [rc('i1', 'exited', { exitCode: 1 })]), noVerdict)), {
      killPod: true, createSandbox: false, attempt: 0, kill: [], start: [],
    });
  });
});


describe('kubelet computePodActions: what Kubernetes restarts', () => {
  const sandbox = () => rc('POD', 'running');
  const init1 = Container.fromPartial({ name: 'i1', image: 'busybox:1' });
  const init2 = Container.fromPartial({ name: 'i2', image: 'busybox:1' });
  const noSpec = Pod.fromPartial({ metadata: { name: 'p', namespace: 'ns', uid: 'u' } });

  it('shouldRestart: a deleted pod restarts nothing', () => {
    assert.equal(shouldRestart(pod('Always', { deleting: true }), rc('app', 'exited', { exitCode: 1 })), false);
    assert.equal(shouldRestart(pod('Always', { deleting: true }), undefined), false);
  });

  it('shouldRestart: a container never started, created or in an unknown state starts whatever the policy', () => {
    for (const policy of ['Always', 'OnFailure', 'Never']) {
      assert.equal(shouldRestart(pod(policy), undefined), true, policy);
      assert.equal(shouldRestart(pod(policy), rc('app', 'created')), true, policy);
      assert.equal(shouldRestart(pod(policy), rc('app', 'unknown')), true, policy);
    }
  });

  it('shouldRestart: a running container is not restarted', () => {
    assert.equal(shouldRestart(pod('Always'), rc('app', 'running')), false);
  });

  it('shouldRestart: an empty restartPolicy (or no spec) means Always', () => {
    assert.equal(shouldRestart(pod(''), rc('app', 'exited', { exitCode: 0 })), true);
    assert.equal(shouldRestart(noSpec, rc('app', 'exited', { exitCode: 0 })), true);
  });

  it('looks at the newest instance of each container only', () => {
    // the runtime lists newest first: a running instance and the exited one it replaced
    const s = state([sandbox()], [rc('app', 'running'), rc('app', 'exited', { exitCode: 1 }), rc('side', 'running')]);
    assert.deepEqual(summary(computePodActions(pod(), s, noVerdict)), { killPod: false, createSandbox: false, attempt: 0, kill: [], start: [] });
  });

  it('keeps a running sandbox beside older exited ones', () => {
    const s = state([rc('POD', 'running', { restartCount: 1 }), rc('POD', 'exited')], [rc('app', 'running'), rc('side', 'running')]);
    assert.deepEqual(summary(computePodActions(pod(), s, noVerdict)), { killPod: false, createSandbox: false, attempt: 1, kill: [], start: [] });
  });

  it('starts the containers of a pod without init containers into a kept sandbox', () => {
    const a = computePodActions(pod(), state([sandbox()], []), noVerdict);
    assert.deepEqual(summary(a), { killPod: false, createSandbox: false, attempt: 0, kill: [], start: ['app#0', 'side#0'] });
    assert.deepEqual(a.toStart.map((s) => s.init), [false, false]);
  });

  it('a pod without a spec has nothing to start', () => {
    const a = computePodActions(noSpec, state([sandbox()], []), noVerdict);
    assert.deepEqual(summary(a), { killPod: true, createSandbox: false, attempt: 0, kill: [], start: [] });
  });

  it('a new sandbox starts the first init container, flagged as init', () => {
    const a = computePodActions(pod('Always', { init: [init1, init2] }), undefined, noVerdict);
    assert.deepEqual(a.toStart.map((s) => [s.container.name, s.init]), [['i1', true]]);
  });

  it('a dead sandbox of a Never pod whose containers never ran is created again', () => {
    const s = state([rc('POD', 'exited')], []);
    assert.deepEqual(summary(computePodActions(pod('Never'), s, noVerdict)), {
      killPod: true, createSandbox: true, attempt: 1, kill: [], start: ['app#0', 'side#0'],
    });
  });

  it('a Never pod without any sandbox yet gets its first one even if containers are listed', () => {
    const s = state([], [rc('app', 'exited', { exitCode: 1 })]);
    assert.deepEqual(summary(computePodActions(pod('Never'), s, noVerdict)), {
      killPod: true, createSandbox: true, attempt: 0, kill: [], start: ['app#1', 'side#0'],
    });
  });

  it('a dead sandbox restarts succeeded containers of an Always pod', () => {
    const s = state([rc('POD', 'exited')], [rc('app', 'exited', { exitCode: 0 })]);
    const a = computePodActions(pod('Always'), s, noVerdict);
    assert.deepEqual(summary(a).start, ['app#1', 'side#0']);
    assert.deepEqual(a.toStart.map((t) => t.init), [false, false]);
  });

  it('no sandbox is created for an OnFailure pod whose containers all succeeded', () => {
    const s = state([rc('POD', 'exited')], [rc('app', 'exited', { exitCode: 0 }), rc('side', 'exited', { exitCode: 0 })]);
    assert.deepEqual(summary(computePodActions(pod('OnFailure'), s, noVerdict)), { killPod: true, createSandbox: false, attempt: 1, kill: [], start: [] });
  });

  it('an OnFailure pod on a dead sandbox starts the containers that never ran', () => {
    const s = state([rc('POD', 'exited')], [rc('app', 'exited', { exitCode: 0 })]);
    assert.deepEqual(summary(computePodActions(pod('OnFailure'), s, noVerdict)).start, ['side#0']);
  });

  it('keeps a running container the runtime reports without a hash', () => {
    const s = state([sandbox()], [rc('app', 'running', { hash: '' }), rc('side', 'running')]);
    assert.deepEqual(summary(computePodActions(pod(), s, noVerdict)).kill, []);
  });

  it('keeps the sandbox while a container still runs', () => {
    const s = state([sandbox()], [rc('app', 'running'), rc('side', 'exited', { exitCode: 1 })]);
    assert.deepEqual(summary(computePodActions(pod('Never'), s, noVerdict)), { killPod: false, createSandbox: false, attempt: 0, kill: [], start: [] });
  });

  it('restarted app containers are not flagged as init', () => {
    const s = state([sandbox()], [rc('app', 'exited', { exitCode: 1 }), rc('side', 'running', { hash: 'old' })]);
    const a = computePodActions(pod(), s, noVerdict);
    assert.deepEqual(a.toStart.map((t) => [t.container.name, t.init]), [['app', false], ['side', false]]);
  });

  it('init containers: a failed one is started again without a kill, flagged as init', () => {
    const p = pod('Always', { init: [init1] });
    const a = computePodActions(p, state([sandbox()], [rc('i1', 'exited', { exitCode: 1 })]), noVerdict);
    assert.deepEqual(summary(a), { killPod: false, createSandbox: false, attempt: 0, kill: [], start: ['i1#1'] });
    assert.equal(a.toStart[0].init, true);
  });

  it('init containers: one created but never started is killed and started again', () => {
    const p = pod('Always', { init: [init1, init2] });
    const a = computePodActions(p, state([sandbox()], [rc('i1', 'created')]), noVerdict);
    assert.deepEqual(summary(a), { killPod: false, createSandbox: false, attempt: 0, kill: ['i1:NotStarted'], start: ['i1#1'] });
    assert.equal(a.toKill[0].message, 'Container i1 was never started');
  });

  it('init containers: one in an unknown state has failed (a Never pod is over)', () => {
    const p = pod('Never', { init: [init1] });
    assert.equal(computePodActions(p, state([sandbox()], [rc('i1', 'unknown')]), noVerdict).killPod, true);
  });

  it('init containers: a Never pod goes on to the next one after a success', () => {
    const p = pod('Never', { init: [init1, init2] });
    const a = computePodActions(p, state([sandbox()], [rc('i1', 'exited', { exitCode: 0 })]), noVerdict);
    assert.deepEqual(summary(a), { killPod: false, createSandbox: false, attempt: 0, kill: [], start: ['i2#0'] });
  });

  it('init containers: none seen yet in a kept sandbox starts the first', () => {
    const p = pod('Always', { init: [init1, init2] });
    assert.deepEqual(summary(computePodActions(p, state([sandbox()], []), noVerdict)).start, ['i1#0']);
  });

  it('init containers: done once any app container exists (their records may be gone)', () => {
    const p = pod('Always', { init: [init1] });
    assert.deepEqual(summary(computePodActions(p, state([sandbox()], [rc('side', 'running')]), noVerdict)).start, ['app#0']);
  });
});

describe('kubelet computePodActions: sidecars (init containers with restartPolicy Always)', () => {
  const sandbox = () => rc('POD', 'running');
  const proxy = Container.fromPartial({ name: 'proxy', image: 'busybox:1', restartPolicy: 'Always' });
  const init = Container.fromPartial({ name: 'i1', image: 'busybox:1' });

  it('starts the next init container once the sidecar has started, not before', () => {
    const p = pod('Always', { init: [proxy, init] });
    const s = state([sandbox()], [rc('proxy', 'running')]);
    assert.deepEqual(summary(computePodActions(p, s, noVerdict, () => false)).start, [], 'its startup probe has not passed');
    assert.deepEqual(summary(computePodActions(p, s, noVerdict, () => true)).start, ['i1#0']);
  });

  it('restarts an exited sidecar under restartPolicy Never, beside the running app containers', () => {
    const p = pod('Never', { init: [proxy] });
    const s = state([sandbox()], [rc('proxy', 'exited', { exitCode: 1 }), rc('app', 'running'), rc('side', 'running')]);
    const a = computePodActions(p, s, noVerdict);
    assert.deepEqual(summary(a), { killPod: false, createSandbox: false, attempt: 0, kill: [], start: ['proxy#1'] });
    assert.equal(a.toStart[0].init, true);
  });

  it('restarts a sidecar whose liveness probe failed', () => {
    const p = pod('Never', { init: [proxy] });
    const dead = rc('proxy', 'running');
    const a = computePodActions(p, state([sandbox()], [dead, rc('app', 'running'), rc('side', 'running')]), (id) => (id === dead.id ? 'LivenessProbe' : undefined));
    assert.deepEqual(summary(a).kill, ['proxy:LivenessProbe']);
    assert.equal(a.toKill[0].message, 'Container proxy failed liveness probe, will be restarted');
    assert.deepEqual(summary(a).start, ['proxy#1']);
  });

  it('kills the pod, sidecar included and not restarted, once every app container of a Never pod is done', () => {
    const p = pod('Never', { init: [proxy] });
    const s = state([sandbox()], [rc('proxy', 'exited', { exitCode: 1 }), rc('app', 'exited'), rc('side', 'exited', { exitCode: 3 })]);
    assert.deepEqual(summary(computePodActions(p, s, noVerdict)), { killPod: true, createSandbox: false, attempt: 0, kill: [], start: [] });
  });
});
