// The pvc-protection and pv-protection controllers (finalizers kept while a pod uses the claim or
// the volume is Bound) and the local path provisioner (rancher.io/local-path: a hostPath volume on
// the selected node; on Delete a helper pod removing the directory, then the volume) against fake
// informers.
import assert from 'node:assert/strict';
import * as K from '../../../../lib/api/kinds';
import { PersistentVolume, PersistentVolumeClaim, Pod } from '../../../../lib/gen/kite/core/v1/types';
import { StorageClass } from '../../../../lib/gen/kite/storage/v1/types';
import { LocalPathProvisioner } from '../../../../services/controller-manager/volume/localpath/local-path-provisioner';
import { PVCProtectionController } from '../../../../services/controller-manager/volume/pvcprotection/pvc-protection-controller';
import { PVProtectionController } from '../../../../services/controller-manager/volume/pvprotection/pv-protection-controller';
import { preload, testContext, type TestContext } from '../support/context';

const PVC_FINALIZER = 'kubernetes.io/pvc-protection';
const PV_FINALIZER = 'kubernetes.io/pv-protection';
const DELETED = '2024-01-01T00:00:00Z';

function claim(name: string, o: { deleting?: boolean; finalizers?: string[]; annotations?: Record<string, string>; modes?: string[] } = {}): PersistentVolumeClaim {
  return PersistentVolumeClaim.fromPartial({
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', finalizers: o.finalizers ?? [PVC_FINALIZER], deletionTimestamp: o.deleting ? DELETED : undefined, annotations: o.annotations ?? {} },
    spec: { accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'standard', volumeMode: 'Filesystem' },
    status: { phase: 'Pending' },
  });
}

function podUsing(name: string, claimName: string, phase = 'Running'): Pod {
  return Pod.fromPartial({
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1' },
    spec: { containers: [{ name: 'c', image: 'nginx' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName, readOnly: false } }] },
    status: { phase },
  });
}

describe('pvc-protection controller', () => {
  let ctx: TestContext;
  let ctrl: PVCProtectionController;
  beforeEach(() => {
    ctx = testContext();
    ctrl = new PVCProtectionController(ctx);
  });
  const finalizers = (name: string) => ctx.client.tracked(K.PersistentVolumeClaims, 'default', name)!.metadata!.finalizers;

  it('keeps the finalizer of a deleted claim while a running pod mounts it, removes it once the pod finished', async () => {
    preload(ctx, K.PersistentVolumeClaims, claim('data', { deleting: true }));
    preload(ctx, K.Pods, podUsing('web', 'data'));
    await ctrl.reconcile('default/data');
    assert.deepEqual(finalizers('data'), [PVC_FINALIZER]);
    preload(ctx, K.Pods, podUsing('web', 'data', 'Succeeded'));
    await ctrl.reconcile('default/data');
    assert.deepEqual(finalizers('data'), []);
  });

  it('asks the API when the cache shows no pod using the claim', async () => {
    preload(ctx, K.PersistentVolumeClaims, claim('data', { deleting: true }));
    ctx.client.seed(K.Pods, podUsing('just-made', 'data'));
    await ctrl.reconcile('default/data');
    assert.deepEqual(finalizers('data'), [PVC_FINALIZER]);
  });

  it('adds the finalizer to a claim without it', async () => {
    preload(ctx, K.PersistentVolumeClaims, claim('old', { finalizers: [] }));
    await ctrl.reconcile('default/old');
    assert.deepEqual(finalizers('old'), [PVC_FINALIZER]);
  });
});

describe('pv-protection controller', () => {
  it('keeps the finalizer of a deleted volume while it is Bound, removes it when it is not', async () => {
    const ctx = testContext();
    const ctrl = new PVProtectionController(ctx);
    const pv = (name: string, phase: string) => PersistentVolume.fromPartial({ metadata: { name, uid: `uid-${name}`, resourceVersion: '1', finalizers: [PV_FINALIZER], deletionTimestamp: DELETED }, status: { phase } });
    preload(ctx, K.PersistentVolumes, pv('bound', 'Bound'), pv('released', 'Released'));
    await ctrl.reconcile('bound');
    await ctrl.reconcile('released');
    assert.deepEqual(ctx.client.tracked(K.PersistentVolumes, '', 'bound')!.metadata!.finalizers, [PV_FINALIZER]);
    assert.deepEqual(ctx.client.tracked(K.PersistentVolumes, '', 'released')!.metadata!.finalizers, []);
  });
});

describe('local path provisioner', () => {
  let ctx: TestContext;
  let ctrl: LocalPathProvisioner;
  const asked = { 'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path' };
  beforeEach(() => {
    ctx = testContext();
    ctrl = new LocalPathProvisioner(ctx);
    preload(ctx, K.StorageClasses, StorageClass.fromPartial({ metadata: { name: 'standard' }, provisioner: 'rancher.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' }));
  });

  it('provisions a hostPath volume on the selected node for a claim the binder handed to it', async () => {
    preload(ctx, K.PersistentVolumeClaims, claim('data', { annotations: { ...asked, 'volume.kubernetes.io/selected-node': 'worker-1' } }));
    await ctrl.reconcile('claim:default/data');
    const pv = ctx.client.tracked(K.PersistentVolumes, '', 'pvc-uid-data')!;
    assert.deepEqual(pv.spec!.hostPath, { path: '/var/local-path-provisioner/pvc-uid-data_default_data', type: 'DirectoryOrCreate' });
    assert.deepEqual(pv.spec!.nodeAffinity!.required!.nodeSelectorTerms[0].matchExpressions, [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['worker-1'] }]);
    assert.deepEqual([pv.spec!.claimRef!.name, pv.spec!.claimRef!.uid, pv.spec!.capacity.storage, pv.spec!.persistentVolumeReclaimPolicy, pv.spec!.storageClassName], ['data', 'uid-data', '1Gi', 'Delete', 'standard']);
    assert.equal(pv.metadata!.annotations['pv.kubernetes.io/provisioned-by'], 'rancher.io/local-path');
    assert.deepEqual(ctx.events.lines(), ['Normal Provisioning External provisioner is provisioning volume for claim "default/data"', 'Normal ProvisioningSucceeded Successfully provisioned volume pvc-uid-data']);
  });

  it('leaves claims not handed to it, and refuses claims without a node or with shared access modes', async () => {
    preload(ctx, K.PersistentVolumeClaims, claim('unasked'), claim('nodeless', { annotations: asked }), claim('shared', { modes: ['ReadWriteMany'], annotations: { ...asked, 'volume.kubernetes.io/selected-node': 'n' } }));
    for (const k of ['unasked', 'nodeless', 'shared']) await ctrl.reconcile(`claim:default/${k}`);
    assert.deepEqual(ctx.client.calls, []);
    assert.deepEqual(ctx.events.lines(), [
      'Warning ProvisioningFailed failed to provision volume with StorageClass "standard": configuration error, no node was specified',
      'Warning ProvisioningFailed failed to provision volume with StorageClass "standard": NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes',
    ]);
  });

  it('removes a Released volume\'s directory with a helper pod on its node, then deletes the pod and the volume', async () => {
    preload(ctx, K.PersistentVolumeClaims, claim('data', { annotations: { ...asked, 'volume.kubernetes.io/selected-node': 'worker-1' } }));
    await ctrl.reconcile('claim:default/data');
    const pv = structuredClone(ctx.client.tracked(K.PersistentVolumes, '', 'pvc-uid-data')!);
    pv.status = { phase: 'Released', message: '', reason: '', lastPhaseTransitionTime: '' };
    preload(ctx, K.PersistentVolumes, pv);
    await ctrl.reconcile('volume:pvc-uid-data');
    const helper = ctx.client.tracked(K.Pods, 'local-path-storage', 'helper-pod-delete-pvc-uid-data')!;
    assert.equal(helper.spec!.nodeName, 'worker-1');
    assert.equal(helper.spec!.priorityClassName, 'system-node-critical');
    assert.deepEqual(helper.spec!.containers[0].command, ['rm', '-rf', '/var/local-path-provisioner/pvc-uid-data_default_data']);
    assert.equal(helper.spec!.containers[0].image, 'kite/busybox:1');
    assert.deepEqual(helper.spec!.volumes[0].hostPath, { path: '/var/local-path-provisioner', type: 'DirectoryOrCreate' });
    assert.ok(ctx.client.tracked(K.PersistentVolumes, '', 'pvc-uid-data'), 'the volume stays while the helper runs');
    preload(ctx, K.Pods, { ...helper, status: { ...helper.status!, phase: 'Succeeded' } });
    await ctrl.reconcile('volume:pvc-uid-data');
    assert.equal(ctx.client.tracked(K.Pods, 'local-path-storage', 'helper-pod-delete-pvc-uid-data'), undefined);
    assert.equal(ctx.client.tracked(K.PersistentVolumes, '', 'pvc-uid-data'), undefined);
  });

  it('makes no second helper pod for a volume the API already shows deleted (the cache lagging behind)', async () => {
    preload(ctx, K.PersistentVolumeClaims, claim('data', { annotations: { ...asked, 'volume.kubernetes.io/selected-node': 'worker-1' } }));
    await ctrl.reconcile('claim:default/data');
    const pv = structuredClone(ctx.client.tracked(K.PersistentVolumes, '', 'pvc-uid-data')!);
    pv.status = { phase: 'Released', message: '', reason: '', lastPhaseTransitionTime: '' };
    ctx.informers.forKind(K.PersistentVolumes).indexer.add(structuredClone(pv));
    ctx.client.seed(K.PersistentVolumes, { ...pv, metadata: { ...pv.metadata!, deletionTimestamp: DELETED } });
    await ctrl.reconcile('volume:pvc-uid-data');
    assert.equal(ctx.client.tracked(K.Pods, 'local-path-storage', 'helper-pod-delete-pvc-uid-data'), undefined);
  });
});
