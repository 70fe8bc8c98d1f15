// DockerRuntime.pullImage against a stand-in Docker Engine on a unix socket (no traffic leaves the
// machine): the credentials go in the X-Registry-Auth header of POST /images/create, and an
// anonymous pull sends none.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { DockerRuntime } from '../../../../services/kubelet/runtime/docker-runtime';
import { ImagePullError } from '../../../../services/kubelet/runtime/errors';

interface EngineRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

describe('DockerRuntime pullImage (stand-in engine)', () => {
  let dir: string;
  let server: Server;
  let requests: EngineRequest[];
  let reply: string;
  let runtime: DockerRuntime;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kite-pull-'));
    requests = [];
    reply = '{"status":"Pulling from library/app"}\n{"status":"Download complete"}\n';
    server = createServer((req, res) => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers });
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(reply);
    });
    const socketPath = join(dir, 'docker.sock');
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    runtime = new DockerRuntime({ docker: new Docker({ socketPath }), nodeName: 'n1', rootDir: dir });
  });

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the credentials as X-Registry-Auth on the pull', async () => {
    await runtime.pullImage('registry.example:5000/team/app:1.0', { username: 'robot', password: 's3cret', serveraddress: 'registry.example:5000' });
    assert.equal(requests.length, 1);
    const [r] = requests;
    assert.equal(r.method, 'POST');
    assert.match(r.url, /\/images\/create\?/);
    const query = new URLSearchParams(r.url.split('?')[1]);
    assert.equal(query.get('fromImage'), 'registry.example:5000/team/app');
    assert.equal(query.get('tag'), '1.0');
    assert.equal(query.has('authconfig'), false, 'credentials never go in the URL');
    const header = r.headers['x-registry-auth'];
    assert.equal(typeof header, 'string');
    const auth = JSON.parse(Buffer.from(String(header).replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString());
    assert.deepEqual(auth, { username: 'robot', password: 's3cret', serveraddress: 'registry.example:5000' });
  });

  it('pulls anonymously without credentials', async () => {
    await runtime.pullImage('app');
    assert.equal(requests[0].headers['x-registry-auth'], undefined);
    assert.equal(new URLSearchParams(requests[0].url.split('?')[1]).get('tag'), 'latest');
  });

  it("reports the engine's refusal found in the progress stream", async () => {
    reply = '{"error":"unauthorized: authentication required","errorDetail":{"message":"unauthorized: authentication required"}}\n';
    await assert.rejects(
      runtime.pullImage('registry.example/app:1', { username: 'robot', password: 'wrong', serveraddress: 'registry.example' }),
      (e: unknown) => e instanceof ImagePullError && e.message === 'failed to pull image "registry.example/app:1": unauthorized: authentication required',
    );
  });
});
