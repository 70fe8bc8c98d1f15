// `kitectl run -i/--attach/--rm` against a real kubelet (Docker), beside the real kubectl's over
// the HTTP API: run creates the pod, waits for it to run, attaches to its main process (stdin
// piped in), ends with the container's exit code (restart policy Never) and with --rm deletes the
// pod, printing what kubectl prints; a pod already finished when attaching has its logs printed.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { waitFor } from '../../support/wait';
import { installedKubectl } from '../kubectl/kubectl-harness';
import { kubeletFixture, type KubeletFixture } from '../kubelet/kubelet-fixture';
import { kitectl } from './run-kitectl';

describe('kitectl run --attach/-i/--rm (real kubelet), beside kubectl run', function () {
  this.timeout(90_000);
  let fx: KubeletFixture;
  const dir = mkdtempSync(join(tmpdir(), 'kite-run-attach-'));
  let kubeconfig: string;

  const kubectl = (args: string[], input: string): Promise<{ code: number; out: string; err: string }> =>
    new Promise((resolve) => {
      const child = execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dir }, timeout: 60_000 }, (err, out, errOut) => {
        const code = err ? ((err as { code?: unknown }).code as number) : 0;
        resolve({ code: typeof code === 'number' ? code : -1, out, err: errOut });
      });
      child.stdin!.end(input);
    });
  const gone = (name: string) => waitFor(`pod ${name} deleted`, async () => !(await fx.client.pods.list({ namespace: 'default' })).items.some((p) => p.metadata!.name === name), 20_000, 100);

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    fx = await kubeletFixture('krun', {}, { securePort: 0 });
    await fx.startKubelet();
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'dev', cluster: { server: `http://127.0.0.1:${fx.api.server.securePort!}` } }],
        users: [{ name: 'dev', user: {} }],
        contexts: [{ name: 'dev', context: { cluster: 'dev', user: 'dev', namespace: 'default' } }],
        'current-context': 'dev',
      }),
    );
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await fx?.cleanup();
  });

  /** The fixture has no scheduler: the pod is bound to its node by --overrides. */
  const overrides = () => `--overrides=${JSON.stringify({ apiVersion: 'v1', spec: { nodeName: fx.node, terminationGracePeriodSeconds: 0 } })}`;
  const reader = ['--', 'sh', '-c', 'read a; echo got $a; exit 4'];

  it('-i --rm --restart=Never: attaches, passes stdin, ends with the exit code and deletes the pod, as kubectl does', async () => {
    const mine = await kitectl(['--server', fx.api.address, 'run', 'c-once', `--image=${TEST_IMAGES.busybox}`, '-i', '--restart=Never', '--rm', overrides(), ...reader], { stdin: 'piped\n' });
    assert.equal(mine.code, 4, mine.err);
    assert.equal(mine.out, 'got piped\npod "c-once" deleted\n');
    assert.equal(mine.err, "If you don't see a command prompt, try pressing enter.\npod default/c-once terminated (Error)\n");
    await gone('c-once');
    if (!installedKubectl()) return;
    const theirs = await kubectl(['run', 'k-once', `--image=${TEST_IMAGES.busybox}`, '-i', '--restart=Never', '--rm', overrides(), ...reader], 'piped\n');
    assert.equal(theirs.code, mine.code);
    assert.equal(theirs.out.replace(/k-once/g, 'c-once'), mine.out);
    assert.equal(theirs.err.replace(/k-once/g, 'c-once'), mine.err);
    await gone('k-once');
  });

  it('--attach to a pod that finishes: its output, exit code 0, and the pod kept without --rm', async () => {
    const r = await kitectl(['--server', fx.api.address, 'run', 'c-hello', `--image=${TEST_IMAGES.busybox}`, '--attach', '-q', '--restart=Never', overrides(), '--', 'echo', 'hello']);
    // The pod may finish before the attach reaches it; then, as kubectl, kitectl says so and prints its log instead.
    assert.deepEqual({ ...r, err: '' }, { code: 0, out: 'hello\n', err: '' });
    assert.match(r.err, /^(warning: couldn't attach to pod\/c-hello, falling back to streaming logs: container c-hello is not running in pod c-hello\n)?$/);
    assert.equal((await fx.client.pods.get('c-hello', 'default')).status!.phase, 'Succeeded');
  });
});
