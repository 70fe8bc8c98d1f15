// The kubelet against a real apiserver and the real Docker Engine: node registration, nginx
// reaching Running and Ready and answering on its pod IP, env from the downward API, crash loops
// with growing backoff, restart policies and pod phases, image pull failures, graceful deletion.
import { strict as assert } from 'node:assert';
import { NODE_LEASE_NAMESPACE } from '../../../services/kubelet/status/node';
import { LABEL } from '../../../services/kubelet/runtime/labels';
import { IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { waitFor } from '../../support/wait';
import { condition, containerStatus, kubeletFixture, type KubeletFixture } from './kubelet-fixture';
import { readAll } from '../../support/streams';

const BUSYBOX = TEST_IMAGES.busybox;
const NGINX = TEST_IMAGES.nginx;

describe('kubelet on Docker', function () {
  this.timeout(60_000);
  let fx: KubeletFixture;

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    fx = await kubeletFixture('kl', { nodeLabels: { 'node-role.kubernetes.io/worker': '' }, systemReserved: { cpu: '100m', memory: '100Mi' } });
    await fx.startKubelet();
  });

  after(async () => {
    await fx?.cleanup();
  });

  it('registers its Node (labels, capacity, allocatable, addresses, endpoint) and renews its Lease', async () => {
    const node = await fx.client.nodes.get(fx.node);
    assert.equal(node.metadata!.labels['kubernetes.io/hostname'], fx.node);
    assert.equal(node.metadata!.labels['kubernetes.io/os'], 'linux');
    assert.equal(node.metadata!.labels['node-role.kubernetes.io/worker'], '');
    const s = node.status!;
    assert.equal(s.capacity.pods, '110');
    assert.match(s.capacity.memory, /^\d+Ki$/);
    // Allocatable is capacity minus system-reserved.
    const cpu = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);
    assert.equal(cpu(s.allocatable.cpu), cpu(s.capacity.cpu) - 100);
    assert.equal(Number(s.allocatable.memory.slice(0, -2)), Number(s.capacity.memory.slice(0, -2)) - 100 * 1024);
    assert.deepEqual(s.addresses, [
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: fx.node },
    ]);
    assert.equal(s.daemonEndpoints?.kubeletEndpoint?.Port, Number(fx.kubelet!.serverAddress!.split(':')[1]));
    assert.equal(s.conditions.find((c) => c.type === 'Ready')?.status, 'True');
    const lease = await fx.client.leases.get(fx.node, NODE_LEASE_NAMESPACE);
    assert.equal(lease.spec!.holderIdentity, fx.node);
    await waitFor('a lease renewal', async () => (await fx.client.leases.get(fx.node, NODE_LEASE_NAMESPACE)).spec!.renewTime !== lease.spec!.renewTime, 5_000);
  });

  it('runs nginx to Running and Ready; it answers HTTP on its pod IP; env comes from the downward API', async () => {
    await fx.createPod('web', [
      {
        name: 'nginx',
        image: NGINX,
        ports: [{ containerPort: 80, name: 'http' }],
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'GREETING', value: 'hello $(POD_NAME)' },
        ],
        readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
      },
    ]);
    const pod = await fx.waitForPod('web', 'Ready', (p) => condition(p, 'Ready') === 'True');
    const s = pod.status!;
    assert.equal(s.phase, 'Running');
    assert.equal(condition(pod, 'Initialized'), 'True');
    assert.equal(condition(pod, 'ContainersReady'), 'True');
    assert.equal(condition(pod, 'PodScheduled'), 'True');
    assert.equal(s.hostIP, '127.0.0.1');
    assert.ok(s.startTime);
    assert.deepEqual(s.podIPs, [{ ip: s.podIP }]);
    const cs = containerStatus(pod, 'nginx')!;
    assert.ok(cs.state?.running?.startedAt);
    assert.equal(cs.ready, true);
    assert.equal(cs.restartCount, 0);
    assert.match(cs.containerID, /^docker:\/\/[0-9a-f]{64}$/);

    const res = await fetch(`http://${s.podIP}/`, { signal: AbortSignal.timeout(3000) });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /nginx/i);

    const session = await fx.runtime.exec(cs.containerID.slice('docker://'.length), ['env']);
    const env = await readAll(session.stdout);
    assert.match(env, /^POD_NAME=web$/m);
    assert.match(env, new RegExp(`^POD_IP=${s.podIP.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(env, new RegExp(`^NODE=${fx.node}$`, 'm'));
    assert.match(env, /^GREETING=hello web$/m);

    const reasons = (await fx.events('web')).map((e) => e.reason);
    for (const r of ['Pulled', 'Created', 'Started']) assert.ok(reasons.includes(r), `event ${r} in ${reasons.join(',')}`);
  });

  it('restarts a crashing container with CrashLoopBackOff, growing backoff and restartCount', async () => {
    await fx.createPod('crash', [{ name: 'c', image: BUSYBOX, command: ['sh', '-c', 'exit 1'] }], { terminationGracePeriodSeconds: 1 });
    // The moments restartCount moved up, and whether CrashLoopBackOff was shown in between.
    const seenAt = new Map<number, number>();
    let sawBackOff = false;
    const pod = await fx.waitForPod('crash', 'restartCount 3', (p) => {
      const cs = containerStatus(p, 'c');
      if (cs && !seenAt.has(cs.restartCount)) seenAt.set(cs.restartCount, Date.now());
      if (cs?.state?.waiting?.reason === 'CrashLoopBackOff') sawBackOff = true;
      return (cs?.restartCount ?? 0) >= 3;
    }, 30_000);
    assert.ok(sawBackOff, 'CrashLoopBackOff was reported');
    assert.equal(pod.status!.phase, 'Running');
    const cs = containerStatus(pod, 'c')!;
    assert.equal(cs.lastState?.terminated?.exitCode, 1);
    assert.equal(cs.lastState?.terminated?.reason, 'Error');
    assert.ok(cs.lastState?.terminated?.finishedAt);
    // Backoff 1 s then 2 s (FAST settings): the third restart waited longer than the second.
    const gap2 = seenAt.get(2)! - seenAt.get(1)!;
    const gap3 = seenAt.get(3)! - seenAt.get(2)!;
    assert.ok(gap2 >= 700, `second restart after ${gap2} ms`);
    assert.ok(gap3 > gap2 + 400, `third restart after ${gap3} ms, second after ${gap2} ms`);
    const crashing = await fx.waitForPod('crash', 'CrashLoopBackOff', (p) => containerStatus(p, 'c')?.state?.waiting?.reason === 'CrashLoopBackOff');
    assert.match(containerStatus(crashing, 'c')!.state!.waiting!.message, /^back-off \d+s restarting failed container=c pod=crash_default/);
    const reasons = (await fx.events('crash')).map((e) => e.reason);
    assert.ok(reasons.includes('BackOff'), `BackOff event in ${reasons.join(',')}`);
    // Only the current and the previous instance are kept.
    const kept = await fx.docker.listContainers({ all: true, filters: { label: [`${LABEL.podUid}=${pod.metadata!.uid}`, `${LABEL.sandbox}=false`] } });
    assert.ok(kept.length <= 2, `${kept.length} containers kept`);
  });

  it('ends restartPolicy Never / OnFailure pods in Succeeded or Failed', async () => {
    await fx.createPod('ok-never', [{ name: 'c', image: BUSYBOX, command: ['sh', '-c', 'exit 0'] }], { restartPolicy: 'Never' });
    await fx.createPod('fail-never', [{ name: 'c', image: BUSYBOX, command: ['sh', '-c', 'exit 3'] }], { restartPolicy: 'Never' });
    await fx.createPod('ok-onfailure', [{ name: 'c', image: BUSYBOX, command: ['sh', '-c', 'exit 0'] }], { restartPolicy: 'OnFailure' });
    const ok = await fx.waitForPod('ok-never', 'Succeeded', (p) => p.status!.phase === 'Succeeded');
    assert.equal(containerStatus(ok, 'c')!.state?.terminated?.reason, 'Completed');
    assert.equal(condition(ok, 'Ready'), 'False');
    const failed = await fx.waitForPod('fail-never', 'Failed', (p) => p.status!.phase === 'Failed');
    assert.equal(containerStatus(failed, 'c')!.state?.terminated?.exitCode, 3);
    assert.equal(containerStatus(failed, 'c')!.restartCount, 0);
    const done = await fx.waitForPod('ok-onfailure', 'Succeeded', (p) => p.status!.phase === 'Succeeded');
    assert.equal(containerStatus(done, 'c')!.restartCount, 0);
    // The finished pods' sandboxes are stopped; their exited containers stay for logs.
    const running = (uid: string) => fx.docker.listContainers({ filters: { label: [`${LABEL.podUid}=${uid}`] } });
    await waitFor('the sandbox of a finished pod stopped', async () => (await running(ok.metadata!.uid)).length === 0, 5_000);
    const kept = await fx.docker.listContainers({ all: true, filters: { label: [`${LABEL.podUid}=${ok.metadata!.uid}`, `${LABEL.sandbox}=false`] } });
    assert.equal(kept.length, 1);
  });

  it('runs init containers to completion first; they share emptyDir volumes with the app container', async () => {
    await fx.createPod('init', [{ name: 'app', image: BUSYBOX, command: ['sh', '-c', 'cat /work/msg; exec sleep 3600'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }], {
      initContainers: [
        { name: 'first', image: BUSYBOX, command: ['sh', '-c', 'echo from-init > /work/msg'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
        { name: 'second', image: BUSYBOX, command: ['sh', '-c', 'test -s /work/msg'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
      ],
      volumes: [{ name: 'work', emptyDir: {} }],
      terminationGracePeriodSeconds: 0,
    });
    const pod = await fx.waitForPod('init', 'Running', (p) => p.status!.phase === 'Running');
    assert.equal(condition(pod, 'Initialized'), 'True');
    assert.deepEqual(pod.status!.initContainerStatuses.map((s) => [s.name, s.state?.terminated?.reason]), [['first', 'Completed'], ['second', 'Completed']]);
    const id = containerStatus(pod, 'app')!.containerID.slice('docker://'.length);
    const lines: string[] = [];
    for await (const l of fx.runtime.logs(id)) lines.push(l.line);
    assert.deepEqual(lines, ['from-init']);
  });

  it('shows ErrImagePull, then ImagePullBackOff, with the engine message, for an image that cannot be pulled', async () => {
    await fx.createPod('noimage', [{ name: 'c', image: 'kite/does-not-exist:1', imagePullPolicy: 'IfNotPresent' }]);
    let pullMessage = '';
    const reasons = new Set<string>();
    await fx.waitForPod('noimage', 'ImagePullBackOff after ErrImagePull', (p) => {
      const w = containerStatus(p, 'c')?.state?.waiting;
      if (w) reasons.add(w.reason);
      if (w?.reason === 'ErrImagePull') pullMessage = w.message;
      return reasons.has('ErrImagePull') && w?.reason === 'ImagePullBackOff';
    });
    assert.match(pullMessage, /kite\/does-not-exist:1/);
    // The engine's own words (no registry here: DNS failure or access denied).
    assert.match(pullMessage, /no such host|denied|not found|dial|lookup|connection/i);
    const events = await fx.events('noimage');
    assert.ok(events.some((e) => e.reason === 'Failed' && /Failed to pull image "kite\/does-not-exist:1"/.test(e.message)));
    const pod = await fx.client.pods.get('noimage');
    assert.equal(pod.status!.phase, 'Pending');
  });

  it('reports ErrImageNeverPull for imagePullPolicy Never with no local image', async () => {
    await fx.createPod('neverpull', [{ name: 'c', image: 'kite/does-not-exist:2', imagePullPolicy: 'Never' }]);
    const pod = await fx.waitForPod('neverpull', 'ErrImageNeverPull', (p) => containerStatus(p, 'c')?.state?.waiting?.reason === 'ErrImageNeverPull');
    assert.match(containerStatus(pod, 'c')!.state!.waiting!.message, /not present with pull policy of Never/);
  });

  it('deletes gracefully: a process ignoring SIGTERM is killed after its grace period, nginx stops at once', async () => {
    const stubborn = await fx.createPod('stubborn', [{ name: 'c', image: BUSYBOX, command: ['sleep', '3600'] }], { terminationGracePeriodSeconds: 2 });
    const web = await fx.createPod('quick', [{ name: 'nginx', image: NGINX }], { terminationGracePeriodSeconds: 30 });
    await fx.waitForPod('stubborn', 'Running', (p) => p.status!.phase === 'Running');
    await fx.waitForPod('quick', 'Running', (p) => p.status!.phase === 'Running');

    const gone = (name: string) =>
      waitFor(`${name} deleted`, async () => fx.client.pods.get(name).then(() => false, () => true), 15_000, 50);
    let t0 = Date.now();
    await fx.client.pods.delete('stubborn');
    await gone('stubborn');
    const stubbornMs = Date.now() - t0;
    t0 = Date.now();
    await fx.client.pods.delete('quick');
    await gone('quick');
    const quickMs = Date.now() - t0;
    // Generous upper bounds: the machine is shared; the point is 2 s of grace versus 30 s unused.
    assert.ok(stubbornMs >= 1_900 && stubbornMs < 8_000, `sleep (ignores SIGTERM, grace 2 s) took ${stubbornMs} ms`);
    assert.ok(quickMs < 3_000, `nginx took ${quickMs} ms`);
    for (const uid of [stubborn.metadata!.uid, web.metadata!.uid]) {
      const left = await fx.docker.listContainers({ all: true, filters: { label: [`${LABEL.podUid}=${uid}`] } });
      assert.equal(left.length, 0, 'containers and sandbox removed');
    }
    const killing = (await fx.events('stubborn')).find((e) => e.reason === 'Killing');
    assert.match(killing?.message ?? '', /Stopping container c/);
  });
});
