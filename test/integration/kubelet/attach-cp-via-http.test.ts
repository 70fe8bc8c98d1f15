// pods/attach and kubectl cp over Kubernetes' HTTP API end to end with the real kubectl, and
// kitectl attach over gRPC: kubectl's WebSocket -> the front door -> the gate's AttachPod (ExecPod
// for cp's tar) stream -> the pod's kubelet -> Docker. Attach joins the main process (its output
// and, for a container created with stdin, its input), kubectl run -i --rm creates, attaches to
// and deletes a pod, kubectl cp copies files both ways (32 MB through the WebSocket: more than
// a gRPC message carries, so the kubelet's output is sent in bounded pieces), and a
// user without create pods/attach gets Kubernetes' 403.
import { strict as assert } from 'node:assert';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role, RoleBinding } from '../../../lib/gen/kite/rbac/v1/types';
import { IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { waitFor } from '../../support/wait';
import { kitectl } from '../kitectl/run-kitectl';
import { kubeletFixture, type KubeletFixture } from './kubelet-fixture';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Reads one line, answers it and exits 3: the main process attach joins. */
const READER = ['sh', '-c', 'read line; echo got:$line; exit 3'];

describe('pods/attach and kubectl cp over the HTTP API (kubectl -> WebSocket -> apiserver -> kubelet -> Docker)', function () {
  this.timeout(90_000);
  let fx: KubeletFixture;
  const dir = mkdtempSync(join(tmpdir(), 'kite-kubectl-attach-'));
  let env: NodeJS.ProcessEnv;

  const kubectl = (args: string[], input?: string | Buffer): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile('kubectl', args, { env, cwd: dir, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? ((err as { code?: unknown }).code as number) : 0;
        resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
      });
      if (input !== undefined) child.stdin!.end(input);
      else child.stdin!.end();
    });

  const reader = async (name: string) => {
    await fx.createPod(name, [{ name: 'c', image: TEST_IMAGES.busybox, command: READER, stdin: true, stdinOnce: true }], { terminationGracePeriodSeconds: 0, restartPolicy: 'Never' });
    await fx.waitForPod(name, 'Running', (p) => p.status!.phase === 'Running');
  };
  const terminated = (name: string) =>
    fx.waitForPod(name, 'Failed', (p) => p.status!.phase === 'Failed').then((p) => p.status!.containerStatuses[0].state!.terminated!.exitCode);

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    // RBAC: the development caller is system:masters (so may impersonate); alice may only read pods.
    fx = await kubeletFixture('kat', {}, { securePort: 0, authorizationMode: 'RBAC' });
    await fx.startKubelet();
    await fx.createPod('files', [{ name: 'c', image: TEST_IMAGES.busybox, command: ['sleep', '3600'] }], { terminationGracePeriodSeconds: 0 });
    await fx.waitForPod('files', 'Running', (p) => p.status!.phase === 'Running');
    await fx.client.roles.create(Role.fromPartial({ metadata: { name: 'pod-reader', namespace: 'default' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }));
    await fx.client.roleBindings.create(
      RoleBinding.fromPartial({
        metadata: { name: 'alice-reads-pods', namespace: 'default' },
        subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
        roleRef: { kind: 'Role', name: 'pod-reader', apiGroup: 'rbac.authorization.k8s.io' },
      }),
    );
    const kubeconfig = join(dir, 'kubeconfig');
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
    env = { ...process.env, KUBECONFIG: kubeconfig, HOME: dir };
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await fx?.cleanup();
  });

  it("kubectl attach -i feeds the main process' stdin and prints its output; the exit code reaches the pod's status", async () => {
    await reader('att');
    const r = await kubectl(['attach', '-i', 'att'], 'hello\n');
    assert.deepEqual(r, { code: 0, stdout: 'got:hello\n', stderr: "If you don't see a command prompt, try pressing enter.\n" });
    assert.equal(await terminated('att'), 3);
  });

  it("kubectl attach -t to a container without a tty warns as kubectl does and attaches without one", async () => {
    await reader('att-t');
    const r = await kubectl(['attach', '-i', '-t', 'att-t'], 'tty\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'got:tty\n');
    assert.match(r.stderr, /^error: Unable to use a TTY - container c did not allocate one$/m);
  });

  it('detaches when kubectl attach goes away, leaving the process running', async () => {
    await fx.createPod('ticker', [{ name: 'c', image: TEST_IMAGES.busybox, command: ['sh', '-c', 'while true; do echo tick; sleep 0.2; done'] }], { terminationGracePeriodSeconds: 0 });
    await fx.waitForPod('ticker', 'Running', (p) => p.status!.phase === 'Running');
    const child = spawn('kubectl', ['attach', 'ticker'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await new Promise((resolve) => child.stdout!.once('data', resolve));
    } finally {
      child.kill();
      await exited;
    }
    // Attached again, the same process still ticks.
    const again = spawn('kubectl', ['attach', 'ticker'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    const exitedAgain = new Promise((resolve) => again.once('exit', resolve));
    try {
      assert.match(String(await new Promise((resolve) => again.stdout!.once('data', resolve))), /tick/);
    } finally {
      again.kill();
      await exitedAgain;
    }
    assert.equal((await fx.client.pods.get('ticker')).status!.containerStatuses[0].restartCount, 0);
  });

  it('kubectl run -i --rm creates the pod, attaches to it, passes the exit code through and deletes the pod', async () => {
    const overrides = JSON.stringify({ apiVersion: 'v1', spec: { nodeName: fx.node, terminationGracePeriodSeconds: 0 } });
    const r = await kubectl(['run', 'once', `--image=${TEST_IMAGES.busybox}`, '-i', '--restart=Never', '--rm', `--overrides=${overrides}`, '--', 'sh', '-c', 'read a; echo got $a; exit 4'], 'piped\n');
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stdout, 'got piped\npod "once" deleted\n');
    await waitFor('pod once deleted', async () => !(await fx.client.pods.list({ namespace: 'default' })).items.some((p) => p.metadata!.name === 'once'), 20_000, 100);
  });

  it('kubectl cp copies a multi-MB file into the pod and back, byte for byte', async () => {
    const big = randomBytes(32 * 1024 * 1024);
    writeFileSync(join(dir, 'big.bin'), big);
    const up = await kubectl(['cp', 'big.bin', 'files:/tmp/big.bin']);
    assert.deepEqual(up, { code: 0, stdout: '', stderr: '' });
    const sum = await kubectl(['exec', 'files', '--', 'sha256sum', '/tmp/big.bin']);
    assert.equal(sum.stdout.split(' ')[0], (await import('node:crypto')).createHash('sha256').update(big).digest('hex'));
    const down = await kubectl(['cp', 'files:/tmp/big.bin', 'back.bin']);
    assert.equal(down.code, 0, down.stderr);
    assert.ok(readFileSync(join(dir, 'back.bin')).equals(big), 'the copy back differs');
  });

  it('kubectl cp copies a directory both ways', async () => {
    mkdirSync(join(dir, 'tree', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'tree', 'a.txt'), 'a\n');
    writeFileSync(join(dir, 'tree', 'sub', 'b.txt'), 'b\n');
    assert.equal((await kubectl(['cp', 'tree', 'files:/tmp/tree'])).code, 0);
    assert.equal((await kubectl(['exec', 'files', '--', 'cat', '/tmp/tree/a.txt', '/tmp/tree/sub/b.txt'])).stdout, 'a\nb\n');
    const r = await kubectl(['cp', 'files:/tmp/tree', 'tree-back']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'tree-back', 'sub', 'b.txt'), 'utf8'), 'b\n');
  });

  it("refuses a user without create pods/attach with Kubernetes' 403", async () => {
    const r = await kubectl(['attach', 'files', '--as=alice']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error from server \(Forbidden\): pods "files" is forbidden: User "alice" cannot create resource "pods\/attach" in API group "" in the namespace "default"$/m);
  });

  it('kitectl attach -i feeds stdin, prints the output and ends with the exit code', async () => {
    await reader('kat-att');
    const r = await kitectl(['--server', fx.api.address, 'attach', '-i', 'kat-att'], { stdin: 'there\n' });
    assert.deepEqual(r, { code: 3, out: 'got:there\n', err: "If you don't see a command prompt, try pressing enter.\n" });
    assert.equal(await terminated('kat-att'), 3);
    const gone = await kitectl(['--server', fx.api.address, 'attach', 'kat-att']);
    assert.deepEqual(gone, { code: 1, out: '', err: 'error: cannot attach a container in a completed pod; current phase is Failed\n' });
  });
});
