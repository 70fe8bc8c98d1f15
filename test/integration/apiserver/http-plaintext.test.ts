// The HTTP API of a plaintext development apiserver (no TLS, no authentication): HTTP/1.1, as the
// gRPC port is plaintext, every caller the development admin; and off unless --secure-port asks.
import { strict as assert } from 'node:assert';
import { request } from 'node:http';
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

  it('is off without --secure-port', async () => {
    const api = await startTestApiserver();
    try {
      assert.equal(api.server.securePort, undefined);
    } finally {
      await api.stop();
    }
  });
});
