// `kitectl logs` and `kitectl exec` end to end: kitectl -> apiserver (PodLogs / ExecPod) -> the
// pod's kubelet -> Docker, with a real apiserver, kubelet and engine; `kitectl logs job/x`,
// `deployment/x` and `-l` find the pods through the object's selector; a Job run by the job
// controller on this kubelet waited for and read as the e2e cluster case does.
import { strict as assert } from 'node:assert';
import { Deployment } from '../../../lib/gen/kite/apps/v1/types';
import { Job } from '../../../lib/gen/kite/batch/v1/types';
import { ConfigMap, Pod } from '../../../lib/gen/kite/core/v1/types';
import { startControllerManager } from '../../../services/controller-manager/manager';
import { IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { kitectl } from '../kitectl/run-kitectl';
import { kubeletFixture, type KubeletFixture } from './kubelet-fixture';

describe('logs and exec through the apiserver (kitectl -> apiserver -> kubelet -> Docker)', function () {
  this.timeout(60_000);
  let fx: KubeletFixture;
  const k = (...args: string[]) => kitectl(['--server', fx.api.address, ...args]);

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    fx = await kubeletFixture('kle');
    await fx.startKubelet();
    await fx.createPod('chatty', [{ name: 'c', image: TEST_IMAGES.busybox, command: ['sh', '-c', 'echo hello; echo world; exec sleep 3600'] }], {
      terminationGracePeriodSeconds: 0,
    });
    await fx.waitForPod('chatty', 'Running', (p) => p.status!.phase === 'Running');
  });

  after(async () => {
    await fx?.cleanup();
  });

  it('kitectl logs shows the container output, with --tail', async () => {
    const all = await k('logs', 'chatty');
    assert.equal(all.code, 0, all.err);
    assert.equal(all.out, 'hello\nworld\n');
    assert.equal((await k('logs', 'pod/chatty', '--tail', '1')).out, 'world\n');
  });

  it('kitectl logs TYPE/NAME reads the first pod of a Job or Deployment selector; -l reads every match', async () => {
    await fx.client.pods.patch('chatty', { metadata: { labels: { app: 'chatty' } } }, { namespace: 'default', type: 'merge' });
    const template = { metadata: { labels: { app: 'chatty' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: TEST_IMAGES.busybox }] } };
    await fx.client.jobs.create(Job.fromPartial({ metadata: { name: 'chatty-job', namespace: 'default' }, spec: { manualSelector: true, selector: { matchLabels: { app: 'chatty' } }, template, suspend: true } }));
    const byJob = await k('logs', 'job/chatty-job');
    assert.deepEqual([byJob.code, byJob.out, byJob.err], [0, 'hello\nworld\n', '']);
    await fx.client.deployments.create(
      Deployment.fromPartial({ metadata: { name: 'chatty-web', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'chatty' } }, template: { ...template, spec: { ...template.spec, restartPolicy: 'Always' } } } }),
    );
    assert.equal((await k('logs', 'deployment/chatty-web', '--tail', '1')).out, 'world\n');
    assert.equal((await k('logs', '-l', 'app=chatty')).out, 'hello\nworld\n');
    const none = await k('logs', '-l', 'app=nobody');
    assert.deepEqual([none.code, none.out, none.err], [0, '', 'No resources found in default namespace.\n']);
    await fx.client.configMaps.create(ConfigMap.fromPartial({ metadata: { name: 'chatty-config', namespace: 'default' } }));
    const unsupported = await k('logs', 'configmap/chatty-config');
    assert.equal(unsupported.code, 1);
    assert.equal(unsupported.err, 'error: cannot get the logs from *v1.ConfigMap: selector for *v1.ConfigMap not implemented\n');
    // Gone before a job controller runs here: it would adopt chatty (and, the Job being suspended, delete it).
    await fx.client.jobs.delete('chatty-job', { namespace: 'default' });
  });

  it('a Job of busybox pods run by the job controller: kitectl wait --for=condition=complete, then logs job/<name>', async function () {
    this.timeout(120_000);
    const stop = new AbortController();
    const cm = startControllerManager({ clientset: fx.api.client(), controllers: ['job'], signal: stop.signal });
    try {
      assert.equal(await cm.synced, true);
      const job = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'echo' },
        spec: { completions: 3, parallelism: 2, template: { spec: { nodeName: fx.node, restartPolicy: 'Never', containers: [{ name: 'main', image: TEST_IMAGES.busybox, command: ['sh', '-c', 'echo done'] }] } } },
      };
      assert.equal((await kitectl(['--server', fx.api.address, 'apply', '-f', '-'], { stdin: JSON.stringify(job) })).out, 'job.batch/echo created\n');
      const waited = await k('wait', '--for=condition=complete', 'job/echo', '--timeout=90s');
      assert.deepEqual([waited.code, waited.out], [0, 'job.batch/echo condition met\n'], waited.err);
      const logs = await k('logs', 'job/echo');
      assert.deepEqual([logs.code, logs.out], [0, 'done\n'], logs.err);
      assert.match(logs.err, /^Found 3 pods, using pod\/echo-[a-z0-9]{5}\n$/);
    } finally {
      stop.abort();
      await cm.done;
    }
  });

  it('kitectl exec runs a command and passes its exit code and stdin through', async () => {
    const ok = await k('exec', 'chatty', '--', 'sh', '-c', 'echo from-exec; echo oops >&2');
    assert.equal(ok.code, 0, ok.err);
    assert.equal(ok.out, 'from-exec\n');
    assert.equal(ok.err, 'oops\n');
    assert.equal((await k('exec', 'chatty', '--', 'sh', '-c', 'exit 7')).code, 7);
    const piped = await kitectl(['--server', fx.api.address, 'exec', '-i', 'chatty', '--', 'cat'], { stdin: 'through stdin\n' });
    assert.equal(piped.out, 'through stdin\n');
  });

  it('reports a pod that is not there, or has no node yet', async () => {
    const missing = await k('logs', 'nope');
    assert.equal(missing.code, 1);
    assert.match(missing.err, /Error from server \(NotFound\): pods "nope" not found/);
    await fx.client.pods.create(Pod.fromPartial({ metadata: { name: 'unbound' }, spec: { containers: [{ name: 'c', image: TEST_IMAGES.busybox }] } }));
    const unbound = await k('exec', 'unbound', '--', 'true');
    assert.equal(unbound.code, 1);
    assert.match(unbound.err, /pod unbound does not have a host assigned/);
  });
});
