// deletecollection through Kubernetes' official JavaScript client (@kubernetes/client-node)
// against the HTTP API of a real secure apiserver: deleteCollectionNamespacedConfigMap with a
// labelSelector deletes exactly the matching ConfigMaps of its namespace (none elsewhere), and the
// cluster-scoped variant (deleteCollectionNode) deletes exactly the matching Nodes.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { uniqueName } from '../../support/names';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

describe('HTTP deletecollection with @kubernetes/client-node', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  let core: CoreV1Api;
  const ns = uniqueName('dc');
  const elsewhere = uniqueName('dc-other');

  before(async () => {
    s = await startSecureApiserver({ config: { securePort: 0 } });
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'kite', server: `https://127.0.0.1:${s.server.securePort}`, caData: Buffer.from(s.ca.cert).toString('base64'), skipTLSVerify: false }],
      users: [{ name: 'admin', certData: readFileSync(s.pki.admin.cert).toString('base64'), keyData: readFileSync(s.pki.admin.key).toString('base64') }],
      contexts: [{ name: 'kite', cluster: 'kite', user: 'admin', namespace: ns }],
      currentContext: 'kite',
    });
    core = kc.makeApiClient(CoreV1Api);
    for (const n of [ns, elsewhere]) await core.createNamespace({ body: { metadata: { name: n } } });
  });
  after(async () => {
    await s?.stop();
  });

  const names = (items: { metadata?: { name?: string } }[]) => items.map((i) => i.metadata?.name).sort();

  it('deleteCollectionNamespacedConfigMap with a labelSelector deletes exactly the matching ones', async () => {
    const cm = (namespace: string, name: string, tier: string) => core.createNamespacedConfigMap({ namespace, body: { metadata: { name, labels: { tier } }, data: { k: 'v' } } });
    await Promise.all([cm(ns, 'web-1', 'web'), cm(ns, 'web-2', 'web'), cm(ns, 'db-1', 'db'), cm(elsewhere, 'web-3', 'web')]);
    await core.deleteCollectionNamespacedConfigMap({ namespace: ns, labelSelector: 'tier=web' });
    assert.deepEqual(names((await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'tier' })).items), ['db-1']);
    assert.deepEqual(names((await core.listNamespacedConfigMap({ namespace: elsewhere, labelSelector: 'tier' })).items), ['web-3'], 'another namespace is left alone');
  });

  it('deleteCollectionNode (cluster-scoped) deletes exactly the matching ones', async () => {
    const pool = uniqueName('pool');
    const node = (name: string, group: string) => core.createNode({ body: { metadata: { name, labels: { [pool]: group } } } });
    await Promise.all([node(`${pool}-a`, 'drained'), node(`${pool}-b`, 'drained'), node(`${pool}-c`, 'kept')]);
    await core.deleteCollectionNode({ labelSelector: `${pool}=drained` });
    assert.deepEqual(names((await core.listNode({ labelSelector: pool })).items), [`${pool}-c`]);
  });
});
