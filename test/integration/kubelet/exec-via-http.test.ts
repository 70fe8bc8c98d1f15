// pods/exec over Kubernetes' HTTP API end to end with the real kubectl: kubectl's WebSocket
// (v5.channel.k8s.io) -> the front door -> the gate's ExecPod stream -> the pod's kubelet ->
// Docker. Output, exit codes, stdin, the 403 of a user without create pods/exec and the error for
// a missing container, as Kubernetes prints them.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role, RoleBinding } from '../../../lib/gen/kite/rbac/v1/types';
import { IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { kubeletFixture, type KubeletFixture } from './kubelet-fixture';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('pods/exec over the HTTP API (kubectl exec -> WebSocket -> apiserver -> kubelet -> Docker)', function () {
  this.timeout(60_000);
  let fx: KubeletFixture;
  const dir = mkdtempSync(join(tmpdir(), 'kite-kubectl-exec-'));
  let env: NodeJS.ProcessEnv;

  const kubectl = (args: string[], input?: string): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile('kubectl', args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
        const code = err ? ((err as { code?: unknown }).code as number) : 0;
        resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
      });
      if (input !== undefined) child.stdin!.end(input);
      else child.stdin!.end();
    });

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    // RBAC: the development caller is system:masters (so may impersonate); alice has no role at all.
    fx = await kubeletFixture('kex', {}, { securePort: 0, authorizationMode: 'RBAC' });
    await fx.startKubelet();
    await fx.createPod('shell', [{ name: 'c', image: TEST_IMAGES.busybox, command: ['sleep', '3600'] }], { terminationGracePeriodSeconds: 0, hostname: 'exec-host' });
    await fx.waitForPod('shell', 'Running', (p) => p.status!.phase === 'Running');
    // alice may read pods (kubectl exec reads the pod first) but not exec into them.
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

  it('prints the command output', async () => {
    const r = await kubectl(['exec', 'shell', '--', 'cat', '/etc/hostname']);
    assert.deepEqual(r, { code: 0, stdout: 'exec-host\n', stderr: '' });
  });

  it('keeps stdout and stderr apart', async () => {
    const r = await kubectl(['exec', 'shell', '-c', 'c', '--', 'sh', '-c', 'echo out; echo err >&2']);
    assert.deepEqual(r, { code: 0, stdout: 'out\n', stderr: 'err\n' });
  });

  it("exits with the command's exit code", async () => {
    const r = await kubectl(['exec', 'shell', '--', 'sh', '-c', 'exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.stderr, 'command terminated with exit code 3\n');
  });

  it('feeds stdin with -i', async () => {
    const r = await kubectl(['exec', '-i', 'shell', '--', 'cat'], 'hi\n');
    assert.deepEqual(r, { code: 0, stdout: 'hi\n', stderr: '' });
  });

  it('refuses a user without create pods/exec with Kubernetes\' 403', async () => {
    const r = await kubectl(['exec', 'shell', '--as=alice', '--', 'true']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error from server (Forbidden): pods "shell" is forbidden: User "alice" cannot create resource "pods/exec" in API group "" in the namespace "default"\n');
  });

  it('names a missing container as Kubernetes does', async () => {
    const r = await kubectl(['exec', 'shell', '-c', 'nope', '--', 'true']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error from server (BadRequest): container nope is not valid for pod shell\n');
  });
});
