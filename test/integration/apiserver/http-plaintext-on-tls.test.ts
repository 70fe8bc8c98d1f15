// A plaintext HTTP request on the HTTPS front door (--secure-port of an apiserver with TLS) is
// answered as kube-apiserver's Go server answers it: 400 "Client sent an HTTP request to an
// HTTPS server." in plaintext, the connection closed; the real kubectl given http:// for that
// port then fails at once with Kubernetes' BadRequest wording instead of retrying on EOF.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLAINTEXT_ON_TLS_REPLY } from '../../../services/apiserver/http/plaintext-request';
import { installedKubectl } from '../kubectl/kubectl-harness';
import { startSecureApiserver, type SecureApiserver } from '../security/secure-apiserver';

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, err }));
  });
}

describe('plaintext HTTP on the HTTPS front door', function () {
  this.timeout(60_000);
  let api: SecureApiserver;
  let home: string;

  before(async () => {
    api = await startSecureApiserver({ config: { securePort: 0 } });
    home = mkdtempSync(join(tmpdir(), 'kite-kubectl-home-'));
  });
  after(async () => {
    await api?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('answers a plaintext request with 400 "Client sent an HTTP request to an HTTPS server." and closes', async () => {
    const socket = connect(api.server.securePort!, '127.0.0.1');
    await once(socket, 'connect');
    let reply = '';
    socket.on('data', (d: Buffer) => (reply += d.toString()));
    socket.write('GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await once(socket, 'close');
    assert.equal(reply, PLAINTEXT_ON_TLS_REPLY);
    assert.equal(PLAINTEXT_ON_TLS_REPLY, 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
  });

  it('still serves TLS clients on the same port', async () => {
    const admin = await api.admin();
    assert.equal((await admin.namespaces.get('default')).metadata!.name, 'default');
  });

  it('the real kubectl given http:// for the HTTPS port fails with BadRequest', async function () {
    if (!installedKubectl()) this.skip();
    const env = { ...process.env, HOME: home, KUBECONFIG: join(home, 'none') };
    const r = await run('kubectl', ['--server', `http://127.0.0.1:${api.server.securePort}`, 'get', 'pods', '--request-timeout', '20s'], env);
    assert.equal(r.code, 1);
    assert.match(r.err, /Error from server \(BadRequest\): the server rejected our request for an unknown reason/);
  });
});
