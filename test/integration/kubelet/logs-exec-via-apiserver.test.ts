// `kitectl logs` and `kitectl exec` end to end: kitectl -> apiserver (PodLogs / ExecPod) -> the
// pod's kubelet -> Docker, with a real apiserver, kubelet and engine.
import { strict as assert } from 'node:assert';
import { Pod } from '../../../lib/gen/kite/core/v1/types';
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
