// The real kubectl (on PATH) against a secure apiserver's HTTP API: a kubeconfig with the test's
// CA and the admin's client certificate, and the core verbs. HD's suite covers kubectl broadly.
import { strict as assert } from 'node:assert';
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';
import { kubectlWith, startSecureApiserver, writeKubeconfig, type SecureApiserver } from './secure-apiserver';

const run = promisify(execFile);

describe('HTTP API: the real kubectl', function () {
  this.timeout(120_000);
  let s: SecureApiserver;
  let env: NodeJS.ProcessEnv;
  const ns = uniqueName('kubectl');

  const kubectl = kubectlWith(() => env);

  before(async function () {
    try {
      await run('kubectl', ['version', '--client']);
    } catch {
      this.skip();
    }
    s = await startSecureApiserver({ config: { securePort: 0 } });
    const kubeconfig = writeKubeconfig(s, join(s.dir, 'kubeconfig'), { namespace: ns });
    env = { ...process.env, KUBECONFIG: kubeconfig, HOME: s.dir };
    // `kubectl create namespace` sends protobuf, which the front door does not read (yet): a manifest goes as JSON.
    const nsFile = join(s.dir, 'ns.json');
    writeFileSync(nsFile, JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
    await kubectl('create', '-f', nsFile);
  });
  after(() => s?.stop());

  it('creates from a file, gets as JSON and as a table, and deletes', async () => {
    const manifest = join(s.dir, 'pod.yaml');
    writeFileSync(manifest, ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: web', '  labels: {app: web}', 'spec:', '  containers:', '  - name: nginx', '    image: nginx', '    resources:', '      limits: {cpu: 1}', ''].join('\n'));
    assert.equal((await kubectl('create', '-f', manifest)).trim(), 'pod/web created');

    const list = JSON.parse(await kubectl('get', 'pods', '-o', 'json'));
    assert.equal(list.kind, 'List');
    assert.deepEqual(list.items.map((p: { metadata: { name: string } }) => p.metadata.name), ['web']);
    assert.equal(list.items[0].kind, 'Pod');
    assert.equal(list.items[0].spec.containers[0].resources.limits.cpu, '1');

    const table = await kubectl('get', 'pods');
    assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nweb\s+0\/1\s+Pending\s+0\s+\S+\n$/);

    assert.equal((await kubectl('delete', 'pod', 'web', '--grace-period=0', '--force')).split('\n').filter((l) => !l.startsWith('Warning')).join('\n').trim(), 'pod "web" force deleted');
    assert.equal((await kubectl('get', 'pods', '-o', 'json').then((o) => JSON.parse(o))).items.length, 0);
  });

  it('applies a deployment twice (the second unchanged), scales, labels and sets its image', async () => {
    const manifest = join(s.dir, 'deploy.yaml');
    writeFileSync(
      manifest,
      ['apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: web}', 'spec:', '  replicas: 1', '  selector: {matchLabels: {app: web}}', '  template:', '    metadata: {labels: {app: web}}', '    spec: {containers: [{name: nginx, image: nginx}]}', ''].join('\n'),
    );
    assert.equal((await kubectl('apply', '-f', manifest)).trim(), 'deployment.apps/web created');
    assert.equal((await kubectl('apply', '-f', manifest)).trim(), 'deployment.apps/web unchanged');
    assert.equal((await kubectl('scale', 'deployment', 'web', '--replicas=3')).trim(), 'deployment.apps/web scaled');
    assert.equal((await kubectl('label', 'deployment', 'web', 'tier=front')).trim(), 'deployment.apps/web labeled');
    assert.equal((await kubectl('set', 'image', 'deployment/web', 'nginx=nginx:1.25')).trim(), 'deployment.apps/web image updated');
    const d = JSON.parse(await kubectl('get', 'deployment', 'web', '-o', 'json'));
    assert.equal(d.spec.replicas, 3);
    assert.equal(d.metadata.labels.tier, 'front');
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.25');
    assert.equal((await kubectl('delete', 'deployment', 'web')).trim(), 'deployment.apps "web" deleted');
  });

  it('says what the server refused, in Kubernetes\' words', async () => {
    await assert.rejects(kubectl('get', 'pod', 'missing'), /Error from server \(NotFound\): pods "missing" not found/);
  });

  it('watches: kubectl get pods -w prints the first event', async () => {
    await kubectl('run', 'watched', '--image=nginx', '--restart=Never');
    const child = spawn('kubectl', ['get', 'pods', '-w', '--no-headers'], { env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor('the first event', () => /^watched\s+0\/1\s+Pending/m.test(out), 30_000);
    } finally {
      child.kill();
    }
  });
});
