// The real kubectl on a pod with a sidecar (an init container with restartPolicy Always) against a
// dev apiserver: `get pods` counts the ready sidecar in READY and its restarts in RESTARTS (the
// apiserver's Table), and kitectl's `describe pod` prints what kubectl's does (Init Containers
// with the sidecar's probe, state and readiness).
import { strict as assert } from 'node:assert';
import { Pod } from '../../../lib/gen/kite/core/v1/types';
import { waitFor } from '../../support/wait';
import { installedKubectl, startKubectlHarness, type KubectlHarness } from './kubectl-harness';

const ageless = (s: string) => s.replace(/\b\d+[smhd]\b/g, 'AGE').replace(/ +/g, ' ');

describe('kubectl get and describe a pod with a sidecar (HTTPS front door)', function () {
  this.timeout(120_000);
  let h: KubectlHarness;

  before(async function () {
    if (!installedKubectl()) this.skip();
    h = await startKubectlHarness();
  });
  after(async () => h?.stop());

  it('counts the sidecar in READY and RESTARTS; kitectl describe pod prints kubectl\'s text', async () => {
    await h.admin.pods.create(
      Pod.fromPartial({
        metadata: { name: 'with-sidecar', namespace: h.namespace },
        spec: {
          initContainers: [
            { name: 'setup', image: 'busybox:1.36', command: ['true'] },
            { name: 'proxy', image: 'busybox:1.36', restartPolicy: 'Always', readinessProbe: { exec: { command: ['true'] }, periodSeconds: 5 } },
          ],
          containers: [{ name: 'app', image: 'nginx:1.22' }],
        },
      }),
    );
    // The harness's fake kubelet makes it Running and Ready; the test adds what a kubelet reports for the init containers.
    const pod = await waitFor('the pod running', async () => {
      const p = await h.admin.pods.get('with-sidecar', h.namespace);
      return p.status?.phase === 'Running' ? p : undefined;
    });
    const t = '2024-01-01T00:00:00Z';
    pod.status!.conditions.push({ type: 'Initialized', status: 'True', lastProbeTime: '', lastTransitionTime: t, reason: '', message: '' });
    pod.status!.initContainerStatuses = [
      { name: 'setup', image: 'busybox:1.36', imageID: '', containerID: 'docker://a', ready: false, started: false, restartCount: 0, state: { terminated: { exitCode: 0, signal: 0, reason: 'Completed', message: '', startedAt: t, finishedAt: t, containerID: 'docker://a' } }, lastState: {} },
      { name: 'proxy', image: 'busybox:1.36', imageID: '', containerID: 'docker://b', ready: true, started: true, restartCount: 1, state: { running: { startedAt: t } }, lastState: { terminated: { exitCode: 1, signal: 0, reason: 'Error', message: '', startedAt: t, finishedAt: t, containerID: 'docker://c' } } },
    ];
    pod.status!.containerStatuses = [{ name: 'app', image: 'nginx:1.22', imageID: '', containerID: 'docker://d', ready: true, started: true, restartCount: 0, state: { running: { startedAt: t } }, lastState: {} }];
    await h.admin.pods.updateStatus(pod);

    const row = (await h.ok(['get', 'pod', 'with-sidecar', '--no-headers'])).trim().split(/\s+/);
    assert.deepEqual(row.slice(0, 4), ['with-sidecar', '2/2', 'Running', '1']);
    const described = await h.ok(['describe', 'pod', 'with-sidecar']);
    assert.match(described, /\nInit Containers:\n {2}setup:\n[\s\S]* {2}proxy:\n[\s\S]*Readiness:\s+exec \[true\]/);
    assert.equal(ageless((await h.kitectl(['describe', 'pod', 'with-sidecar'])).out), ageless(described));
  });
});
