// Kubernetes' official JavaScript client (@kubernetes/client-node) against the HTTP API
// (--secure-port) of a real secure apiserver: a KubeConfig with the cluster CA and the admin's
// client certificate, the generated CoreV1Api/AppsV1Api (list, create, read, replace, merge and
// strategic merge patches, delete), errors as its ApiException carrying metav1.Status, Watch from
// a resourceVersion, and makeInformer (list then watch) including a restart from a resourceVersion
// the apiserver has compacted out of its window (ERROR 410 Expired, then a relist).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  ListWatch,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type V1ConfigMap,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

/** The metav1.Status an ApiException carries (client-node keeps the body as text). */
async function failure(call: Promise<unknown>): Promise<{ code: number; status: any }> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ApiException, String(err));
    return { code: err.code, status: typeof err.body === 'string' ? JSON.parse(err.body) : err.body };
  }
  assert.fail('the call must fail');
}

describe('HTTP API with @kubernetes/client-node', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  const ns = uniqueName('cn');

  const pod = (name: string, labels: Record<string, string> = { app: 'web' }): V1Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'c', image: 'nginx:1.22', ports: [{ containerPort: 80 }] }] },
  });
  const createPods = (names: string[], labels?: Record<string, string>) =>
    Promise.all(names.map((n) => core.createNamespacedPod({ namespace: ns, body: pod(n, labels) })));

  before(async () => {
    // A window of 5 events per kind, so a few writes push a resourceVersion out of it.
    s = await startSecureApiserver({ config: { securePort: 0, watchCacheSize: 5 } });
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'kite', server: `https://127.0.0.1:${s.server.securePort}`, caData: Buffer.from(s.ca.cert).toString('base64'), skipTLSVerify: false }],
      users: [{ name: 'admin', certData: readFileSync(s.pki.admin.cert).toString('base64'), keyData: readFileSync(s.pki.admin.key).toString('base64') }],
      contexts: [{ name: 'kite', cluster: 'kite', user: 'admin', namespace: ns }],
      currentContext: 'kite',
    });
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
  });
  after(async () => {
    await s?.stop();
  });

  it('creates, reads, lists, replaces, patches (merge and strategic) and deletes pods', async () => {
    const created = await core.createNamespacedPod({ namespace: ns, body: pod('p1') });
    assert.equal(created.metadata?.namespace, ns);
    assert.ok(created.metadata?.uid);
    assert.ok(created.metadata?.creationTimestamp instanceof Date, 'client-node parses the creation time');

    const read = await core.readNamespacedPod({ name: 'p1', namespace: ns });
    assert.equal(read.metadata?.uid, created.metadata?.uid);
    assert.equal(read.spec?.containers[0].ports?.[0].containerPort, 80);

    const list = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
    assert.equal(list.kind, 'PodList');
    assert.ok(list.metadata?.resourceVersion);
    assert.deepEqual(list.items.map((p) => p.metadata?.name), ['p1']);

    read.metadata!.labels = { ...read.metadata!.labels, v: '2' };
    const replaced = await core.replaceNamespacedPod({ name: 'p1', namespace: ns, body: read });
    assert.equal(replaced.metadata?.labels?.v, '2');
    assert.notEqual(replaced.metadata?.resourceVersion, read.metadata?.resourceVersion);

    // client-node sends JSON patch unless told otherwise: the content type is a header option.
    const merged = await core.patchNamespacedPod(
      { name: 'p1', namespace: ns, body: { metadata: { labels: { merged: 'yes' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.deepEqual(merged.metadata?.labels, { app: 'web', v: '2', merged: 'yes' });
    const strategic = await core.patchNamespacedPod(
      { name: 'p1', namespace: ns, body: { spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    assert.deepEqual(strategic.spec?.containers.map((c) => [c.name, c.image, c.ports?.[0].containerPort]), [['c', 'nginx:1.25', 80]], 'containers merge by name');
    const jsonPatched = await core.patchNamespacedPod({ name: 'p1', namespace: ns, body: [{ op: 'add', path: '/metadata/annotations', value: { a: 'b' } }] });
    assert.deepEqual(jsonPatched.metadata?.annotations, { a: 'b' });

    const deleted = await core.deleteNamespacedPod({ name: 'p1', namespace: ns, gracePeriodSeconds: 0 });
    assert.equal(deleted.metadata?.name, 'p1');
    const gone = await failure(core.readNamespacedPod({ name: 'p1', namespace: ns }));
    assert.equal(gone.code, 404);
    assert.equal(gone.status.kind, 'Status');
    assert.equal(gone.status.reason, 'NotFound');
    assert.deepEqual(gone.status.details, { name: 'p1', kind: 'pods' });
  });

  it('lists, patches and deletes deployments through AppsV1Api', async () => {
    const body = {
      metadata: { name: 'd1' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'd1' } }, template: { metadata: { labels: { app: 'd1' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.22' }] } } },
    };
    const created = await apps.createNamespacedDeployment({ namespace: ns, body });
    assert.equal(created.apiVersion, 'apps/v1');
    assert.equal(created.kind, 'Deployment');
    const list = await apps.listNamespacedDeployment({ namespace: ns });
    assert.deepEqual(list.items.map((d) => d.metadata?.name), ['d1']);
    const all = await apps.listDeploymentForAllNamespaces();
    assert.ok(all.items.some((d) => d.metadata?.namespace === ns && d.metadata.name === 'd1'));
    const patched = await apps.patchNamespacedDeployment(
      { name: 'd1', namespace: ns, body: { spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    assert.equal(patched.spec?.replicas, 3);
    assert.equal(patched.spec?.template.spec?.containers[0].image, 'nginx:1.25');
    const scale = await apps.readNamespacedDeploymentScale({ name: 'd1', namespace: ns });
    assert.equal(scale.spec?.replicas, 3);
    const status = await apps.deleteNamespacedDeployment({ name: 'd1', namespace: ns });
    assert.equal(status.kind, 'Status');
    assert.equal(status.status, 'Success');
  });

  it('pages a list with limit and continue', async () => {
    await createPods(['l1', 'l2', 'l3'], { app: 'paged' });
    const page1 = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=paged', limit: 2 });
    assert.equal(page1.items.length, 2);
    assert.ok(page1.metadata?._continue);
    const page2 = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=paged', limit: 2, _continue: page1.metadata._continue });
    assert.deepEqual([...page1.items, ...page2.items].map((p) => p.metadata?.name).sort(), ['l1', 'l2', 'l3']);
    assert.equal(page2.metadata?._continue, undefined);
  });

  it('dry-runs a create and reads pods/status', async () => {
    const dry = await core.createNamespacedPod({ namespace: ns, body: pod('dry'), dryRun: 'All' });
    assert.equal(dry.metadata?.name, 'dry');
    assert.equal((await failure(core.readNamespacedPod({ name: 'dry', namespace: ns }))).code, 404);
    await createPods(['s1'], { app: 'status' });
    const status = await core.readNamespacedPodStatus({ name: 's1', namespace: ns });
    assert.equal(status.status?.phase, 'Pending');
  });

  it('drives any kind through KubernetesObjectApi, which finds paths in the discovery documents', async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const cm: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1', namespace: ns }, data: { a: '1' } };
    const created = await objects.create(cm);
    assert.ok(created.metadata?.uid);
    const read = await objects.read<V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1', namespace: ns } });
    assert.deepEqual(read.data, { a: '1' });
    const patched = await objects.patch<V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1', namespace: ns }, data: { b: '2' } }, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch);
    assert.deepEqual(patched.data, { a: '1', b: '2' });
    const deploy: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'od', namespace: ns },
      spec: { selector: { matchLabels: { app: 'od' } }, template: { metadata: { labels: { app: 'od' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.22' }] } } },
    };
    await objects.create(deploy);
    const deployments = await objects.list<V1Deployment>('apps/v1', 'Deployment', ns);
    assert.deepEqual(deployments.items.map((d) => d.metadata?.name), ['od']);
    await objects.delete(deploy);
    await objects.delete(cm);
    const gone = await failure(objects.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1', namespace: ns } }));
    assert.equal(gone.code, 404);
  });

  it('surfaces errors as ApiException with the Status: 409 AlreadyExists and Conflict, 422 Invalid with causes', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('e1') });
    const exists = await failure(core.createNamespacedPod({ namespace: ns, body: pod('e1') }));
    assert.equal(exists.code, 409);
    assert.equal(exists.status.reason, 'AlreadyExists');
    assert.match(exists.status.message, /pods "e1" already exists/);

    const current = await core.readNamespacedPod({ name: 'e1', namespace: ns });
    await core.patchNamespacedPod({ name: 'e1', namespace: ns, body: { metadata: { labels: { x: 'y' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const conflict = await failure(core.replaceNamespacedPod({ name: 'e1', namespace: ns, body: current }));
    assert.equal(conflict.code, 409);
    assert.equal(conflict.status.reason, 'Conflict');

    const invalid = await failure(core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'Bad_Name' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } }));
    assert.equal(invalid.code, 422);
    assert.equal(invalid.status.reason, 'Invalid');
    assert.equal(invalid.status.details.kind, 'Pod');
    assert.ok(invalid.status.details.causes.some((c: any) => c.field === 'metadata.name' && c.reason === 'FieldValueInvalid'), JSON.stringify(invalid.status));
  });

  it('watches from a resourceVersion, and a watch from a compacted one ends with ERROR 410 Expired', async () => {
    const rv = (await core.listNamespacedPod({ namespace: ns })).metadata!.resourceVersion!;
    const events: [string, string][] = [];
    let done: unknown = 'open';
    const watch = new Watch(kc);
    const ctl = await watch.watch(
      `/api/v1/namespaces/${ns}/pods`,
      { resourceVersion: rv, labelSelector: 'app=watched' },
      (type, obj: V1Pod) => events.push([type, obj.metadata!.name!]),
      (err) => (done = err),
    );
    await createPods(['w1'], { app: 'watched' });
    await core.patchNamespacedPod({ name: 'w1', namespace: ns, body: { metadata: { annotations: { seen: 'yes' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await core.deleteNamespacedPod({ name: 'w1', namespace: ns, gracePeriodSeconds: 0 });
    await waitFor('ADDED, MODIFIED and DELETED', () => events.some(([t]) => t === 'DELETED'), 10_000);
    assert.deepEqual(events, [['ADDED', 'w1'], ['MODIFIED', 'w1'], ['DELETED', 'w1']]);
    ctl.abort();

    // More writes than the window holds: rv is now too old.
    await createPods(['x1', 'x2', 'x3', 'x4', 'x5', 'x6'], { app: 'filler' });
    const expired: any[] = [];
    let ended: unknown = 'open';
    await watch.watch(`/api/v1/namespaces/${ns}/pods`, { resourceVersion: rv }, (type, obj) => expired.push({ type, obj }), (err) => (ended = err));
    await waitFor('the watch to end', () => ended !== 'open', 10_000);
    assert.equal(ended, null, 'the apiserver ends the stream after the ERROR event');
    assert.equal(expired.length, 1, JSON.stringify(expired));
    assert.equal(expired[0].type, 'ERROR');
    assert.equal(expired[0].obj.kind, 'Status');
    assert.equal(expired[0].obj.code, 410);
    assert.equal(expired[0].obj.reason, 'Expired');
    assert.notEqual(done, 'open', 'the first watch ended when aborted');
  });

  it('its informer lists then watches adds, updates and deletes, and relists after a 410 on restart', async () => {
    const selector = 'app=informed';
    await createPods(['i1', 'i2'], { app: 'informed' });
    let lists = 0;
    // makeInformer's type leaves out latestResourceVersion(); what it returns is a ListWatch.
    const informer = makeInformer(
      kc,
      `/api/v1/namespaces/${ns}/pods`,
      () => {
        lists++;
        return core.listNamespacedPod({ namespace: ns, labelSelector: selector });
      },
      selector,
    ) as ListWatch<V1Pod>;
    const log: string[] = [];
    const errors: unknown[] = [];
    informer.on('add', (p) => log.push(`add ${p.metadata!.name}`));
    informer.on('update', (p) => log.push(`update ${p.metadata!.name} ${p.metadata!.labels!.v ?? ''}`));
    informer.on('delete', (p) => log.push(`delete ${p.metadata!.name}`));
    // client-node reports its own stop() as an 'error' (node-fetch's AbortError): not the server's.
    informer.on('error', (err: any) => err?.type === 'aborted' || errors.push(err));
    await informer.start();
    try {
      await waitFor('the initial list', () => informer.list(ns).length === 2, 10_000);
      assert.deepEqual(log.sort(), ['add i1', 'add i2']);
      log.length = 0;

      await createPods(['i3'], { app: 'informed' });
      await waitFor('the add', () => log.includes('add i3'), 10_000);
      await core.patchNamespacedPod({ name: 'i1', namespace: ns, body: { metadata: { labels: { v: '2' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      await waitFor('the update', () => log.includes('update i1 2'), 10_000);
      await core.deleteNamespacedPod({ name: 'i2', namespace: ns, gracePeriodSeconds: 0 });
      await waitFor('the delete', () => log.includes('delete i2'), 10_000);
      assert.equal(lists, 1);
      assert.deepEqual(informer.list(ns).map((p) => p.metadata!.name).sort(), ['i1', 'i3']);
      const before = informer.latestResourceVersion();

      // Stopped, it keeps its resourceVersion; meanwhile the window moves past it.
      await informer.stop();
      log.length = 0;
      await createPods(['i4'], { app: 'informed' });
      await core.deleteNamespacedPod({ name: 'i3', namespace: ns, gracePeriodSeconds: 0 });
      await createPods(['y1', 'y2', 'y3', 'y4', 'y5', 'y6'], { app: 'filler-2' });
      assert.equal(informer.latestResourceVersion(), before);

      // Restarted from the compacted resourceVersion: ERROR 410, then a relist that finds
      // what changed while it was away.
      await informer.start();
      await waitFor('the relist', () => log.includes('add i4') && log.includes('delete i3'), 10_000);
      assert.equal(lists, 2, 'a second list: the stored resourceVersion was refused with 410');
      assert.deepEqual(informer.list(ns).map((p) => p.metadata!.name).sort(), ['i1', 'i4']);
      assert.ok(Number(informer.latestResourceVersion()) > Number(before));
      await createPods(['i5'], { app: 'informed' });
      await waitFor('the watch after the relist', () => log.includes('add i5'), 10_000);
      assert.deepEqual(errors, []);
    } finally {
      await informer.stop();
    }
  });
});
