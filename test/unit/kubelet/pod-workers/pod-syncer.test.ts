import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clientset } from '../../../../lib/client/clientset';
import { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod, type PodSpec, type PodStatus } from '../../../../lib/gen/kite/core/v1/types';
import { FakeClock } from '../../../support/fake-clock';
import type { EventRecorder } from '../../../../lib/events';
import { ImageManager } from '../../../../services/kubelet/images/image-manager';
import { HookRunner } from '../../../../services/kubelet/lifecycle/hooks';
import { CrashLoopBackoff } from '../../../../services/kubelet/pod-workers/crash-backoff';
import { MIN_GRACE_AFTER_HOOK_SECONDS, PodSyncer } from '../../../../services/kubelet/pod-workers/pod-syncer';
import { PodWorkers } from '../../../../services/kubelet/pod-workers/pod-workers';
import { RuntimeCache } from '../../../../services/kubelet/pod-workers/runtime-cache';
import { StatusManager } from '../../../../services/kubelet/pod-workers/status-manager';
import { ProbeManager } from '../../../../services/kubelet/probes/probe-manager';
import { FakeRuntime } from '../../../../services/kubelet/runtime/fake-runtime';
import { DnsConfigurer } from '../../../../services/kubelet/network/dns';
import type { SandboxOptions } from '../../../../services/kubelet/runtime/types';
import { RuntimeError } from '../../../../services/kubelet/runtime/errors';

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
  /** The clock of lifecycle hooks (sleep handlers, preStop budgets). */
  let hookClock: FakeClock;
  /** The probe workers' clock, and what every probe answers. */
  let probeClock: FakeClock;
  let probesSucceed: boolean;
  /** The kubelet's root dir (pod volumes) and the ConfigMaps the API has. */
  let rootDir: string;
  let configMaps: Map<string, ConfigMap>;
  /** The PersistentVolumeClaims and PersistentVolumes the API has. */
  let claims: Map<string, PersistentVolumeClaim>;
  let volumes: Map<string, PersistentVolume>;

  const recorder: EventRecorder = { event: (_o, type, reason, message) => events.push(`${reason}: ${message}`) };

  function makeSyncer(): PodSyncer {
    const client = { pods } as unknown as Pick<Clientset, 'pods'>;
    status = new StatusManager(client);
    probes = new ProbeManager({ prober: { probe: async () => ({ success: probesSucceed, message: probesSucceed ? '' : 'HTTP probe failed with statuscode: 500' }) }, recorder, clock: probeClock, onChange: () => undefined });
    return new PodSyncer({
      runtime,
      cache: (cache = new RuntimeCache(runtime)),
      client,
      status,
      probes,
      images: new ImageManager(runtime, recorder, { initialMs: 10_000, maxMs: 60_000 }, () => now),
      crashLoop: new CrashLoopBackoff({ initialMs: 10_000, maxMs: 60_000, resetAfterMs: 600_000 }, () => now),
      recorder,
      rootDir,
      objects: { getConfigMap: async (ns, name) => configMaps.get(`${ns}/${name}`), getSecret: async () => undefined },
      claims: { getClaim: async (ns, name) => claims.get(`${ns}/${name}`), getVolume: async (name) => volumes.get(name) },
      node: { name: 'n1', hostIP: () => '192.168.0.10', allocatable: () => ({ cpu: '2', memory: '4Gi' }), podNetwork: () => 'pods' },
      hooks: new HookRunner(runtime, hookClock),
      dns: new DnsConfigurer({ clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', resolvConf: '', nodeName: 'n1', recorder }),
    });
  }

  /**
   * Lets pending promise chains and I/O run until `pred` holds (a hook's timer registered, a call
   * made). Bounded by time, not turns: a sync writes the pod's resolv.conf and hosts files to disk
   * first, which takes longer on a loaded machine.
   */
  async function until(what: string, pred: () => boolean): Promise<void> {
    for (const deadline = Date.now() + 10_000; !pred() && Date.now() < deadline; ) await new Promise((r) => setImmediate(r));
    assert.ok(pred(), what);
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
    hookClock = new FakeClock();
    probeClock = new FakeClock();
    probesSucceed = true;
    rootDir = mkdtempSync(join(tmpdir(), 'kite-syncer-'));
    configMaps = new Map();
    claims = new Map();
    volumes = new Map();
    syncer = makeSyncer();
  });

  afterEach(() => {
    probes.stop();
    rmSync(rootDir, { recursive: true, force: true });
  });

  it('starts a new pod: sandbox, then the container with resolved env; reports Running with the pod IP', async () => {
    const pod = newPod({
      containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent', env: [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }],
    });
    await syncer.sync('uid-1', pod);
    assert.deepEqual(
      runtime.calls.map((c) => c.method).filter((m) => m !== 'listPodContainers'),
      // Its environment needs the pod IP: the container is created once the sandbox runs. Then the
      // pod's two containers are read again for its status.
      ['ensurePodNetwork', 'createPodSandbox', 'startPodSandbox', 'imageExists', 'createContainer', 'startContainer', 'inspectContainer', 'inspectContainer'],
    );
    const [created] = runtime.createOptions.values();
    const hostsFile = join(rootDir, 'pods', 'uid-1', 'etc-hosts');
    assert.deepEqual(created.options, { env: [{ name: 'IP', value: '10.244.1.2' }], mounts: [{ hostPath: hostsFile, containerPath: '/etc/hosts' }], restartCount: 0 });
    // The sandbox gets the pod's resolver (ClusterFirst) and hostname; the container the kubelet's hosts file.
    const [, sandboxOptions] = runtime.callsOf('createPodSandbox')[0] as [Pod, SandboxOptions];
    assert.deepEqual(sandboxOptions.dns, { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] });
    assert.equal(sandboxOptions.hostname, 'web');
    assert.match(readFileSync(hostsFile, 'utf8'), /\n10\.244\.1\.2\tweb\n$/);
    const s = await lastStatus();
    assert.equal(s.phase, 'Running');
    assert.equal(s.podIP, '10.244.1.2');
    assert.equal(s.hostIP, '192.168.0.10');
    assert.equal(s.conditions.find((c) => c.type === 'Ready')?.status, 'True');
    assert.deepEqual(events, ['Pulled: Container image "nginx:1.22" already present on machine', 'Created: Created container nginx', 'Started: Started container nginx']);
  });

  it('creates the containers while the sandbox starts (unless their env needs the pod IP) and starts them in order once it runs, its hosts file holding the IP', async () => {
    let release!: () => void;
    runtime.sandboxStartGate = new Promise((r) => (release = r));
    const nginx = { image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent' };
    const pod = newPod({
      containers: [
        { name: 'web', ...nginx },
        { name: 'ip', ...nginx, env: [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] },
        { name: 'side', ...nginx },
      ],
    });
    const sync = syncer.sync('uid-1', pod);
    await until('two containers created while the sandbox starts', () => runtime.callsOf('createContainer').length === 2);
    const engine = () => runtime.calls.filter((c) => ['createPodSandbox', 'startPodSandbox', 'createContainer', 'startContainer'].includes(c.method));
    const names = () => engine().map((c) => (c.method === 'createContainer' ? `create ${(c.args[2] as { name: string }).name}` : c.method === 'startContainer' ? `start ${runtime.containers.get(c.args[0] as string)!.name}` : c.method));
    assert.deepEqual(names(), ['createPodSandbox', 'startPodSandbox', 'create web', 'create side']);
    const hostsFile = join(rootDir, 'pods', 'uid-1', 'etc-hosts');
    for (const { options } of runtime.createOptions.values()) assert.deepEqual(options.mounts, [{ hostPath: hostsFile, containerPath: '/etc/hosts' }]);

    release();
    await sync;
    assert.deepEqual(names(), ['createPodSandbox', 'startPodSandbox', 'create web', 'create side', 'start web', 'create ip', 'start ip', 'start side']);
    assert.match(readFileSync(hostsFile, 'utf8'), /\n10\.244\.1\.2\tweb\n$/);
    const ip = [...runtime.createOptions.values()].find((c) => c.container.name === 'ip')!;
    assert.deepEqual(ip.options.env, [{ name: 'IP', value: '10.244.1.2' }]);
    const s = await lastStatus();
    assert.equal(s.phase, 'Running');
    assert.equal(s.podIP, '10.244.1.2');
    assert.deepEqual(s.containerStatuses.map((c) => [c.name, !!c.state?.running]), [['web', true], ['ip', true], ['side', true]]);
  });

  it('removes the containers made for a sandbox that fails to start, reports FailedCreatePodSandBox, and starts the pod at the next sync', async () => {
    runtime.failNext.set('startPodSandbox', new RuntimeError('CreatePodSandboxError', 'starting the sandbox of pod default/web: network setup failed'));
    const pod = newPod({ containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent' }] });
    await assert.rejects(syncer.sync('uid-1', pod), /network setup failed/);
    assert.equal(runtime.containers.size, 0, 'neither the sandbox nor a container is left');
    assert.ok(events.includes('FailedCreatePodSandBox: Failed to create pod sandbox: starting the sandbox of pod default/web: network setup failed'), events.join('\n'));
    await syncer.sync('uid-1', pod);
    assert.equal((await lastStatus()).phase, 'Running');
  });

  it('gives the sandbox the FQDN as hostname with setHostnameAsFQDN, and creates none when the FQDN is over 64 characters', async () => {
    const container = { name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent' };
    await syncer.sync('uid-1', newPod({ hostname: 'db-0', subdomain: 'db', setHostnameAsFQDN: true, containers: [container] }));
    const [, options] = runtime.callsOf('createPodSandbox')[0] as [Pod, SandboxOptions];
    assert.equal(options.hostname, 'db-0.db.default.svc.cluster.local');

    const long = newPod({ hostname: 'h'.repeat(40), subdomain: 'db', setHostnameAsFQDN: true, containers: [container] }, { uid: 'uid-2', name: 'long' });
    events = [];
    await assert.rejects(syncer.sync('uid-2', long));
    const fqdn = `${'h'.repeat(40)}.db.default.svc.cluster.local`;
    assert.deepEqual(events, [`FailedCreatePodSandBox: Failed to create pod sandbox: failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (64 characters is the max, ${fqdn.length} characters requested)`]);
    assert.equal(runtime.callsOf('createPodSandbox').length, 1);
  });

  it('holds a pod whose configMap volume is missing in ContainerCreating with FailedMount, and starts it once the ConfigMap exists', async () => {
    const pod = newPod({
      volumes: [{ name: 'config', configMap: { name: 'app', items: [] } }],
      containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent', volumeMounts: [{ name: 'config', mountPath: '/etc/app' }] }],
    });
    assert.equal(await syncer.sync('uid-1', pod), 2_000);
    assert.deepEqual(runtime.calls.map((c) => c.method).filter((m) => m !== 'listPodContainers' && m !== 'ensurePodNetwork'), []);
    assert.deepEqual(events, ['FailedMount: MountVolume.SetUp failed for volume "config" : configmap "app" not found']);
    assert.equal((await lastStatus()).containerStatuses[0].state?.waiting?.reason, 'ContainerCreating');

    configMaps.set('default/app', ConfigMap.fromPartial({ metadata: { name: 'app', namespace: 'default' }, data: { 'app.conf': 'v1' } }));
    await syncer.sync('uid-1', pod);
    const [created] = runtime.createOptions.values();
    const dir = join(rootDir, 'pods', 'uid-1', 'volumes', 'kubernetes.io~configmap', 'config');
    assert.deepEqual(created.options.mounts, [
      { hostPath: dir, containerPath: '/etc/app', readOnly: true },
      { hostPath: join(rootDir, 'pods', 'uid-1', 'etc-hosts'), containerPath: '/etc/hosts' },
    ]);
    assert.equal(readFileSync(join(dir, 'app.conf'), 'utf8'), 'v1');
    assert.equal((await lastStatus()).phase, 'Running');

    configMaps.set('default/app', ConfigMap.fromPartial({ metadata: { name: 'app', namespace: 'default' }, data: { 'app.conf': 'v2' } }));
    await syncer.sync('uid-1', pod);
    assert.equal(readFileSync(join(dir, 'app.conf'), 'utf8'), 'v2', 'a resync refreshes the volume');
  });

  it("mounts a claim's PersistentVolume (hostPath, DirectoryOrCreate) once the claim is bound, read-only when the pod's volume says so", async () => {
    const pod = newPod({
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: false } },
        { name: 'seed', persistentVolumeClaim: { claimName: 'seed', readOnly: true } },
      ],
      containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent', volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'seed', mountPath: '/seed' }] }],
    });
    const claim = (name: string, volumeName = '') =>
      claims.set(
        `default/${name}`,
        PersistentVolumeClaim.fromPartial({ metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { volumeName }, status: { phase: volumeName ? 'Bound' : 'Pending' } }),
      );
    const volume = (name: string, claimName: string, path: string) =>
      volumes.set(name, PersistentVolume.fromPartial({ metadata: { name }, spec: { hostPath: { path, type: 'DirectoryOrCreate' }, claimRef: { namespace: 'default', name: claimName, uid: `uid-${claimName}` } } }));
    claim('data');
    claim('seed', 'pv-seed');
    const dataPath = join(rootDir, 'local-path-provisioner', 'pvc-data');
    const seedPath = join(rootDir, 'local-path-provisioner', 'pvc-seed');
    volume('pv-seed', 'seed', seedPath);
    assert.equal(await syncer.sync('uid-1', pod), 2_000);
    assert.deepEqual(events, ['FailedMount: MountVolume.SetUp failed for volume "data" : error processing PVC default/data: PVC is not bound']);
    assert.equal((await lastStatus()).containerStatuses[0].state?.waiting?.reason, 'ContainerCreating');
    assert.equal(runtime.callsOf('createContainer').length, 0);

    claim('data', 'pv-data');
    volume('pv-data', 'data', dataPath);
    await syncer.sync('uid-1', pod);
    const [created] = runtime.createOptions.values();
    assert.deepEqual(created.options.mounts?.slice(0, 2), [
      { hostPath: dataPath, containerPath: '/data', readOnly: false },
      { hostPath: seedPath, containerPath: '/seed', readOnly: true },
    ]);
    assert.ok(statSync(dataPath).isDirectory(), 'DirectoryOrCreate made the directory on the node');
    assert.equal((await lastStatus()).phase, 'Running');
  });

  it('starts a pod it has never seen without waiting for a runtime listing, once one listing is done', async () => {
    await cache.fresh();
    runtime.calls.length = 0;
    await syncer.sync('uid-1', newPod({ containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent' }] }));
    assert.equal(runtime.calls[0].method, 'createPodSandbox');
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

  describe('lifecycle hooks', () => {
    const deleting = (pod: Pod, grace: number) =>
      Pod.fromPartial({ ...pod, metadata: { ...pod.metadata!, deletionTimestamp: '2024-01-01T00:00:30Z', deletionGracePeriodSeconds: grace } });

    /** Runtime calls in order, sandbox noise left out: "exec:<command>" and "stop:<grace>". */
    const hookAndStopCalls = () =>
      runtime.calls
        .filter((c) => c.method === 'exec' || c.method === 'stopContainer')
        .map((c) => (c.method === 'exec' ? `exec:${(c.args[1] as string[]).join(' ')}` : `stop:${c.args[1]}`));

    it('runs preStop before the stop signal when a pod is deleted, within the deletion grace period', async () => {
      const pod = newPod({ containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent', lifecycle: { preStop: { exec: { command: ['nginx', '-s', 'quit'] } } } }] });
      await syncer.sync('uid-1', pod);
      const [id] = runtime.createOptions.keys();
      runtime.calls.length = 0;
      await syncer.sync('uid-1', deleting(pod, 7));
      assert.deepEqual(hookAndStopCalls(), ['exec:nginx -s quit', 'stop:7']);
      assert.equal(runtime.callsOf('exec')[0][0], id, 'the hook runs in the container being stopped');
      assert.equal(runtime.containers.size, 0);
      assert.ok(!events.some((e) => e.startsWith('FailedPreStopHook')));
    });

    it('subtracts the time a preStop sleep took from the grace period', async () => {
      const pod = newPod({ terminationGracePeriodSeconds: 10, containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent', lifecycle: { preStop: { sleep: { seconds: 3 } } } }] });
      await syncer.sync('uid-1', pod);
      const done = syncer.sync('uid-1', deleting(pod, 10));
      await until('the hook sleeps', () => hookClock.timerCount() > 0);
      hookClock.step(2_999);
      await new Promise((r) => setImmediate(r));
      assert.equal(runtime.callsOf('stopContainer').length, 0, 'no SIGTERM while the hook sleeps');
      hookClock.step(1);
      await done;
      assert.deepEqual(runtime.callsOf('stopContainer').map((a) => a[1]), [7], '10 s grace - 3 s of hook');
      assert.ok(events.includes('Killing: Stopping container nginx'));
    });

    it('abandons a preStop hook that outlasts the grace period and still gives the stop 2 s', async () => {
      const pod = newPod({ containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent', lifecycle: { preStop: { sleep: { seconds: 30 } } } }] });
      await syncer.sync('uid-1', pod);
      const done = syncer.sync('uid-1', deleting(pod, 4));
      await until('the hook sleeps', () => hookClock.timerCount() > 0);
      hookClock.step(4_000);
      await done;
      assert.deepEqual(runtime.callsOf('stopContainer').map((a) => a[1]), [MIN_GRACE_AFTER_HOOK_SECONDS]);
      assert.equal(hookClock.timerCount(), 0, 'the sleep was cancelled');
      assert.ok(!events.some((e) => e.startsWith('FailedPreStopHook')), 'abandoned is not failed');
    });

    it('reports a failed preStop hook (FailedPreStopHook) and stops the container anyway', async () => {
      runtime.execHandler = () => ({ exitCode: 3, stderr: 'no such pid\n' });
      const pod = newPod({ containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent', lifecycle: { preStop: { exec: { command: ['sh', '-c', 'kill -QUIT 1'] } } } }] });
      await syncer.sync('uid-1', pod);
      await syncer.sync('uid-1', deleting(pod, 30));
      assert.deepEqual(hookAndStopCalls(), ['exec:sh -c kill -QUIT 1', 'stop:30']);
      assert.ok(
        events.includes(
          'FailedPreStopHook: Exec lifecycle hook ([sh -c kill -QUIT 1]) for Container "nginx" in Pod "web_default(uid-1)" failed - error: command \'sh -c kill -QUIT 1\' exited with 3: no such pid\n, message: "no such pid\\n"',
        ),
        events.join('\n'),
      );
      assert.equal(runtime.containers.size, 0);
      assert.equal(pods.deletes.length, 1, 'the deletion completes');
    });

    it('runs preStop when a container is replaced (spec change), with the pod\'s grace period', async () => {
      runtime.addImage('nginx:1.23');
      const pod = newPod({ terminationGracePeriodSeconds: 20, containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent', lifecycle: { preStop: { exec: { command: ['drain'] } } } }] });
      await syncer.sync('uid-1', pod);
      const [oldId] = runtime.createOptions.keys();
      runtime.calls.length = 0;
      const updated = Pod.fromPartial({ ...pod, spec: { ...pod.spec!, containers: [{ ...pod.spec!.containers[0], image: 'nginx:1.23' }] } });
      await syncer.sync('uid-1', updated);
      assert.deepEqual(hookAndStopCalls(), ['exec:drain', 'stop:20']);
      assert.equal(runtime.callsOf('exec')[0][0], oldId);
      assert.ok(events.includes('Killing: Container nginx definition changed, will be restarted'));
      assert.equal(runtime.podContainers('uid-1')[0].state, 'running');
    });

    it('runs preStop when a liveness probe kills the container, within the probe\'s grace period', async () => {
      const pod = newPod({
        containers: [
          {
            name: 'nginx',
            image: 'nginx:1.22',
            imagePullPolicy: 'IfNotPresent',
            livenessProbe: { httpGet: { port: 80 }, periodSeconds: 1, failureThreshold: 1, terminationGracePeriodSeconds: 5 },
            lifecycle: { preStop: { sleep: { seconds: 2 } } },
          },
        ],
      });
      await syncer.sync('uid-1', pod);
      probesSucceed = false;
      probeClock.step(0);
      const [id] = runtime.createOptions.keys();
      await until('the liveness probe failed', () => probes.verdict(id) === 'LivenessProbe');
      const done = syncer.sync('uid-1', pod);
      await until('the hook sleeps', () => hookClock.timerCount() > 0);
      hookClock.step(2_000);
      await done;
      assert.deepEqual(runtime.callsOf('stopContainer').map((a) => a[1]), [3], 'the probe\'s 5 s - 2 s of hook');
      assert.ok(events.includes('Killing: Container nginx failed liveness probe, will be restarted'));
      assert.equal(runtime.podContainers('uid-1')[0].restartCount, 1);
    });

    it('runs the preStop hook kept in the container\'s label when the pod is gone from the API', async () => {
      const pod = newPod({ terminationGracePeriodSeconds: 12, containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent', lifecycle: { preStop: { exec: { command: ['drain'] } } } }] });
      await syncer.sync('uid-1', pod);
      syncer = makeSyncer();
      runtime.calls.length = 0;
      await syncer.sync('uid-1', undefined);
      assert.deepEqual(hookAndStopCalls(), ['exec:drain', 'stop:12']);
      assert.equal(runtime.containers.size, 0);
    });

    it('holds the container back from Running until postStart returns', async () => {
      const pod = newPod({ containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent', lifecycle: { postStart: { sleep: { seconds: 5 } } } }] });
      const done = syncer.sync('uid-1', pod);
      await until('the hook sleeps', () => hookClock.timerCount() > 0);
      await status.flush();
      const during = pods.statuses.at(-1)!.containerStatuses[0];
      assert.equal(during.state?.running, undefined);
      assert.equal(during.started, false);
      assert.equal(runtime.podContainers('uid-1')[0].state, 'running', 'the process itself runs');
      hookClock.step(5_000);
      await done;
      const after = (await lastStatus()).containerStatuses[0];
      assert.ok(after.state?.running, 'Running once the hook returned');
      assert.equal(after.ready, true);
      assert.deepEqual(events.slice(-2), ['Created: Created container nginx', 'Started: Started container nginx']);
    });

    it('kills a container whose postStart hook fails (FailedPostStartHook), then restarts it through the crash-loop backoff', async () => {
      runtime.execHandler = (_c, cmd) => ({ exitCode: cmd[0] === 'init' ? 1 : 0, stdout: 'not ready' });
      const pod = newPod({
        containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent', lifecycle: { postStart: { exec: { command: ['init'] } }, preStop: { exec: { command: ['drain'] } } } }],
      });
      await syncer.sync('uid-1', pod);
      assert.deepEqual(hookAndStopCalls(), ['exec:init', 'exec:drain', 'stop:30'], 'killed as Kubernetes kills: preStop, then the stop');
      const message = 'Exec lifecycle hook ([init]) for Container "nginx" in Pod "web_default(uid-1)" failed - error: command \'init\' exited with 1: not ready, message: "not ready"';
      assert.deepEqual(events.slice(-3), ['Started: Started container nginx', `FailedPostStartHook: ${message}`, 'Killing: FailedPostStartHook']);
      let cs = (await lastStatus()).containerStatuses[0];
      assert.deepEqual(cs.state?.waiting, { reason: 'PostStartHookError', message });
      assert.ok(cs.lastState?.terminated, 'the killed run is the last state');
      assert.equal(cs.ready, false);

      now = Date.parse(runtime.podContainers('uid-1')[0].finishedAt!);
      await syncer.sync('uid-1', pod);
      assert.equal(runtime.podContainers('uid-1')[0].restartCount, 1, 'the first restart is immediate');
      assert.equal(runtime.podContainers('uid-1')[0].state, 'exited', 'and fails its hook again');
      now = Date.parse(runtime.podContainers('uid-1')[0].finishedAt!) + 1_000;
      assert.equal(await syncer.sync('uid-1', pod), 9_000, 'then the 10 s backoff applies');
      cs = (await lastStatus()).containerStatuses[0];
      assert.equal(cs.state?.waiting?.reason, 'CrashLoopBackOff');
      assert.equal(cs.restartCount, 1);
    });

    it('lets a deletion abandon a postStart hook in flight', async () => {
      const pod = newPod({ containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent', lifecycle: { postStart: { sleep: { seconds: 3600 } } } }] });
      const done = syncer.sync('uid-1', pod);
      await until('the hook sleeps', () => hookClock.timerCount() > 0);
      syncer.podUpdated('uid-1', deleting(pod, 5));
      await done;
      assert.ok(!events.some((e) => e.startsWith('FailedPostStartHook')), events.join('\n'));
      assert.equal(runtime.callsOf('stopContainer').length, 0, 'stopping is the termination\'s job');
      await syncer.sync('uid-1', deleting(pod, 5));
      assert.equal(runtime.containers.size, 0);
    });

    it('never makes other pods wait for one pod\'s hook', async () => {
      const slow = newPod({ containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent', lifecycle: { preStop: { sleep: { seconds: 30 } } } }] });
      await syncer.sync('uid-1', slow);
      const workers = new PodWorkers(syncer.sync, { resyncPeriodMs: 60_000, errorBackoff: { initialMs: 1_000, maxMs: 1_000 }, clock: new FakeClock() });
      workers.update('uid-1', deleting(slow, 30));
      await until('the first pod\'s preStop sleeps', () => hookClock.timerCount() > 0);
      const other = newPod({ containers: [{ name: 'nginx', image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent' }] }, { name: 'other', uid: 'uid-2' });
      workers.update('uid-2', other);
      await until('the other pod runs', () => runtime.podContainers('uid-2')[0]?.state === 'running');
      assert.equal(runtime.podContainers('uid-1')[0].state, 'running', 'the first pod is still in its hook');
      hookClock.step(30_000);
      await until('the first pod is gone', () => runtime.podContainers('uid-1').length === 0);
      await workers.stop();
    });
  });

  describe('sidecar containers (init containers with restartPolicy Always)', () => {
    const image = { image: 'nginx:1.22', imagePullPolicy: 'IfNotPresent' };
    /** The names of the pod's containers that run, in creation order. */
    const running = () => runtime.podContainers('uid-1').filter((c) => c.state === 'running').map((c) => c.name).sort();
    const newest = (name: string) => runtime.podContainers('uid-1').find((c) => c.name === name)!;
    const sidecarPod = (restartPolicy: string, sidecar: Record<string, unknown> = {}) =>
      newPod({
        restartPolicy,
        initContainers: [{ name: 'setup', ...image }, { name: 'proxy', restartPolicy: 'Always', ...image, ...sidecar }, { name: 'migrate', ...image }],
        containers: [{ name: 'app', ...image }],
      });

    /** Runs the pod through its init containers until the app container runs. */
    async function startAll(pod: Pod): Promise<void> {
      await syncer.sync('uid-1', pod);
      runtime.exit(newest('setup').id, 0);
      await syncer.sync('uid-1', pod);
      await syncer.sync('uid-1', pod);
      runtime.exit(newest('migrate').id, 0);
      await syncer.sync('uid-1', pod);
    }

    it('starts init containers in order, the next one once the sidecar runs, and keeps the sidecar running beside the app', async () => {
      const pod = sidecarPod('Always');
      await syncer.sync('uid-1', pod);
      assert.deepEqual(running(), ['setup']);
      runtime.exit(newest('setup').id, 0);
      await syncer.sync('uid-1', pod);
      assert.deepEqual(running(), ['proxy'], 'the sidecar starts once setup succeeded');
      let s = await lastStatus();
      assert.equal(s.phase, 'Pending');
      assert.equal(s.conditions.find((c) => c.type === 'Initialized')?.message, 'containers with incomplete status: [migrate]');
      await syncer.sync('uid-1', pod);
      assert.deepEqual(running(), ['migrate', 'proxy'], 'the next init container does not wait for the sidecar to exit');
      runtime.exit(newest('migrate').id, 0);
      await syncer.sync('uid-1', pod);
      assert.deepEqual(running(), ['app', 'proxy']);
      s = await lastStatus();
      assert.equal(s.phase, 'Running');
      assert.deepEqual(s.conditions.filter((c) => c.type !== 'PodScheduled').map((c) => `${c.type}=${c.status}`), ['Initialized=True', 'ContainersReady=True', 'Ready=True']);
      const proxy = s.initContainerStatuses.find((x) => x.name === 'proxy')!;
      assert.deepEqual([proxy.started, proxy.ready, !!proxy.state?.running], [true, true, true]);
      assert.equal(newest('proxy').restartCount, 0, 'started once');
    });

    it('waits for a sidecar\'s startup probe before the next init container, and counts its readiness toward the pod\'s', async () => {
      const pod = sidecarPod('Always', { startupProbe: { exec: { command: ['ok'] }, periodSeconds: 1 }, readinessProbe: { exec: { command: ['ok'] }, periodSeconds: 1 } });
      await syncer.sync('uid-1', pod);
      runtime.exit(newest('setup').id, 0);
      await syncer.sync('uid-1', pod);
      await syncer.sync('uid-1', pod);
      assert.deepEqual(running(), ['proxy'], 'migrate waits for the startup probe');
      assert.equal((await lastStatus()).initContainerStatuses.find((x) => x.name === 'proxy')?.started, false);
      probeClock.step(0);
      await until('the startup probe passed', () => probes.started(newest('proxy').id));
      await syncer.sync('uid-1', pod);
      assert.deepEqual(running(), ['migrate', 'proxy']);
      runtime.exit(newest('migrate').id, 0);
      probesSucceed = false;
      await syncer.sync('uid-1', pod);
      assert.deepEqual(running(), ['app', 'proxy']);
      probeClock.step(1_000);
      await until('the readiness probe ran', () => !probes.ready(newest('proxy').id));
      await syncer.sync('uid-1', pod);
      const ready = (await lastStatus()).conditions.find((c) => c.type === 'Ready')!;
      assert.deepEqual([ready.status, ready.message], ['False', 'containers with unready status: [proxy]']);
    });

    it('restarts a sidecar that exits even under restartPolicy Never, through the crash-loop backoff', async () => {
      const pod = sidecarPod('Never');
      await startAll(pod);
      runtime.exit(newest('proxy').id, 1);
      now = Date.parse(newest('proxy').finishedAt!);
      await syncer.sync('uid-1', pod);
      assert.deepEqual(running(), ['app', 'proxy']);
      assert.equal(newest('proxy').restartCount, 1);
      runtime.exit(newest('proxy').id, 1);
      now = Date.parse(newest('proxy').finishedAt!) + 1_000;
      assert.equal(await syncer.sync('uid-1', pod), 9_000, 'backed off');
      const s = await lastStatus();
      assert.equal(s.phase, 'Running');
      assert.equal(s.initContainerStatuses.find((x) => x.name === 'proxy')?.state?.waiting?.reason, 'CrashLoopBackOff');
    });

    it('a Never pod whose app container exits 0 Succeeds while its sidecar runs, and the sidecar is stopped, not restarted', async () => {
      const pod = sidecarPod('Never');
      await startAll(pod);
      runtime.exit(newest('app').id, 0);
      runtime.calls.length = 0;
      await syncer.sync('uid-1', pod);
      assert.deepEqual(running(), []);
      assert.deepEqual(runtime.callsOf('stopContainer').map((a) => a[0]), [newest('proxy').id]);
      assert.equal(runtime.callsOf('createContainer').length, 0);
      assert.equal((await lastStatus()).phase, 'Succeeded');
      await syncer.sync('uid-1', pod);
      assert.equal(newest('proxy').restartCount, 0);
      assert.equal((await lastStatus()).phase, 'Succeeded');
    });

    it('an OnFailure pod whose app container fails restarts it, and the pod stays Running', async () => {
      const pod = sidecarPod('OnFailure');
      await startAll(pod);
      runtime.exit(newest('app').id, 2);
      await syncer.sync('uid-1', pod);
      assert.deepEqual(running(), ['app', 'proxy']);
      assert.equal((await lastStatus()).phase, 'Running');
    });

    it('stops the sidecars after the app containers, in reverse order, when the pod is deleted', async () => {
      const pod = newPod({
        initContainers: [{ name: 'log', restartPolicy: 'Always', ...image }, { name: 'mesh', restartPolicy: 'Always', ...image }],
        containers: [{ name: 'app', ...image }, { name: 'worker', ...image }],
      });
      for (let i = 0; i < 3; i++) await syncer.sync('uid-1', pod);
      assert.deepEqual(running(), ['app', 'log', 'mesh', 'worker']);
      const names = new Map(runtime.podContainers('uid-1').map((c) => [c.id, c.name]));
      const deleting = Pod.fromPartial({ ...pod, metadata: { ...pod.metadata!, deletionTimestamp: '2024-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 } });
      await syncer.sync('uid-1', deleting);
      const stops = runtime.callsOf('stopContainer').map((a) => names.get(a[0] as string));
      assert.deepEqual(stops.slice(0, 2).sort(), ['app', 'worker']);
      assert.deepEqual(stops.slice(2), ['mesh', 'log']);
    });
  });
});
