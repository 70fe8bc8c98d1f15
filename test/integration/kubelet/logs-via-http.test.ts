// pods/log over Kubernetes' HTTP API end to end: HTTP -> the front door -> the gate's PodLogs
// call -> the pod's kubelet -> Docker, as text/plain with tailLines and follow, and the real
// `kubectl logs` against the (plaintext, development) apiserver (its flags, -l, job/ and deployment/).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Deployment } from '../../../lib/gen/kite/apps/v1/types';
import { Job } from '../../../lib/gen/kite/batch/v1/types';
import { IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { kubeletFixture, type KubeletFixture } from './kubelet-fixture';

describe('pods/log over the HTTP API (HTTP -> apiserver -> kubelet -> Docker)', function () {
  this.timeout(60_000);
  let fx: KubeletFixture;
  const dir = mkdtempSync(join(tmpdir(), 'kite-kubectl-'));
  const port = () => fx.api.server.securePort!;

  /** The response's status, content type and body; `until` ends a streamed body once it holds that text. */
  const get = (path: string, until?: string): Promise<{ status: number; type: string; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: port(), path }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        const done = () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body });
        res.on('data', (d: string) => {
          body += d;
          if (until && body.includes(until)) {
            req.destroy();
            done();
          }
        });
        res.on('end', done);
      });
      req.on('error', (err) => (until ? undefined : reject(err)));
      req.end();
    });

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    fx = await kubeletFixture('klh', {}, { securePort: 0 });
    await fx.startKubelet();
    await fx.createPod('chatty', [{ name: 'c', image: TEST_IMAGES.busybox, command: ['sh', '-c', 'echo hello; echo world; exec sleep 3600'] }], {
      terminationGracePeriodSeconds: 0,
    });
    await fx.waitForPod('chatty', 'Running', (p) => p.status!.phase === 'Running');
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await fx?.cleanup();
  });

  it('streams the log as text/plain, with tailLines and follow', async () => {
    const all = await get('/api/v1/namespaces/default/pods/chatty/log');
    assert.equal(all.status, 200);
    assert.equal(all.type, 'text/plain');
    assert.equal(all.body, 'hello\nworld\n');
    assert.equal((await get('/api/v1/namespaces/default/pods/chatty/log?tailLines=1&container=c')).body, 'world\n');
    const followed = await get('/api/v1/namespaces/default/pods/chatty/log?follow=true', 'world\n');
    assert.equal(followed.body, 'hello\nworld\n');
    const missing = await get('/api/v1/namespaces/default/pods/chatty/log?container=nope');
    assert.equal(missing.status, 400);
  });

  /** The real kubectl against the apiserver's plaintext HTTP port. */
  const kubectl = (args: string[]) => {
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'dev', cluster: { server: `http://127.0.0.1:${port()}` } }],
        users: [{ name: 'dev', user: {} }],
        contexts: [{ name: 'dev', context: { cluster: 'dev', user: 'dev', namespace: 'default' } }],
        'current-context': 'dev',
      }),
    );
    return promisify(execFile)('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dir } });
  };

  it('kubectl logs prints it', async () => {
    assert.equal((await kubectl(['logs', 'chatty', '--tail=1'])).stdout, 'world\n');
  });

  it('kubectl logs --timestamps, --since, --limit-bytes, -c, and --previous of a container that never restarted', async () => {
    const stamped = (await kubectl(['logs', 'chatty', '--timestamps'])).stdout.trimEnd().split('\n');
    assert.equal(stamped.length, 2);
    stamped.forEach((l, i) => assert.match(l, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+Z ${['hello', 'world'][i]}$`)));
    assert.equal((await kubectl(['logs', 'chatty', '--since=1h', '-c', 'c'])).stdout, 'hello\nworld\n');
    assert.equal((await kubectl(['logs', 'chatty', '--limit-bytes=6'])).stdout, 'hello\n');
    await assert.rejects(kubectl(['logs', 'chatty', '--previous']), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.equal(err.stderr, 'Error from server (BadRequest): previous terminated container "c" in pod "chatty" not found\n');
      return true;
    });
  });

  it('kubectl logs -l, job/NAME and deployment/NAME find the pod through the selector', async () => {
    await fx.client.pods.patch('chatty', { metadata: { labels: { app: 'chatty' } } }, { namespace: 'default', type: 'merge' });
    const template = { metadata: { labels: { app: 'chatty' } }, spec: { containers: [{ name: 'c', image: TEST_IMAGES.busybox }] } };
    // No controllers run here: the Job (suspended) and the Deployment only lend kubectl their selectors.
    await fx.client.jobs.create(Job.fromPartial({ metadata: { name: 'chatty-job', namespace: 'default' }, spec: { manualSelector: true, selector: { matchLabels: { app: 'chatty' } }, template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } }, suspend: true } }));
    await fx.client.deployments.create(Deployment.fromPartial({ metadata: { name: 'chatty-web', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'chatty' } }, template } }));
    try {
      assert.equal((await kubectl(['logs', '-l', 'app=chatty'])).stdout, 'hello\nworld\n');
      assert.equal((await kubectl(['logs', 'job/chatty-job'])).stdout, 'hello\nworld\n');
      assert.equal((await kubectl(['logs', 'deployment/chatty-web', '--tail=1'])).stdout, 'world\n');
    } finally {
      await fx.client.jobs.delete('chatty-job', { namespace: 'default' });
      await fx.client.deployments.delete('chatty-web', { namespace: 'default' });
    }
  });
});
