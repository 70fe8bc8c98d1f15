// The HTTP API of a plaintext development apiserver (no TLS, no authentication): HTTP/1.1, as the
// gRPC port is plaintext, every caller the development admin, connections limited per peer; and
// off unless --secure-port asks.
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { startTestApiserver } from '../../support/apiserver';
import { useApiserver } from './harness';

function get(port: number, path: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(body) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP API of a plaintext development apiserver', function () {
  this.timeout(30_000);
  const h = useApiserver('sqlite', { securePort: 0 });

  it('serves plaintext HTTP/1.1 with the development identity', async () => {
    const ns = await get(h.api.server.securePort!, '/api/v1/namespaces/default');
    assert.equal(ns.status, 200);
    assert.equal(ns.json.kind, 'Namespace');
    assert.equal(ns.json.metadata.name, 'default');
    assert.equal((await get(h.api.server.securePort!, '/version')).status, 200);
  });

  it('closes connections beyond --max-connections-per-peer, as the gRPC port does', async () => {
    const api = await startTestApiserver({ securePort: 0, maxConnectionsPerPeer: 1 });
    const port = api.server.securePort!;
    const first = connect(port, '127.0.0.1');
    try {
      await once(first, 'connect');
      const second = connect(port, '127.0.0.1');
      second.on('error', () => undefined);
      await once(second, 'close');
      first.write('GET /version HTTP/1.1\r\nHost: x\r\n\r\n');
      const [reply] = (await once(first, 'data')) as [Buffer];
      assert.match(reply.toString(), /^HTTP\/1.1 200 OK/);
    } finally {
      first.destroy();
      await api.stop();
    }
  });

  it('is off without --secure-port', async () => {
    const api = await startTestApiserver();
    try {
      assert.equal(api.server.securePort, undefined);
    } finally {
      await api.stop();
    }
  });
});
