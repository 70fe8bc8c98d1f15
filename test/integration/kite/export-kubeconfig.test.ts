// `kite export kubeconfig` for a cluster made before Kite served Kubernetes' HTTP API: its
// control-plane node publishes the gRPC port only. kitectl's context is still exported and the
// command succeeds (scripts/up.sh re-runs it on an existing cluster), with a warning that kubectl
// needs the cluster made again. The "node" is a labelled busybox container on the host engine
// holding an admin kubeconfig, as a kite node does; it is removed afterwards.
import { strict as assert } from 'node:assert';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { ensureTestImages, IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { uniqueName } from '../../support/names';

const KITE = resolve(__dirname, '..', '..', '..', 'bin', 'kite');
const dockerCli = (args: string[]) => promisify(execFile)('docker', args);

function runKite(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('node', [KITE, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}

describe('kite export kubeconfig: a cluster without the HTTP API port', function () {
  this.timeout(IMAGE_BUILD_TIMEOUT_MS);
  const cluster = uniqueName('old');
  const node = `${cluster}-control-plane`;
  const dir = mkdtempSync(join(tmpdir(), 'kite-export-'));
  const admin = [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: kite, cluster: {server: "https://old-control-plane:6443", certificate-authority-data: Y2E=}}]',
    'users: [{name: admin, user: {client-certificate-data: Y2VydA==, client-key-data: a2V5}}]',
    'contexts: [{name: kite, context: {cluster: kite, user: admin}}]',
    'current-context: kite',
  ].join('\n');

  before(async () => {
    await ensureTestImages();
    await dockerCli([
      'run', '-d', '--name', node, '--label', `io.kite.cluster=${cluster}`, '--label', 'io.kite.role=control-plane',
      '-p', '127.0.0.1::6443', TEST_IMAGES.busybox, 'sh', '-c', `mkdir -p /etc/kite && printf '%s\\n' '${admin}' > /etc/kite/admin.conf && sleep 3600`,
    ]);
  });

  after(async () => {
    await dockerCli(['rm', '-f', node]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it("exports kitectl's context and warns that kubectl needs the cluster made again", async () => {
    const kitectlConfig = join(dir, 'kite-config');
    const kubectlConfig = join(dir, 'kube-config');
    const r = await runKite(['export', 'kubeconfig', '--name', cluster, '--kubeconfig', kitectlConfig], { ...process.env, KUBECONFIG: kubectlConfig });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Set kitectl context in /);
    assert.doesNotMatch(r.stdout, /Set kubectl context/);
    assert.match(r.stderr, new RegExp(`WARNING: no kubectl context for cluster "${cluster}": node ${node} publishes no apiserver port 6444; .*recreate it`));
    const written = parse(readFileSync(kitectlConfig, 'utf8'));
    assert.equal(written['current-context'], `kite-${cluster}`);
    assert.match(written.clusters[0].cluster.server, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.throws(() => readFileSync(kubectlConfig), /ENOENT/, 'nothing is written for kubectl');
  });
});
