// A TLS client meeting a plaintext gRPC server, and a plaintext client meeting a TLS one, over
// real loopback sockets: every component's Clientset.waitForReady and kitectl say what the
// server speaks and name the fix (lib/client/connection-errors.ts), at the first failed attempt,
// instead of "connection failed"; kitectl exits 1.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { Clientset } from '../../../../lib/client/clientset';
import { describeConnectionFailure } from '../../../../lib/client/connection-errors';
import { writeConfigFile } from '../../../../lib/client/kubeconfig';
import { createCA, issueServerCertificate } from '../../../../lib/pki/certificates';
import { run } from '../../../../services/kitectl/main';

function listen(server: Server, creds: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', creds, (err, port) => (err ? reject(err) : resolve(port))));
}

async function kitectl(args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await run(args, { out: () => undefined, err: (s) => void (err += s), readStdin: async () => '', signal: new AbortController().signal });
  return { code, err };
}

describe('TLS mismatch between a client and the apiserver', () => {
  const plain = new Server();
  const tls = new Server();
  let plainAt: string;
  let tlsAt: string;
  let ca: Buffer;
  let dir: string;
  /** A kitectl config whose context names the plaintext server with a CA, as a TLS cluster's would. */
  let tlsConfigForPlainServer: string;

  before(async () => {
    const authority = await createCA('kite-test-ca');
    const serving = await issueServerCertificate(authority, 'kube-apiserver', ['kubernetes', '127.0.0.1']);
    ca = Buffer.from(authority.cert);
    plainAt = `127.0.0.1:${await listen(plain, ServerCredentials.createInsecure())}`;
    tlsAt = `127.0.0.1:${await listen(tls, ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(serving.cert), private_key: Buffer.from(serving.key) }]))}`;
    dir = mkdtempSync(join(tmpdir(), 'kite-tls-mismatch-'));
    tlsConfigForPlainServer = join(dir, 'config');
    writeConfigFile(tlsConfigForPlainServer, {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: `https://${plainAt}`, 'certificate-authority-data': ca.toString('base64') } }],
      users: [{ name: 'u', user: {} }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ctx',
    });
  });
  after(() => {
    plain.forceShutdown();
    tls.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const plaintextServerFix = () => `the server at ${plainAt} does not speak TLS (SSL routines: wrong version number): use --server http://${plainAt} or a context without certificate-authority`;
  const tlsServerFix = () => `the server at ${tlsAt} speaks TLS and this client does not: use --server https://${tlsAt} with the cluster's certificate-authority, or a context with certificate-authority-data`;

  it('a component with TLS settings and a plaintext server: waitForReady names the fix at the first failed attempt', async () => {
    const client = new Clientset({ address: plainAt, tls: true, ca, namespace: 'default', source: 'test config' });
    try {
      // A deadline far beyond the test's timeout: only the mismatch can end the wait in time.
      await assert.rejects(client.waitForReady(600_000), (err: Error) => {
        assert.equal(err.message, `cannot reach the apiserver at ${plainAt} (from test config): ${plaintextServerFix()}`);
        return true;
      });
    } finally {
      client.close();
    }
  });

  it('a plaintext component and a TLS server: waitForReady names the fix at the first failed attempt', async () => {
    const client = new Clientset({ address: tlsAt, tls: false, namespace: 'default', source: '--server' });
    try {
      await assert.rejects(client.waitForReady(600_000), (err: Error) => {
        assert.equal(err.message, `cannot reach the apiserver at ${tlsAt} (from --server): ${tlsServerFix()}`);
        return true;
      });
    } finally {
      client.close();
    }
  });

  it('kitectl with a context naming a CA and a plaintext server says the server does not speak TLS and exits 1', async () => {
    const r = await kitectl(['--kubeconfig', tlsConfigForPlainServer, 'get', 'pods']);
    assert.equal(r.code, 1);
    assert.equal(r.err, `error: cannot reach the apiserver at ${plainAt} (from ${tlsConfigForPlainServer}): ${plaintextServerFix()}\n`);
  });

  it('kitectl with --server http:// and a TLS server says the server speaks TLS and exits 1', async () => {
    const r = await kitectl(['--server', `http://${tlsAt}`, 'get', 'pods']);
    assert.equal(r.code, 1);
    assert.equal(r.err, `error: cannot reach the apiserver at ${tlsAt} (from --server): ${tlsServerFix()}\n`);
  });

  it('kitectl with no server listening keeps its short advice (nothing is known of what the server speaks)', async () => {
    const r = await kitectl(['--server', 'http://127.0.0.1:1', 'get', 'pods']);
    assert.equal(r.code, 1);
    assert.equal(r.err, 'error: cannot reach the apiserver at 127.0.0.1:1 (from --server): connection failed (is the apiserver running and is the address right?)\n');
  });

  it('a refused connection is not taken for a TLS server (no handshake is tried)', async () => {
    const f = await describeConnectionFailure({ address: '127.0.0.1:1', tls: false }, 'connect ECONNREFUSED 127.0.0.1:1');
    assert.equal(f.cause, 'other');
  });
});
