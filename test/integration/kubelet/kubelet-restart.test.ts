// Restart safety: a new kubelet adopts the containers the previous one started (same container
// IDs, same restart counts, nothing created, Ready never dropped), starts pods bound while it was
// away, and removes the containers of pods deleted while it was away.
import { strict as assert } from 'node:assert';
import { LABEL } from '../../../services/kubelet/runtime/labels';
import { IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { waitFor } from '../../support/wait';
import { condition, containerStatus, kubeletFixture, type KubeletFixture } from './kubelet-fixture';

describe('kubelet restart on Docker', function () {
  this.timeout(60_000);
  let fx: KubeletFixture;

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    fx = await kubeletFixture('klr');
  });

  after(async () => {
    await fx?.cleanup();
  });

  async function nodeContainerIds(): Promise<string[]> {
    const list = await fx.docker.listContainers({ all: true, filters: { label: [`${LABEL.node}=${fx.node}`] } });
    return list.map((c) => c.Id).sort();
  }

  it('adopts running containers: same IDs and restart counts, nothing created, Ready kept', async () => {
    await fx.startKubelet();
    await fx.createPod('web', [
      { name: 'nginx', image: TEST_IMAGES.nginx, ports: [{ containerPort: 80 }], readinessProbe: { httpGet: { path: '/', port: 80 }, periodSeconds: 1 } },
    ]);
    // Crashes once, then runs: a restart count of 1 that must survive the kubelet restart.
    await fx.createPod(
      'once',
      [{ name: 'c', image: TEST_IMAGES.busybox, command: ['sh', '-c', 'if [ -f /data/ran ]; then exec sleep 3600; fi; touch /data/ran; exit 1'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      { volumes: [{ name: 'data', emptyDir: {} }], terminationGracePeriodSeconds: 0 },
    );
    await fx.waitForPod('web', 'Ready', (p) => condition(p, 'Ready') === 'True');
    await fx.waitForPod('once', 'running after one restart', (p) => containerStatus(p, 'c')?.restartCount === 1 && condition(p, 'Ready') === 'True');
    const before = await nodeContainerIds();
    const statuses = async () =>
      (await fx.client.pods.list({ namespace: 'default' })).items.map((p) => ({
        name: p.metadata!.name,
        containers: p.status!.containerStatuses.map((s) => ({ id: s.containerID, restarts: s.restartCount, ready: s.ready })),
      }));
    const statusBefore = await statuses();

    await fx.stopKubelet();
    await fx.startKubelet();
    // Watch for a while: several relists and syncs of the new kubelet.
    const deadline = Date.now() + 3_000;
    while (Date.now() < deadline) {
      for (const p of (await fx.client.pods.list({ namespace: 'default' })).items) {
        assert.equal(condition(p, 'Ready'), 'True', `${p.metadata!.name} stayed Ready`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(await nodeContainerIds(), before, 'no container created or removed');
    assert.deepEqual(await statuses(), statusBefore);
  });

  it('restarted 10 times with 20 pods running: no container created, IDs and restart counts unchanged', async function () {
    this.timeout(180_000);
    for (let i = 0; i < 20; i++) {
      await fx.createPod(`many-${i}`, [
        { name: 'c', image: TEST_IMAGES.busybox, command: ['sleep', '3600'], readinessProbe: i % 2 === 0 ? { exec: { command: ['true'] }, periodSeconds: 1, timeoutSeconds: 2 } : undefined },
      ], { terminationGracePeriodSeconds: 0 });
    }
    await waitFor('20 pods Ready', async () => {
      const pods = (await fx.client.pods.list({ namespace: 'default' })).items.filter((p) => p.metadata!.name.startsWith('many-'));
      return pods.length === 20 && pods.every((p) => condition(p, 'Ready') === 'True');
    }, 90_000, 250);
    const before = await nodeContainerIds();
    const since = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 10; i++) {
      await fx.stopKubelet();
      await fx.startKubelet();
      await new Promise((r) => setTimeout(r, 600));
    }
    await new Promise((r) => setTimeout(r, 1_500));
    const until = Math.ceil(Date.now() / 1000);
    const events = await new Promise<string>((resolve, reject) => {
      fx.docker.getEvents({ since, until, filters: { type: ['container'], event: ['create'], label: [`${LABEL.node}=${fx.node}`] } }, (err, stream) => {
        if (err || !stream) return reject(err);
        let text = '';
        stream.on('data', (d: Buffer) => (text += d.toString()));
        stream.on('end', () => resolve(text));
      });
    });
    assert.equal(events.trim(), '', 'no container created while restarting');
    assert.deepEqual(await nodeContainerIds(), before);
    for (const p of (await fx.client.pods.list({ namespace: 'default' })).items) {
      assert.equal(condition(p, 'Ready'), 'True', `${p.metadata!.name} Ready`);
      for (const cs of p.status!.containerStatuses) assert.ok(before.includes(cs.containerID.slice('docker://'.length)), `${p.metadata!.name} kept its container`);
    }
  });

  it('starts pods bound while it was down and removes the containers of pods deleted meanwhile', async () => {
    const doomed = await fx.client.pods.get('once');
    await fx.stopKubelet();
    await fx.client.pods.delete('once', { gracePeriodSeconds: 0 });
    await fx.createPod('late', [{ name: 'c', image: TEST_IMAGES.busybox, command: ['sleep', '3600'] }], { terminationGracePeriodSeconds: 0 });
    await fx.startKubelet();
    await fx.waitForPod('late', 'Running', (p) => p.status!.phase === 'Running');
    await waitFor('the orphaned containers removed', async () => {
      const left = await fx.docker.listContainers({ all: true, filters: { label: [`${LABEL.podUid}=${doomed.metadata!.uid}`] } });
      return left.length === 0;
    }, 10_000);
    assert.equal(condition(await fx.client.pods.get('web'), 'Ready'), 'True');
  });
});
