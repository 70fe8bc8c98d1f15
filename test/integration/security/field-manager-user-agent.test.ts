// The field manager a write that names none is recorded for, as kube-apiserver's handlers choose it
// (managerOrUserAgent): the caller's User-Agent up to its first '/', printable characters only, cut
// at 128 bytes, empty for a request without one. Over HTTPS that is the HTTP client's agent, never
// the front door's internal gRPC hop's (`grpc-node-js`); over gRPC the agent the client configured,
// without the `grpc-node-js/<version>` grpc-js appends to it.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { ConfigMap, Namespace } from '../../../lib/gen/kite/core/v1/types';
import { httpsRequest, type HttpsReply } from '../../support/https-request';
import { uniqueName } from '../../support/names';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

describe('the field manager of a write without fieldManager', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  const ns = uniqueName('managers');

  /** A request as the admin over HTTP/1.1; `agent` the User-Agent header, none when undefined. */
  const http = (method: string, path: string, body: object, agent?: string, contentType = 'application/json') =>
    httpsRequest(
      { port: s.server.securePort!, ca: s.ca.cert, cert: readFileSync(s.pki.admin.cert), key: readFileSync(s.pki.admin.key) },
      method,
      path,
      body,
      { 'content-type': contentType, ...(agent === undefined ? {} : { 'user-agent': agent }) },
    );
  const configMap = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
  const managers = (r: HttpsReply): string[] => r.json.metadata.managedFields.map((e: { manager?: string }) => e.manager ?? '');

  before(async () => {
    s = await startSecureApiserver({ config: { securePort: 0 } });
    await (await s.admin()).namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
  });
  after(() => s?.stop());

  it('over HTTPS is the User-Agent before its first "/": empty without one, at most 128 bytes, fieldManager first', async () => {
    const path = `/api/v1/namespaces/${ns}/configmaps`;
    const bare = await http('POST', path, configMap('bare', { a: '1' }));
    assert.equal(bare.status, 201, bare.body);
    assert.deepEqual(managers(bare), ['']);
    assert.equal('manager' in bare.json.metadata.managedFields[0], false, 'an empty manager is left out, as Go\'s omitempty leaves it');

    const curl = await http('POST', path, configMap('curl', { a: '1' }), 'curl/8.5.0');
    assert.equal(curl.status, 201, curl.body);
    assert.deepEqual(managers(curl), ['curl']);

    const edited = await http('PUT', `${path}/curl`, { ...configMap('curl', { a: '2' }), metadata: { name: 'curl', resourceVersion: curl.json.metadata.resourceVersion } }, 'kubectl-edit/v1.32.0 (linux/amd64) kubernetes/70d3cc9');
    assert.equal(edited.status, 200, edited.body);
    // The update takes the value it changed (f:data.f:a); the map itself (f:data.{.}) stays curl's.
    assert.deepEqual(managers(edited).sort(), ['curl', 'kubectl-edit']);

    const long = await http('PATCH', `${path}/bare`, { data: { b: '1' } }, `${'x'.repeat(200)}/1.0`, 'application/merge-patch+json');
    assert.equal(long.status, 200, long.body);
    assert.deepEqual(managers(long).sort(), ['', 'x'.repeat(128)]);

    const named = await http('PATCH', `${path}/bare?fieldManager=mine`, { data: { c: '1' } }, 'curl/8.5.0', 'application/merge-patch+json');
    assert.equal(named.status, 200, named.body);
    assert.ok(managers(named).includes('mine'), managers(named).join());
    assert.ok(!managers(named).includes('curl'), managers(named).join());
  });

  it('over gRPC is the agent the client configured, without the one grpc-js appends', async () => {
    const adminPair = { cert: readFileSync(s.pki.admin.cert, 'utf8'), key: readFileSync(s.pki.admin.key, 'utf8') };
    for (const [agent, manager] of [['kite-scheduler', 'kite-scheduler'], ['kitectl/0.1.0', 'kitectl']]) {
      const client = await s.client({ pair: adminPair, userAgent: agent });
      const created = await client.configMaps.create(ConfigMap.fromPartial({ metadata: { name: uniqueName('grpc'), namespace: ns }, data: { a: '1' } }));
      assert.deepEqual(created.metadata!.managedFields.map((e) => e.manager), [manager]);
    }
  });
});
