// ServiceAccounts end to end against a real apiserver with the ServiceAccount admission on: the
// serviceaccount controller and the root-ca-cert-publisher fill a new namespace and put back what
// is deleted or edited, and a pod created there gets its ServiceAccount and the token volume.
import { strict as assert } from 'node:assert';
import { ForbiddenError } from '../../../lib/api/errors';
import { ConfigMaps, ServiceAccounts } from '../../../lib/api/kinds';
import type { Clientset } from '../../../lib/client/clientset';
import { Namespace, Pod } from '../../../lib/gen/kite/core/v1/types';
import { createCA } from '../../../lib/pki/certificates';
import { startControllerManager, type ControllerManager } from '../../../services/controller-manager/manager';
import { ROOT_CA_DESCRIPTION } from '../../../services/controller-manager/rootcacertpublisher/root-ca-cert-publisher';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';

describe('controller-manager: ServiceAccounts and the root CA ConfigMap (ServiceAccount admission on)', function () {
  this.timeout(60_000);
  let api: TestApiserver;
  let client: Clientset;
  let cm: ControllerManager;
  let ca: string;
  let ns: string;
  const stop = new AbortController();

  before(async () => {
    api = await startTestApiserver({ enableAdmissionPlugins: ['ServiceAccount'] });
    client = api.client();
    ca = (await createCA('kite-sa-test')).cert;
    cm = startControllerManager({
      clientset: api.client(),
      controllers: ['serviceaccount', 'root-ca-cert-publisher'],
      options: { 'root-ca-cert-publisher': { rootCA: ca } },
      signal: stop.signal,
    });
    assert.equal(await cm.synced, true);
    ns = uniqueName('sa');
    await client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
  });

  after(async () => {
    stop.abort();
    await cm?.done;
    await api?.stop();
  });

  const serviceAccount = () => client.resource(ServiceAccounts).get('default', ns).catch(() => undefined);
  const rootCA = () => client.resource(ConfigMaps).get('kube-root-ca.crt', ns).catch(() => undefined);

  it('gives a new namespace its default ServiceAccount and kube-root-ca.crt, and the existing ones too', async () => {
    await waitFor('default ServiceAccount', serviceAccount);
    const cmap = await waitFor('kube-root-ca.crt', rootCA);
    assert.deepEqual(cmap.data, { 'ca.crt': ca });
    assert.equal(cmap.metadata!.annotations['kubernetes.io/description'], ROOT_CA_DESCRIPTION);
    for (const existing of ['default', 'kube-system', 'kube-public']) {
      await waitFor(`default ServiceAccount in ${existing}`, () => client.resource(ServiceAccounts).get('default', existing).catch(() => undefined));
    }
  });

  it('re-creates the default ServiceAccount when it is deleted', async () => {
    const before = await waitFor('default ServiceAccount', serviceAccount);
    await client.resource(ServiceAccounts).delete('default', { namespace: ns });
    await waitFor('a new default ServiceAccount', async () => {
      const sa = await serviceAccount();
      return sa && sa.metadata!.uid !== before.metadata!.uid;
    });
  });

  it('puts kube-root-ca.crt back when it is edited or deleted', async () => {
    const cmap = await waitFor('kube-root-ca.crt', rootCA);
    await client.resource(ConfigMaps).update({ ...cmap, data: { 'ca.crt': 'forged' }, metadata: { ...cmap.metadata!, annotations: {} } });
    await waitFor('ca.crt and the description restored', async () => {
      const c = await rootCA();
      return c?.data['ca.crt'] === ca && c.metadata!.annotations['kubernetes.io/description'] === ROOT_CA_DESCRIPTION;
    });
    await client.resource(ConfigMaps).delete('kube-root-ca.crt', { namespace: ns });
    await waitFor('kube-root-ca.crt re-created', async () => (await rootCA())?.data['ca.crt'] === ca);
  });

  it('admits a pod with its ServiceAccount and token volume, and refuses one naming a missing ServiceAccount', async () => {
    await waitFor('default ServiceAccount', serviceAccount);
    const pod = await client.pods.create(Pod.fromPartial({ metadata: { name: 'p', namespace: ns }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }));
    assert.equal(pod.spec!.serviceAccountName, 'default');
    const [volume] = pod.spec!.volumes;
    assert.match(volume.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(volume.projected!.sources.map((s) => Object.keys(s).filter((k) => (s as Record<string, unknown>)[k])), [['serviceAccountToken'], ['configMap'], ['downwardAPI']]);
    assert.deepEqual(pod.spec!.containers[0].volumeMounts, [{ name: volume.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', subPath: '', subPathExpr: '' }]);
    await assert.rejects(
      client.pods.create(Pod.fromPartial({ metadata: { name: 'q', namespace: ns }, spec: { serviceAccountName: 'ghost', containers: [{ name: 'c', image: 'nginx' }] } })),
      (err: Error) => err instanceof ForbiddenError && err.message === `pods "q" is forbidden: error looking up service account ${ns}/ghost: serviceaccount "ghost" not found`,
    );
  });
});
