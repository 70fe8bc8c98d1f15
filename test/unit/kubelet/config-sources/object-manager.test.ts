// The kubelet's watch-based ConfigMap/Secret manager: reference counting per pod, one
// single-object list+watch per referenced object, reads from the cache after the first list,
// immutable objects no longer watched, change notifications naming the referencing pods.
import { strict as assert } from 'node:assert';
import { ConfigMap, Pod, Secret, type PodSpec } from '../../../../lib/gen/kite/core/v1/types';
import { ObjectManager, type ObjectChange } from '../../../../services/kubelet/config-sources/object-manager';
import { waitFor } from '../../../support/wait';
import { FakeObjectApi } from './fake-object-api';

type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

function pod(uid: string, spec: DeepPartial<PodSpec>): Pod {
  return Pod.fromPartial({ metadata: { name: uid, namespace: 'ns', uid }, spec: { ...spec } });
}
const cm = (name: string, data: Record<string, string>, immutable?: boolean) => ConfigMap.fromPartial({ metadata: { name, namespace: 'ns' }, data, immutable });
const envFromCm = (name: string) => ({ containers: [{ name: 'c', envFrom: [{ configMapRef: { name } }] }] });

describe('kubelet ObjectManager (watch-based ConfigMap and Secret manager)', () => {
  let api: FakeObjectApi;
  let manager: ObjectManager;

  beforeEach(() => {
    api = new FakeObjectApi();
    manager = new ObjectManager({ listerWatcher: api.factory, syncTimeoutMs: 2_000 });
  });
  afterEach(() => manager.stop());

  it('lists and watches each referenced object alone (metadata.name field selector) and answers from its cache', async () => {
    api.put('ConfigMap', cm('app', { a: '1' }));
    api.put('Secret', Secret.fromPartial({ metadata: { name: 'pull', namespace: 'ns' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from('{}') } }));
    manager.registerPod(pod('p1', { imagePullSecrets: [{ name: 'pull' }], ...envFromCm('app') }));
    assert.deepEqual((await manager.getConfigMap('ns', 'app'))?.data, { a: '1' });
    assert.equal((await manager.getSecret('ns', 'pull'))?.type, 'kubernetes.io/dockerconfigjson');
    assert.deepEqual(api.lists.sort(), ['ConfigMap ns metadata.name=app', 'Secret ns metadata.name=pull']);
    await waitFor('watches open', () => api.openWatches().length === 2);
    api.put('ConfigMap', cm('app', { a: '2' }));
    await waitFor('the update reaches the cache', async () => (await manager.getConfigMap('ns', 'app'))?.data.a === '2');
    assert.equal(api.lists.length, 2, 'reads are served from the cache');
  });

  it('answers undefined for a missing object, and the object once it is created', async () => {
    manager.registerPod(pod('p1', envFromCm('later')));
    assert.equal(await manager.getConfigMap('ns', 'later'), undefined);
    await waitFor('watch open', () => api.openWatches().length === 1);
    api.put('ConfigMap', cm('later', { k: 'v' }));
    await waitFor('created object seen', async () => (await manager.getConfigMap('ns', 'later'))?.data.k === 'v');
  });

  it("refuses objects no registered pod names, in Kubernetes' words", async () => {
    await assert.rejects(manager.getSecret('ns', 'nobody'), /object "ns"\/"nobody" not registered/);
  });

  it('gives up waiting for the first list after the sync timeout, and tells the pods when the list arrives', async () => {
    let listed: () => void = () => undefined;
    const slowApi = new FakeObjectApi();
    const slow = new ObjectManager({
      listerWatcher: (kind, scope) => {
        const lw = slowApi.factory(kind, scope);
        return { list: (o) => new Promise<void>((r) => (listed = r)).then(() => lw.list(o)), watch: (o, signal) => lw.watch(o, signal) };
      },
      syncTimeoutMs: 20,
    });
    const changes: string[] = [];
    slow.onChange((c) => changes.push(`${c.name} [${c.podUids.join(',')}]`));
    slow.registerPod(pod('p1', envFromCm('slow')));
    await assert.rejects(slow.getConfigMap('ns', 'slow'), /failed to sync configmap cache: timed out waiting for the condition/);
    listed();
    await waitFor('told of the first list', () => changes.length === 1);
    assert.deepEqual(changes, ['slow [p1]']);
    assert.equal(await slow.getConfigMap('ns', 'slow'), undefined);
    slow.stop();
  });

  it('counts references per pod: a watch stops when no pod names its object, and a spec change releases what it no longer names', async () => {
    manager.registerPod(pod('p1', envFromCm('shared')));
    manager.registerPod(pod('p2', { containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'shared' } }, { secretRef: { name: 's' } }] }] }));
    await waitFor('both watched', () => api.openWatches().length === 2);
    assert.deepEqual(manager.watching().sort(), ['ConfigMap/ns/shared', 'Secret/ns/s']);
    manager.registerPod(pod('p2', envFromCm('shared')));
    await waitFor('secret watch stopped', () => api.openWatches().join() === 'ConfigMap/ns/shared');
    manager.unregisterPod(pod('p1', {}));
    assert.deepEqual(manager.watching(), ['ConfigMap/ns/shared'], 'p2 still names it');
    manager.unregisterPod(pod('p2', {}));
    await waitFor('all watches stopped', () => api.openWatches().length === 0);
    assert.deepEqual(manager.watching(), []);
    await assert.rejects(manager.getConfigMap('ns', 'shared'), /not registered/);
  });

  it('stops watching an object once it is seen immutable, and keeps answering from the cache', async () => {
    api.put('ConfigMap', cm('frozen', { k: 'v' }, true));
    manager.registerPod(pod('p1', envFromCm('frozen')));
    assert.equal((await manager.getConfigMap('ns', 'frozen'))?.immutable, true);
    await waitFor('watch stopped', () => api.openWatches().length === 0);
    assert.deepEqual((await manager.getConfigMap('ns', 'frozen'))?.data, { k: 'v' });
    assert.equal(api.lists.length, 1);
  });

  it('tells listeners of every change of a watched object, with the pods that name it', async () => {
    const changes: string[] = [];
    const off = manager.onChange((c: ObjectChange) => changes.push(`${c.kind} ${c.namespace}/${c.name} [${c.podUids.join(',')}]`));
    manager.registerPod(pod('p1', envFromCm('app')));
    manager.registerPod(pod('p2', { containers: [{ name: 'c', env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'app', key: 'k' } } }] }] }));
    assert.equal(await manager.getConfigMap('ns', 'app'), undefined);
    await waitFor('watch open', () => api.openWatches().length === 1);
    api.put('ConfigMap', cm('app', { k: '1' }));
    await waitFor('added', () => changes.length === 1);
    api.put('ConfigMap', cm('app', { k: '2' }));
    api.delete('ConfigMap', 'ns', 'app');
    await waitFor('updated and deleted', () => changes.length === 3);
    assert.deepEqual(changes, ['ConfigMap ns/app [p1,p2]', 'ConfigMap ns/app [p1,p2]', 'ConfigMap ns/app [p1,p2]']);
    off();
    api.put('ConfigMap', cm('app', { k: '3' }));
    await waitFor('seen', async () => (await manager.getConfigMap('ns', 'app'))?.data.k === '3');
    assert.equal(changes.length, 3);
  });
});
