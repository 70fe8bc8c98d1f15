// Probes run by the kubelet against real containers: a failing liveness probe restarts the
// container, readiness toggles the Ready condition both ways, a startup probe holds liveness and
// readiness back, and httpGet / tcpSocket probes reach the pod IP.
import { strict as assert } from 'node:assert';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import { IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { condition, containerStatus, kubeletFixture, type KubeletFixture } from './kubelet-fixture';

const BUSYBOX = TEST_IMAGES.busybox;

describe('kubelet probes on Docker', function () {
  this.timeout(60_000);
  let fx: KubeletFixture;

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    fx = await kubeletFixture('klp');
    await fx.startKubelet();
  });

  after(async () => {
    await fx?.cleanup();
  });

  /** Runs a shell command in the pod's container through the runtime, as a test's "kubectl exec". */
  async function sh(pod: Pod, script: string): Promise<void> {
    const id = containerStatus(pod, 'c')!.containerID.slice('docker://'.length);
    const session = await fx.runtime.exec(id, ['sh', '-c', script]);
    assert.equal(await session.exitCode, 0);
  }

  it('restarts a container whose liveness probe fails, saying why', async () => {
    await fx.createPod(
      'live',
      [
        {
          name: 'c',
          image: BUSYBOX,
          command: ['sh', '-c', 'touch /tmp/healthy; exec sleep 3600'],
          livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 2, timeoutSeconds: 2 },
        },
      ],
      { terminationGracePeriodSeconds: 1 },
    );
    const running = await fx.waitForPod('live', 'Running', (p) => containerStatus(p, 'c')?.state?.running !== undefined);
    const firstId = containerStatus(running, 'c')!.containerID;
    // Healthy for a while: no restart.
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal(containerStatus(await fx.client.pods.get('live'), 'c')!.restartCount, 0);
    await sh(running, 'rm /tmp/healthy');
    const restarted = await fx.waitForPod('live', 'restarted', (p) => containerStatus(p, 'c')?.restartCount === 1 && !!containerStatus(p, 'c')?.state?.running);
    assert.notEqual(containerStatus(restarted, 'c')!.containerID, firstId);
    assert.equal(containerStatus(restarted, 'c')!.lastState?.terminated?.containerID, firstId);
    const events = await fx.events('live');
    assert.ok(events.some((e) => e.reason === 'Unhealthy' && /^Liveness probe failed/.test(e.message)), 'Unhealthy event');
    assert.ok(events.some((e) => e.reason === 'Killing' && e.message === 'Container c failed liveness probe, will be restarted'), 'Killing event');
  });

  it('toggles Ready with the readiness probe', async () => {
    await fx.createPod(
      'ready',
      [{ name: 'c', image: BUSYBOX, command: ['sleep', '3600'], readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1, timeoutSeconds: 2 } }],
      { terminationGracePeriodSeconds: 0 },
    );
    const running = await fx.waitForPod('ready', 'Running', (p) => p.status!.phase === 'Running');
    assert.equal(condition(running, 'Ready'), 'False');
    assert.equal(running.status!.conditions.find((c) => c.type === 'Ready')?.reason, 'ContainersNotReady');
    await sh(running, 'touch /tmp/ready');
    const ready = await fx.waitForPod('ready', 'Ready', (p) => condition(p, 'Ready') === 'True' && condition(p, 'ContainersReady') === 'True');
    assert.equal(containerStatus(ready, 'c')!.ready, true);
    await sh(running, 'rm /tmp/ready');
    const unready = await fx.waitForPod('ready', 'not Ready again', (p) => condition(p, 'Ready') === 'False');
    assert.equal(containerStatus(unready, 'c')!.ready, false);
    assert.equal(containerStatus(unready, 'c')!.restartCount, 0, 'readiness never restarts');
  });

  it('holds liveness and readiness back until the startup probe passes', async () => {
    await fx.createPod(
      'slow-start',
      [
        {
          name: 'c',
          image: BUSYBOX,
          command: ['sleep', '3600'],
          startupProbe: { exec: { command: ['cat', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 60, timeoutSeconds: 2 },
          // Would fail at once if it ran before startup.
          livenessProbe: { exec: { command: ['cat', '/tmp/alive'] }, periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 2 },
          readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1, timeoutSeconds: 2 },
        },
      ],
      { terminationGracePeriodSeconds: 0 },
    );
    const running = await fx.waitForPod('slow-start', 'Running', (p) => p.status!.phase === 'Running');
    await new Promise((r) => setTimeout(r, 2_500));
    const waiting = await fx.client.pods.get('slow-start');
    assert.equal(containerStatus(waiting, 'c')!.started, false);
    assert.equal(containerStatus(waiting, 'c')!.ready, false);
    assert.equal(containerStatus(waiting, 'c')!.restartCount, 0, 'liveness did not run before startup');
    await sh(running, 'touch /tmp/alive /tmp/started');
    const started = await fx.waitForPod('slow-start', 'started and Ready', (p) => containerStatus(p, 'c')?.started === true && condition(p, 'Ready') === 'True');
    assert.equal(containerStatus(started, 'c')!.restartCount, 0);
  });

  it('probes nginx over httpGet (named port) and tcpSocket', async () => {
    await fx.createPod('web', [
      {
        name: 'nginx',
        image: TEST_IMAGES.nginx,
        ports: [{ name: 'http', containerPort: 80 }],
        livenessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
        readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 1 },
      },
    ]);
    const pod = await fx.waitForPod('web', 'Ready', (p) => condition(p, 'Ready') === 'True');
    await new Promise((r) => setTimeout(r, 2_000));
    const later = await fx.client.pods.get('web');
    assert.equal(containerStatus(later, 'nginx')!.restartCount, 0);
    assert.equal(containerStatus(later, 'nginx')!.containerID, containerStatus(pod, 'nginx')!.containerID);
    assert.equal(condition(later, 'Ready'), 'True');
  });
});
