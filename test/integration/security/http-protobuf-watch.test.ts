// Protobuf watch streams on the HTTP API, as client-go's protobuf clients read them from
// kube-apiserver: `Accept: application/vnd.kubernetes.protobuf;stream=watch` gets
// `application/vnd.kubernetes.protobuf;stream=watch`, length-delimited meta.v1.WatchEvent frames
// whose objects are protobuf bodies (decoded here with lib/api/k8s-protobuf.ts), bookmarks, and an
// expired resourceVersion as an ERROR event carrying a 410 Status; a client that also accepts JSON
// keeps JSON lines.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { ClientHttp2Session } from 'node:http2';
import { decodeWatchFrames, type DecodedProtobuf } from '../../../lib/api/k8s-protobuf';
import { http2Request, http2Session } from '../../support/https-request';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

const WATCH_ACCEPT = 'application/vnd.kubernetes.protobuf;stream=watch';

describe('HTTP API: protobuf watch streams', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  let admin: ClientHttp2Session;
  const ns = uniqueName('pbwatch');

  const send = (method: string, path: string, body?: object, contentType = 'application/json') => http2Request(admin, method, path, body, { 'content-type': contentType });

  /** A watch read as frames until `done` says so; the content type and the events seen. */
  const watch = (path: string, accept: string) => {
    const events: { type: string; object: DecodedProtobuf }[] = [];
    const w = admin.request({ ':method': 'GET', ':path': path, accept });
    const r = { status: 0, contentType: '', events, raw: Buffer.alloc(0) as Buffer, close: () => w.close() };
    w.on('response', (h) => {
      r.status = Number(h[':status']);
      r.contentType = String(h['content-type']);
    });
    let pending: Buffer = Buffer.alloc(0);
    w.on('data', (d: Buffer) => {
      r.raw = Buffer.concat([r.raw, d]);
      if (!r.contentType.startsWith('application/vnd.kubernetes.protobuf')) return;
      const { events: more, rest } = decodeWatchFrames(Buffer.concat([pending, d]));
      events.push(...more);
      pending = rest;
    });
    return r;
  };

  const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: name } });

  before(async () => {
    s = await startSecureApiserver({ config: { securePort: 0, watchCacheSize: 5, bookmarkIntervalMs: 200 } });
    admin = http2Session({ port: s.server.securePort!, ca: s.ca.cert, cert: readFileSync(s.pki.admin.cert, 'utf8'), key: readFileSync(s.pki.admin.key, 'utf8') });
    assert.equal((await send('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })).status, 201);
  });
  after(async () => {
    admin?.close();
    await s?.stop();
  });

  it('streams ADDED, MODIFIED, DELETED and BOOKMARK events as length-delimited WatchEvent frames', async () => {
    const first = await send('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap('one'));
    const w = watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${first.json.metadata.resourceVersion}&allowWatchBookmarks=true`, WATCH_ACCEPT);
    await waitFor('the watch to start', () => w.status === 200, 5000);
    assert.equal(w.contentType, WATCH_ACCEPT);
    await send('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap('two'));
    await send('PATCH', `/api/v1/namespaces/${ns}/configmaps/two`, { data: { k: 'changed' } }, 'application/merge-patch+json');
    await send('DELETE', `/api/v1/namespaces/${ns}/configmaps/one`);
    await waitFor('the DELETED event', () => w.events.some((e) => e.type === 'DELETED'), 5000);
    await waitFor('a BOOKMARK event', () => w.events.some((e) => e.type === 'BOOKMARK'), 5000);
    w.close();
    const changes = w.events.filter((e) => e.type !== 'BOOKMARK');
    assert.deepEqual(changes.map((e) => [e.type, e.object.kind, e.object.apiVersion, (e.object.object.metadata as { name: string }).name]), [
      ['ADDED', 'ConfigMap', 'v1', 'two'],
      ['MODIFIED', 'ConfigMap', 'v1', 'two'],
      ['DELETED', 'ConfigMap', 'v1', 'one'],
    ]);
    assert.deepEqual(changes[0].object.object.data, { k: 'two' });
    assert.deepEqual(changes[1].object.object.data, { k: 'changed' });
    const bookmark = w.events.find((e) => e.type === 'BOOKMARK')!;
    assert.equal(bookmark.object.kind, 'ConfigMap');
    assert.ok(Number((bookmark.object.object.metadata as { resourceVersion: string }).resourceVersion) > Number(first.json.metadata.resourceVersion));
  });

  it('ends an expired watch with an ERROR frame holding the 410 Status', async () => {
    for (let i = 0; i < 7; i++) await send('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap(`fill-${i}`));
    const w = watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=1`, WATCH_ACCEPT);
    await waitFor('the ERROR event', () => w.events.some((e) => e.type === 'ERROR'), 5000);
    w.close();
    const error = w.events.find((e) => e.type === 'ERROR')!;
    assert.equal(error.object.kind, 'Status');
    assert.equal(error.object.object.code, 410);
    assert.equal(error.object.object.reason, 'Expired');
  });

  it('keeps JSON lines for a client that also accepts JSON', async () => {
    const w = watch(`/api/v1/namespaces/${ns}/configmaps?watch=true&timeoutSeconds=1`, `${WATCH_ACCEPT}, application/json`);
    await waitFor('the watch to end', () => w.status === 200 && w.raw.length > 0, 5000);
    assert.equal(w.contentType, 'application/json');
    assert.equal(JSON.parse(w.raw.toString().split('\n')[0]).type, 'ADDED');
    w.close();
  });
});
