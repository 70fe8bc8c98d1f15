import assert from 'node:assert/strict';
import type { Clientset } from '../../../../lib/client/clientset';
import { Pod, type PodSpec, type PodStatus } from '../../../../lib/gen/kite/core/v1/types';
import { FakeClock } from '../../../../lib/workqueue/fake-clock';
import type { EventRecorder } from '../../../../lib/events';
import { ImageManager } from '../../../../services/kubelet/images/image-manager';
import { CrashLoopBackoff } from '../../../../services/kubelet/pod-workers/crash-backoff';
import { PodSyncer } from '../../../../services/kubelet/pod-workers/pod-syncer';
import { RuntimeCache } from '../../../../services/kubelet/pod-workers/runtime-cache';
import { StatusManager } from '../../../../services/kubelet/pod-workers/status-manager';
import { ProbeManager } from '../../../../services/kubelet/probes/probe-manager';
import { FakeRuntime } from '../../../../services/kubelet/runtime/fake-runtime';

/** The pods part of a Clientset, recording what the kubelet writes. */
class FakePods {
  readonly statuses: PodStatus[] = [];
  readonly deletes: Array<{ name: string; opts: unknown }> = [];
  private rv = 10;
  async updateStatus(pod: Pod): Promise<Pod> {
    this.statuses.push(pod.status!);
    return { ...pod, metadata: { ...pod.metadata!, resourceVersion: String(++this.rv) } };
  }
  async get(): Promise<Pod> {
    throw new Error('not used');
  }
  async delete(name: string, opts: unknown): Promise<Pod> {
    this.deletes.push({ name, opts });
    return Pod.fromPartial({});
  }
}

type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

function newPod(containers: DeepPartial<PodSpec>, meta: Record<string, unknown> = {}): Pod {
  return Pod.fromPartial({
    metadata: { name: 'web', namespace: 'default', uid: 'uid-1', resourceVersion: '5', ...meta },
    spec: { nodeName: 'n1', restartPolicy: 'Always', terminationGracePeriodSeconds: 30, ...containers },
    status: { phase: 'Pending' },
  });
}

describe('kubelet PodSyncer (FakeRuntime)', () => {
  let runtime: FakeRuntime;
  let pods: FakePods;
  let status: StatusManager;
  let events: string[];
  let now: number;
  let syncer: PodSyncer;
  let probes: ProbeManager;
  let cache: RuntimeCache;

  const recorder: EventRecorder = { event: (_o, type, reason, message) => events.push(`${reason}: ${message}`) };

  function makeSyncer(): PodSyncer {
    const client = { pods } as unknown as Pick<Clientset, 'pods'>;
    status = new StatusManager(client);
    probes = new ProbeManager({ prober: { probe: async () => ({ success: true, message: '' }) }, recorder, clock: new FakeClock(), onChange: () => undefined });
    return new PodSyncer({
      runtime,
      cache: (cache = new RuntimeCache(runtime)),
      client,
      status,
      probes,
      images: new ImageManager(runtime, recorder, { initialMs: 10_000, maxMs: 60_000 }, () => now),
      crashLoop: new CrashLoopBackoff({ initialMs: 10_000, maxMs: 60_000, resetAfterMs: 600_000 }, () => now),
      recorder,
      node: { name: 'n1', hostIP: () => '192.168.0.10', allocatable: () => ({ cpu: '2', memory: '4Gi' }), podNetwork: () => 'pods' },
    });
  }

  async function lastStatus(): Promise<PodStatus> {
    await status.flush();
    return pods.statuses.at(-1)!;
  }

  beforeEach(async () => {
    runtime = new FakeRuntime(['nginx:1.22', 'kite/pause:3.9']);
    await runtime.ensurePodNetwork('pods', '10.244.1.0/24');
    pods = new FakePods();
    events = [];
    now = Date.parse('2024-01-01T01:00:00Z');
    syncer = makeSyncer();
  });

  afterEach(() => probes.stop());

  it('starts a new pod: sandbox, then the container with resolved env; reports Running with the pod IP', async () => {
    const pod = newPod({
      containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent', env: [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }],
    });
    await syncer.sync('uid-1', pod);
    assert.deepEqual(
      runtime.calls.map((c) => c.method).filter((m) => m !== 'listPodContainers'),
      // Then the pod's two containers are read again for its status.
      ['ensurePodNetwork', 'runPodSandbox', 'imageExists', 'createContainer', 'startContainer', 'inspectContainer', 'inspectContainer'],
    );
    const [created] = runtime.createOptions.values();
    assert.deepEqual(created.options, { env: [{ name: 'IP', value: '10.244.1.2' }], restartCount: 0 });
    const s = await lastStatus();
    assert.equal(s.phase, 'Running');
    assert.equal(s.podIP, '10.244.1.2');
    assert.equal(s.hostIP, '192.168.0.10');
    assert.equal(s.conditions.find((c) => c.type === 'Ready')?.status, 'True');
    assert.deepEqual(events, ['Pulled: Container image "nginx:1.22" already present on machine', 'Created: Created container nginx', 'Started: Started container nginx']);
  });

  it('starts a pod it has never seen without waiting for a runtime listing, once one listing is done', async () => {
    await cache.fresh();
    runtime.calls.length = 0;
    await syncer.sync('uid-1', newPod({ containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent' }] }));
    assert.equal(runtime.calls[0].method, 'runPodSandbox');
  });

  it('adopts what a previous kubelet started: no sandbox or container created, same container reported', async () => {
    const pod = newPod({ containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent' }] });
    await syncer.sync('uid-1', pod);
    const [containerId] = runtime.createOptions.keys();
    runtime.calls.length = 0;
    // A new kubelet: fresh syncer, same runtime.
    syncer = makeSyncer();
    await syncer.sync('uid-1', pod);
    assert.deepEqual(runtime.calls.map((c) => c.method), ['listPodContainers']);
    assert.equal((await lastStatus()).containerStatuses[0].containerID, `docker://${containerId}`);
  });

  it('restarts a crashed container at once, then backs off with CrashLoopBackOff', async () => {
    const pod = newPod({ containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent' }] });
    await syncer.sync('uid-1', pod);
    const crash = () => {
      const current = runtime.podContainers('uid-1')[0];
      runtime.exit(current.id, 1);
      now = Date.parse(runtime.podContainers('uid-1')[0].finishedAt!);
    };
    crash();
    assert.equal(await syncer.sync('uid-1', pod), undefined);
    assert.equal(runtime.podContainers('uid-1')[0].restartCount, 1, 'first restart is immediate');
    crash();
    now += 1_000;
    const retry = await syncer.sync('uid-1', pod);
    assert.equal(retry, 9_000, 'the next sync comes when the 10 s backoff ends');
    assert.equal(runtime.podContainers('uid-1')[0].restartCount, 1, 'no restart during the backoff');
    const cs = (await lastStatus()).containerStatuses[0];
    assert.equal(cs.state?.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(cs.lastState?.terminated?.exitCode, 1);
    assert.equal(cs.restartCount, 1);
    assert.ok(events.includes('BackOff: Back-off restarting failed container nginx in pod web_default(uid-1)'));
    now += 9_000;
    await syncer.sync('uid-1', pod);
    assert.equal(runtime.podContainers('uid-1')[0].restartCount, 2);
    assert.equal(runtime.podContainers('uid-1').length, 2, 'only the newest dead instance is kept');
  });

  it('reports ErrImagePull with the engine message, then ImagePullBackOff until the backoff ends', async () => {
    runtime.pullFailures.set('kite/missing:1', 'pull access denied for kite/missing');
    const pod = newPod({ containers: [{ name: 'c', image: 'kite/missing:1', imagePullPolicy: 'IfNotPresent' }] });
    assert.equal(await syncer.sync('uid-1', pod), 1_000, 'a sync soon turns ErrImagePull into ImagePullBackOff');
    let w = (await lastStatus()).containerStatuses[0].state?.waiting;
    assert.equal(w?.reason, 'ErrImagePull');
    assert.match(w!.message, /pull access denied for kite\/missing/);
    now += 3_000;
    assert.equal(await syncer.sync('uid-1', pod), 7_000);
    w = (await lastStatus()).containerStatuses[0].state?.waiting;
    assert.equal(w?.reason, 'ImagePullBackOff');
    assert.equal(runtime.callsOf('pullImage').length, 1, 'no pull during the backoff');
    now += 7_000;
    assert.equal(await syncer.sync('uid-1', pod), 1_000, 'pulled again, failed again');
    now += 1_000;
    assert.equal(await syncer.sync('uid-1', pod), 19_000, 'backoff doubled');
  });

  it('terminates a deleted pod within its grace period, removes everything, then deletes it with its uid', async () => {
    const pod = newPod({ containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent' }] });
    await syncer.sync('uid-1', pod);
    const deleting = Pod.fromPartial({ ...pod, metadata: { ...pod.metadata!, deletionTimestamp: '2024-01-01T00:00:30Z', deletionGracePeriodSeconds: 7 } });
    runtime.calls.length = 0;
    await syncer.sync('uid-1', deleting);
    const methods = runtime.calls.map((c) => c.method);
    assert.deepEqual(runtime.callsOf('stopContainer').map((a) => a[1]), [7]);
    assert.ok(methods.indexOf('stopPodSandbox') > methods.indexOf('stopContainer'));
    assert.deepEqual(methods.slice(-3), ['removeContainer', 'removePodSandbox', 'removePodVolumes']);
    assert.equal(runtime.containers.size, 0);
    assert.deepEqual(pods.deletes, [{ name: 'web', opts: { namespace: 'default', gracePeriodSeconds: 0, preconditions: { uid: 'uid-1' } } }]);
    await syncer.sync('uid-1', deleting);
    assert.equal(pods.deletes.length, 1, 'deleted once');
  });

  it('removes the containers of a pod that no longer exists, with the grace period on their labels', async () => {
    const pod = newPod({ containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent' }] }, {});
    pod.spec!.terminationGracePeriodSeconds = 12;
    await syncer.sync('uid-1', pod);
    syncer = makeSyncer();
    await syncer.sync('uid-1', undefined);
    assert.deepEqual(runtime.callsOf('stopContainer').map((a) => a[1]), [12]);
    assert.equal(runtime.containers.size, 0);
    assert.equal(pods.deletes.length, 0, 'nothing to delete in the API');
  });

  it('does not touch a finished pod except to stop its sandbox', async () => {
    const pod = newPod({ restartPolicy: 'Never', containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent' }] });
    await syncer.sync('uid-1', pod);
    runtime.exit(runtime.podContainers('uid-1')[0].id, 0);
    await syncer.sync('uid-1', pod);
    assert.equal((await lastStatus()).phase, 'Succeeded');
    const sandbox = [...runtime.containers.values()].find((c) => c.sandbox)!;
    assert.equal(sandbox.state, 'exited');
    runtime.calls.length = 0;
    await syncer.sync('uid-1', pod);
    assert.deepEqual(runtime.calls.map((c) => c.method), ['listPodContainers']);
  });
});
