// The HTTP front door reads a connection's client certificate once (node copies it out of OpenSSL
// on every getPeerCertificate()), not once per request, and each connection still answers as its
// own certificate's user, over HTTP/2 and HTTP/1.1 keep-alive.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import type { ClientHttp2Session } from 'node:http2';
import { TLSSocket } from 'node:tls';
import { issueClientCertificate } from '../../../lib/pki/certificates';
import { http2Request, http2Session } from '../../support/https-request';
import { uniqueName } from '../../support/names';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

describe('security: the HTTP front door reads a connection\'s certificate once', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  const ns = uniqueName('peer');
  /** getPeerCertificate() calls on the front door's sockets (the gRPC port's are not counted). */
  let reads = 0;
  const getPeerCertificate = TLSSocket.prototype.getPeerCertificate;

  const http2Get = (session: ClientHttp2Session, path: string) => http2Request(session, 'GET', path);

  before(async () => {
    s = await startSecureApiserver({ config: { securePort: 0 } });
    TLSSocket.prototype.getPeerCertificate = function (this: TLSSocket, detailed?: boolean) {
      if (this.localPort === s.server.securePort) reads++;
      return getPeerCertificate.call(this, detailed as true);
    } as typeof getPeerCertificate;
    const admin = http2Session({ port: s.server.securePort!, ca: s.ca.cert, cert: readFileSync(s.pki.admin.cert), key: readFileSync(s.pki.admin.key) });
    try {
      const r = await new Promise<number>((resolve, reject) => {
        const req = admin.request({ ':method': 'POST', ':path': '/api/v1/namespaces', 'content-type': 'application/json' });
        req.on('response', (h) => resolve(Number(h[':status'])));
        req.on('error', reject);
        req.end(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
      });
      assert.equal(r, 201);
    } finally {
      admin.close();
    }
  });
  after(async () => {
    TLSSocket.prototype.getPeerCertificate = getPeerCertificate;
    await s?.stop();
  });

  it('over HTTP/2: once per session, and each session is its own certificate\'s user', async () => {
    const alice = http2Session({ port: s.server.securePort!, ca: s.ca.cert, ...(await issueClientCertificate(s.ca, 'alice', [])) });
    const admin = http2Session({ port: s.server.securePort!, ca: s.ca.cert, cert: readFileSync(s.pki.admin.cert), key: readFileSync(s.pki.admin.key) });
    try {
      const before = reads;
      for (let i = 0; i < 5; i++) {
        const [a, b] = await Promise.all([http2Get(alice, `/api/v1/namespaces/${ns}/pods`), http2Get(admin, `/api/v1/namespaces/${ns}/pods`)]);
        assert.equal(a.status, 403);
        assert.match(a.json.message, /User "alice" cannot list/);
        assert.equal(b.status, 200);
        assert.equal(b.json.kind, 'PodList');
      }
      assert.equal(reads - before, 2, 'one read per session, not per request');
    } finally {
      alice.close();
      admin.close();
    }
  });

  it('over HTTP/1.1 keep-alive: once per connection', async () => {
    const pair = await issueClientCertificate(s.ca, 'alice', []);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ status: number; json: any }>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port: s.server.securePort, path: `/api/v1/namespaces/${ns}/pods`, ca: s.ca.cert, servername: 'kubernetes', agent, ...pair }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(body) }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      const before = reads;
      for (let i = 0; i < 4; i++) {
        const r = await get();
        assert.equal(r.status, 403);
        assert.match(r.json.message, /User "alice" cannot list/);
      }
      assert.equal(reads - before, 1);
    } finally {
      agent.destroy();
    }
  });
});
