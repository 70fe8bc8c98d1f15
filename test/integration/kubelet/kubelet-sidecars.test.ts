// Sidecar containers run by the kubelet on Docker: a Job-like pod (restartPolicy Never) whose
// sidecar (an init container with restartPolicy Always) is up before the app container starts and
// keeps running beside it; once the app container exits 0 the kubelet stops the sidecar and the
// pod Succeeds.
import { strict as assert } from 'node:assert';
import { IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { containerStatus, kubeletFixture, type KubeletFixture } from './kubelet-fixture';

const BUSYBOX = TEST_IMAGES.busybox;

describe('kubelet sidecar containers on Docker', function () {
  this.timeout(60_000);
  let fx: KubeletFixture;

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    fx = await kubeletFixture('ksc');
    await fx.startKubelet();
  });

  after(async () => {
    await fx?.cleanup();
  });

  it('runs a Job-like pod with a sidecar to Succeeded, stopping the sidecar once the app container is done', async () => {
    const shared = [{ name: 'shared', mountPath: '/shared' }];
    await fx.createPod(
      'job-like',
      // The app container succeeds only if the sidecar is up, and takes a moment doing so.
      [{ name: 'app', image: BUSYBOX, command: ['sh', '-c', 'test -f /shared/up && sleep 1 && test -f /shared/up'], volumeMounts: shared }],
      {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 10,
        volumes: [{ name: 'shared', emptyDir: {} }],
        initContainers: [
          {
            name: 'sidecar',
            image: BUSYBOX,
            restartPolicy: 'Always',
            command: ['sh', '-c', "trap 'exit 0' TERM; touch /shared/up; while true; do sleep 1 & wait $!; done"],
            volumeMounts: shared,
          },
        ],
      },
    );
    const running = await fx.waitForPod('job-like', 'Running with its sidecar started', (p) => p.status?.phase === 'Running');
    const sidecar = running.status!.initContainerStatuses[0];
    assert.equal(sidecar.started, true);
    assert.ok(sidecar.state?.running, 'the sidecar runs beside the app container');
    const done = await fx.waitForPod('job-like', 'Succeeded with the sidecar stopped', (p) => p.status?.phase === 'Succeeded' && !!p.status.initContainerStatuses[0]?.state?.terminated);
    assert.equal(containerStatus(done, 'app')?.state?.terminated?.exitCode, 0);
    assert.equal(done.status!.initContainerStatuses[0].restartCount, 0, 'stopped, not restarted');
    await fx.client.pods.delete('job-like');
  });
});
