// Storage against a real apiserver, with no kubelet (the test finishes helper pods through the
// status subresource as a kubelet would): the write paths of PersistentVolumes, claims and
// StorageClasses with the DefaultStorageClass and StorageObjectInUseProtection admission; the
// PersistentVolume controller binding a static volume and reclaiming it (Retain vs Delete); a
// WaitForFirstConsumer claim of kite's `standard` class waiting for the scheduler's selected-node
// annotation, then provisioned by the local path provisioner on that node and deleted with a
// helper pod; the pvc-protection and pv-protection finalizers.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { isNotFound } from '../../../lib/api/errors';
import type { Clientset } from '../../../lib/client/clientset';
import { Namespace, PersistentVolume, PersistentVolumeClaim, Pod } from '../../../lib/gen/kite/core/v1/types';
import { startControllerManager, type ControllerManager } from '../../../services/controller-manager/manager';
import { installLocalPathStorage } from '../../../services/kite/local-path-storage';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';

describe('PersistentVolumes, claims and the local path provisioner (against a real apiserver)', function () {
  this.timeout(60_000);
  let api: TestApiserver;
  let client: Clientset;
  let stop: AbortController;
  let cm: ControllerManager;
  let ns: string;
  const suffix = () => randomBytes(3).toString('hex');

  before(async () => {
    api = await startTestApiserver();
    client = api.client();
    await installLocalPathStorage(client);
    stop = new AbortController();
    cm = startControllerManager({ clientset: api.client(), controllers: ['persistentvolume-binder', 'pvc-protection', 'pv-protection', 'local-path-provisioner'], signal: stop.signal });
    assert.equal(await cm.synced, true);
  });

  after(async () => {
    stop?.abort();
    await cm?.done;
    await api?.stop();
  });

  beforeEach(async () => {
    ns = `pv-${suffix()}`;
    await client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
  });

  const hostPathVolume = (name: string, o: { size?: string; policy?: string; cls?: string } = {}) =>
    client.persistentVolumes.create(
      PersistentVolume.fromPartial({
        metadata: { name },
        spec: { capacity: { storage: o.size ?? '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}`, type: '' }, persistentVolumeReclaimPolicy: o.policy, storageClassName: o.cls ?? '' },
      }),
    );
  const createClaim = (name: string, o: { cls?: string; size?: string } = {}) =>
    client.persistentVolumeClaims.create(
      PersistentVolumeClaim.fromPartial({ metadata: { name, namespace: ns }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: o.size ?? '1Gi' } }, storageClassName: o.cls } }),
    );
  const claimPhase = (name: string, phase: string) =>
    waitFor(`claim ${name} ${phase}`, async () => {
      const c = await client.persistentVolumeClaims.get(name, ns);
      return c.status?.phase === phase ? c : undefined;
    });
  const volumePhase = (name: string, phase: string) =>
    waitFor(`volume ${name} ${phase}`, async () => {
      const v = await client.persistentVolumes.get(name);
      return v.status?.phase === phase ? v : undefined;
    });
  const gone = (what: string, get: () => Promise<unknown>) =>
    waitFor(`${what} gone`, async () => {
      try {
        await get();
        return false;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    });
  const eventReasons = async (name: string) => (await client.events.list({ namespace: ns, fieldSelector: `involvedObject.name=${name}` })).items.map((e) => e.reason);

  it('validates and defaults the three kinds; a claim naming no class gets the default one and the protection finalizer', async () => {
    await assert.rejects(createClaim('bad', { size: '0' }), /spec.resources\[storage\]: Invalid value: "0": must be greater than zero/);
    await assert.rejects(
      client.persistentVolumes.create(PersistentVolume.fromPartial({ metadata: { name: `nosrc-${suffix()}` }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } })),
      /spec: Required value: must specify a volume type/,
    );
    const c = await createClaim('data');
    assert.equal(c.spec!.storageClassName, 'standard');
    assert.equal(c.spec!.volumeMode, 'Filesystem');
    assert.deepEqual(c.metadata!.finalizers, ['kubernetes.io/pvc-protection']);
    assert.equal(c.status!.phase, 'Pending');
    const sc = await client.storageClasses.get('standard');
    assert.deepEqual([sc.provisioner, sc.volumeBindingMode, sc.reclaimPolicy], ['rancher.io/local-path', 'WaitForFirstConsumer', 'Delete']);
    sc.reclaimPolicy = 'Retain';
    await assert.rejects(client.storageClasses.update(sc), /reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden\./);
    c.spec!.accessModes = ['ReadWriteMany'];
    await assert.rejects(client.persistentVolumeClaims.update(c), /spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims/);
    const name = `pv-${suffix()}`;
    const v = await hostPathVolume(name);
    assert.deepEqual([v.spec!.persistentVolumeReclaimPolicy, v.metadata!.finalizers], ['Retain', ['kubernetes.io/pv-protection']]);
    await volumePhase(name, 'Available');
    const byName = await client.persistentVolumes.list({ fieldSelector: `name=${name}` });
    assert.deepEqual(byName.items.map((x) => x.metadata!.name), [name]);
    await client.persistentVolumes.delete(name);
    await gone(`volume ${name}`, () => client.persistentVolumes.get(name));
  });

  it('binds a static volume to a claim; deleting the claim releases a Retain volume and deletes a Delete one', async () => {
    const kept = `kept-${suffix()}`;
    const dropped = `dropped-${suffix()}`;
    await hostPathVolume(kept, { size: '2Gi' });
    await hostPathVolume(dropped, { size: '5Gi', policy: 'Delete' });
    await volumePhase(kept, 'Available');
    await volumePhase(dropped, 'Available');
    // The smaller volume fits the first claim; the second needs the bigger one.
    await createClaim('small', { cls: '', size: '1Gi' });
    const small = await claimPhase('small', 'Bound');
    assert.equal(small.spec!.volumeName, kept);
    assert.deepEqual([small.status!.capacity, small.status!.accessModes], [{ storage: '2Gi' }, ['ReadWriteOnce']]);
    assert.equal(small.metadata!.annotations['pv.kubernetes.io/bind-completed'], 'yes');
    await createClaim('big', { cls: '', size: '3Gi' });
    assert.equal((await claimPhase('big', 'Bound')).spec!.volumeName, dropped);
    const v = await volumePhase(kept, 'Bound');
    assert.deepEqual([v.spec!.claimRef!.namespace, v.spec!.claimRef!.name], [ns, 'small']);
    assert.equal(v.metadata!.annotations['pv.kubernetes.io/bound-by-controller'], 'yes');

    await client.persistentVolumeClaims.delete('small', { namespace: ns });
    await client.persistentVolumeClaims.delete('big', { namespace: ns });
    await volumePhase(kept, 'Released');
    await gone(`volume ${dropped}`, () => client.persistentVolumes.get(dropped));
    await client.persistentVolumes.delete(kept);
    await gone(`volume ${kept}`, () => client.persistentVolumes.get(kept));
  });

  it('a WaitForFirstConsumer claim waits for the selected node, then gets a local path volume there, whose directory a helper pod removes on delete', async () => {
    const c = await createClaim('web-data');
    await waitFor('the WaitForFirstConsumer event', async () => (await eventReasons('web-data')).includes('WaitForFirstConsumer'));
    assert.equal((await client.persistentVolumeClaims.get('web-data', ns)).spec!.volumeName, '');
    // What the scheduler's volume binding writes once it has chosen a node for the claim's pod.
    const fresh = await client.persistentVolumeClaims.get('web-data', ns);
    fresh.metadata!.annotations['volume.kubernetes.io/selected-node'] = 'worker-7';
    await client.persistentVolumeClaims.update(fresh);
    const bound = await claimPhase('web-data', 'Bound');
    const pvName = `pvc-${c.metadata!.uid}`;
    assert.equal(bound.spec!.volumeName, pvName);
    assert.equal(bound.metadata!.annotations['volume.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
    const pv = await volumePhase(pvName, 'Bound');
    assert.deepEqual(pv.spec!.hostPath, { path: `/var/local-path-provisioner/${pvName}_${ns}_web-data`, type: 'DirectoryOrCreate' });
    assert.deepEqual(pv.spec!.nodeAffinity!.required!.nodeSelectorTerms[0].matchExpressions[0], { key: 'kubernetes.io/hostname', operator: 'In', values: ['worker-7'] });
    assert.deepEqual([pv.spec!.persistentVolumeReclaimPolicy, pv.spec!.storageClassName, pv.metadata!.annotations['pv.kubernetes.io/provisioned-by']], ['Delete', 'standard', 'rancher.io/local-path']);
    assert.ok((await eventReasons('web-data')).includes('ProvisioningSucceeded'));

    await client.persistentVolumeClaims.delete('web-data', { namespace: ns });
    const helperName = `helper-pod-delete-${pvName}`;
    const helper = await waitFor('the helper pod', async () => {
      try {
        return await client.pods.get(helperName, 'local-path-storage');
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    });
    assert.equal(helper.spec!.nodeName, 'worker-7');
    assert.equal(helper.spec!.priority, 2000001000, 'system-node-critical, resolved by the Priority admission');
    assert.deepEqual(helper.spec!.containers[0].command, ['rm', '-rf', pv.spec!.hostPath!.path]);
    assert.ok(await client.persistentVolumes.get(pvName), 'the volume stays until its directory is gone');
    // What the kubelet reports when rm -rf exits 0.
    helper.status = { ...helper.status!, phase: 'Succeeded' };
    await client.pods.updateStatus(helper as Pod);
    await gone(`volume ${pvName}`, () => client.persistentVolumes.get(pvName));
    await gone('the helper pod', () => client.pods.get(helperName, 'local-path-storage'));
  });

  it('a claim a pod uses and its bound volume stay while in use (pvc-protection, pv-protection)', async () => {
    const name = `prot-${suffix()}`;
    await hostPathVolume(name);
    // A claim made before its volume is Available waits for the binder's resync (15 s), as in Kubernetes.
    await volumePhase(name, 'Available');
    await createClaim('used', { cls: '' });
    await claimPhase('used', 'Bound');
    await client.pods.create(Pod.fromPartial({ metadata: { name: 'user', namespace: ns }, spec: { containers: [{ name: 'c', image: 'nginx' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'used', readOnly: false } }] } }));
    await client.persistentVolumeClaims.delete('used', { namespace: ns });
    await client.persistentVolumes.delete(name);
    // The binder, the protection controllers and the informers have had their turn when the volume shows its deletion.
    await waitFor('the volume marked deleted', async () => !!(await client.persistentVolumes.get(name)).metadata!.deletionTimestamp);
    const claim = await client.persistentVolumeClaims.get('used', ns);
    assert.ok(claim.metadata!.deletionTimestamp);
    assert.deepEqual(claim.metadata!.finalizers, ['kubernetes.io/pvc-protection']);
    assert.deepEqual((await client.persistentVolumes.get(name)).metadata!.finalizers, ['kubernetes.io/pv-protection']);
    await client.pods.delete('user', { namespace: ns, gracePeriodSeconds: 0 });
    await gone('the claim', () => client.persistentVolumeClaims.get('used', ns));
    await gone(`volume ${name}`, () => client.persistentVolumes.get(name));
  });
});
