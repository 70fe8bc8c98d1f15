// The PersistentVolume controller (Kubernetes' PersistentVolumeController) against fake informers:
// which volume a claim gets, the binding's annotations and phases, WaitForFirstConsumer, asking an
// external provisioner, lost claims, released volumes and their reclaim policy.
import assert from 'node:assert/strict';
import * as K from '../../../../lib/api/kinds';
import { PersistentVolume, PersistentVolumeClaim } from '../../../../lib/gen/kite/core/v1/types';
import { StorageClass } from '../../../../lib/gen/kite/storage/v1/types';
import { PersistentVolumeController } from '../../../../services/controller-manager/volume/persistentvolume/pv-controller';
import { findBestMatch } from '../../../../services/controller-manager/volume/persistentvolume/volume-matching';
import { preload, testContext, type TestContext } from '../support/context';

interface VolumeOpts {
  size?: string;
  modes?: string[];
  cls?: string;
  phase?: string;
  labels?: Record<string, string>;
  claimRef?: { name: string; namespace?: string; uid?: string };
  policy?: string;
  annotations?: Record<string, string>;
}

function volume(name: string, o: VolumeOpts = {}): PersistentVolume {
  return PersistentVolume.fromPartial({
    metadata: { name, uid: `uid-${name}`, resourceVersion: '1', labels: o.labels ?? {}, annotations: o.annotations ?? {} },
    spec: {
      capacity: { storage: o.size ?? '1Gi' },
      accessModes: o.modes ?? ['ReadWriteOnce'],
      hostPath: { path: `/data/${name}`, type: '' },
      storageClassName: o.cls ?? '',
      persistentVolumeReclaimPolicy: o.policy ?? 'Retain',
      volumeMode: 'Filesystem',
      claimRef: o.claimRef ? { kind: 'PersistentVolumeClaim', namespace: o.claimRef.namespace ?? 'default', name: o.claimRef.name, uid: o.claimRef.uid ?? '' } : undefined,
    },
    status: { phase: o.phase ?? 'Available' },
  });
}

interface ClaimOpts {
  size?: string;
  modes?: string[];
  cls?: string;
  volumeName?: string;
  selector?: Record<string, string>;
  annotations?: Record<string, string>;
  phase?: string;
}

function claim(name: string, o: ClaimOpts = {}): PersistentVolumeClaim {
  return PersistentVolumeClaim.fromPartial({
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', annotations: o.annotations ?? {} },
    spec: {
      accessModes: o.modes ?? ['ReadWriteOnce'],
      resources: { requests: { storage: o.size ?? '1Gi' } },
      storageClassName: o.cls ?? '',
      volumeName: o.volumeName ?? '',
      volumeMode: 'Filesystem',
      selector: o.selector ? { matchLabels: o.selector } : undefined,
    },
    status: { phase: o.phase ?? 'Pending' },
  });
}

function storageClass(name: string, mode: string, provisioner = 'rancher.io/local-path'): StorageClass {
  return StorageClass.fromPartial({ metadata: { name }, provisioner, reclaimPolicy: 'Delete', volumeBindingMode: mode });
}

describe('volume matching (findBestMatch)', () => {
  const want = claim('data', { size: '2Gi' });
  const names = (v: PersistentVolume | undefined) => v?.metadata?.name;

  it('takes the smallest Available volume big enough, of the class, with the access modes, matching the selector', () => {
    const vols = [
      volume('small', { size: '1Gi' }),
      volume('big', { size: '10Gi' }),
      volume('fits', { size: '3Gi' }),
      volume('exact-but-bound', { size: '2Gi', claimRef: { name: 'other', uid: 'x' } }),
      volume('exact-released', { size: '2Gi', phase: 'Released' }),
      volume('exact-other-class', { size: '2Gi', cls: 'fast' }),
      volume('exact-rox', { size: '2Gi', modes: ['ReadOnlyMany'] }),
    ];
    assert.equal(names(findBestMatch(want, vols, false)), 'fits');
    assert.equal(names(findBestMatch(claim('data', { size: '2Gi', selector: { tier: 'gold' } }), [...vols, volume('gold', { size: '5Gi', labels: { tier: 'gold' } })], false)), 'gold');
    assert.equal(findBestMatch(claim('data', { size: '20Gi' }), vols, false), undefined);
  });

  it('prefers fewer access modes among equal sizes', () => {
    const vols = [volume('rwo-rwx', { modes: ['ReadWriteOnce', 'ReadWriteMany'] }), volume('rwo', { modes: ['ReadWriteOnce'] })];
    assert.equal(names(findBestMatch(claim('data'), vols, false)), 'rwo');
  });

  it('tries the access-mode groups fewest modes first: a bigger volume offering only the asked mode beats a smaller one offering more (findBestMatchForClaim)', () => {
    const vols = [volume('small-rwo-rwx', { size: '2Gi', modes: ['ReadWriteOnce', 'ReadWriteMany'] }), volume('big-rwo', { size: '8Gi', modes: ['ReadWriteOnce'] })];
    assert.equal(names(findBestMatch(claim('data', { size: '2Gi' }), vols, false)), 'big-rwo');
    assert.equal(names(findBestMatch(claim('data', { size: '2Gi', modes: ['ReadWriteMany'] }), vols, false)), 'small-rwo-rwx');
  });

  it('a volume pre-bound to the claim wins; WaitForFirstConsumer matches only such a volume', () => {
    const vols = [volume('free', { size: '1Gi' }), volume('reserved', { size: '5Gi', claimRef: { name: 'data' } })];
    assert.equal(names(findBestMatch(claim('data'), vols, false)), 'reserved');
    assert.equal(names(findBestMatch(claim('data'), vols, true)), 'reserved');
    assert.equal(findBestMatch(claim('data'), [volume('free')], true), undefined);
    // Pre-bound to another claim of that name (another uid): not this one's.
    assert.equal(findBestMatch(claim('data'), [volume('old', { claimRef: { name: 'data', uid: 'gone' } })], false), undefined);
  });
});

describe('PersistentVolumeController', () => {
  let ctx: TestContext;
  let ctrl: PersistentVolumeController;
  beforeEach(() => {
    ctx = testContext();
    ctrl = new PersistentVolumeController(ctx);
  });
  const tracked = {
    claim: (name: string) => ctx.client.tracked(K.PersistentVolumeClaims, 'default', name)!,
    volume: (name: string) => ctx.client.tracked(K.PersistentVolumes, '', name)!,
  };

  it('binds a Pending claim to a matching volume: claimRef, phases, annotations, status capacity and access modes', async () => {
    preload(ctx, K.PersistentVolumes, volume('pv1', { size: '5Gi', modes: ['ReadWriteOnce', 'ReadOnlyMany'] }));
    preload(ctx, K.PersistentVolumeClaims, claim('data'));
    await ctrl.reconcile('claim:default/data');
    const v = tracked.volume('pv1');
    assert.deepEqual([v.spec!.claimRef!.name, v.spec!.claimRef!.uid, v.status!.phase], ['data', 'uid-data', 'Bound']);
    assert.equal(v.status!.lastPhaseTransitionTime, '2024-01-01T00:00:00Z');
    assert.equal(v.metadata!.annotations['pv.kubernetes.io/bound-by-controller'], 'yes');
    const c = tracked.claim('data');
    assert.equal(c.spec!.volumeName, 'pv1');
    assert.deepEqual(c.metadata!.annotations, { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
    assert.deepEqual([c.status!.phase, c.status!.capacity, c.status!.accessModes], ['Bound', { storage: '5Gi' }, ['ReadWriteOnce', 'ReadOnlyMany']]);
    assert.deepEqual(ctx.client.calls.map((x) => `${x.verb} ${x.resource}`), ['update persistentvolumes', 'updateStatus persistentvolumes', 'update persistentvolumeclaims', 'updateStatus persistentvolumeclaims']);
  });

  it('a claim naming its volume binds to it without bound-by-controller; a volume too small is a VolumeMismatch', async () => {
    preload(ctx, K.PersistentVolumes, volume('pv1'), volume('tiny', { size: '1Mi' }));
    preload(ctx, K.PersistentVolumeClaims, claim('data', { volumeName: 'pv1' }), claim('big', { volumeName: 'tiny' }));
    await ctrl.reconcile('claim:default/data');
    assert.deepEqual(tracked.claim('data').metadata!.annotations, { 'pv.kubernetes.io/bind-completed': 'yes' });
    assert.equal(tracked.claim('data').status!.phase, 'Bound');
    await ctrl.reconcile('claim:default/big');
    assert.equal(tracked.claim('big').status!.phase, 'Pending');
    assert.deepEqual(ctx.events.lines(), ['Warning VolumeMismatch Cannot bind to requested volume "tiny": requested PV is too small']);
  });

  it('without a volume or a class: FailedBinding, still Pending', async () => {
    preload(ctx, K.PersistentVolumeClaims, claim('data'));
    await ctrl.reconcile('claim:default/data');
    assert.deepEqual(ctx.events.lines(), ['Normal FailedBinding no persistent volumes available for this claim and no storage class is set']);
    assert.deepEqual(ctx.client.calls, []);
  });

  it('WaitForFirstConsumer waits for the selected node, then asks the class provisioner', async () => {
    preload(ctx, K.StorageClasses, storageClass('standard', 'WaitForFirstConsumer'));
    preload(ctx, K.PersistentVolumes, volume('free', { cls: 'standard' }));
    preload(ctx, K.PersistentVolumeClaims, claim('data', { cls: 'standard' }));
    await ctrl.reconcile('claim:default/data');
    assert.deepEqual(ctx.events.lines(), ['Normal WaitForFirstConsumer waiting for first consumer to be created before binding']);
    assert.deepEqual(ctx.client.calls, []);
    ctx.events.clear();
    preload(ctx, K.PersistentVolumeClaims, claim('data', { cls: 'standard', annotations: { 'volume.kubernetes.io/selected-node': 'n1' } }));
    await ctrl.reconcile('claim:default/data');
    const c = tracked.claim('data');
    assert.equal(c.metadata!.annotations['volume.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
    assert.equal(c.metadata!.annotations['volume.beta.kubernetes.io/storage-provisioner'], 'rancher.io/local-path');
    assert.equal(c.spec!.volumeName, '');
    assert.match(ctx.events.lines()[0], /^Normal ExternalProvisioning Waiting for a volume to be created either by the external provisioner 'rancher.io\/local-path'/);
  });

  it('an Immediate class with no volume asks its provisioner at once; a missing class is ProvisioningFailed', async () => {
    preload(ctx, K.StorageClasses, storageClass('fast', 'Immediate', 'example.com/nfs'));
    preload(ctx, K.PersistentVolumeClaims, claim('data', { cls: 'fast' }), claim('other', { cls: 'missing' }));
    await ctrl.reconcile('claim:default/data');
    assert.equal(tracked.claim('data').metadata!.annotations['volume.kubernetes.io/storage-provisioner'], 'example.com/nfs');
    ctx.events.clear();
    await ctrl.reconcile('claim:default/other');
    assert.deepEqual(ctx.events.lines(), ['Warning ProvisioningFailed storageclass.storage.k8s.io "missing" not found']);
  });

  it('a provisioned volume pointing at its claim is bound even while binding waits for a consumer', async () => {
    preload(ctx, K.StorageClasses, storageClass('standard', 'WaitForFirstConsumer'));
    preload(ctx, K.PersistentVolumes, volume('pvc-uid-data', { cls: 'standard', claimRef: { name: 'data', uid: 'uid-data' }, annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } }));
    preload(ctx, K.PersistentVolumeClaims, claim('data', { cls: 'standard', annotations: { 'volume.kubernetes.io/selected-node': 'n1' } }));
    await ctrl.reconcile('claim:default/data');
    assert.equal(tracked.claim('data').spec!.volumeName, 'pvc-uid-data');
    assert.equal(tracked.claim('data').status!.phase, 'Bound');
    assert.equal(tracked.volume('pvc-uid-data').metadata!.annotations['pv.kubernetes.io/bound-by-controller'], undefined);
  });

  it('a bound claim whose volume is gone is Lost', async () => {
    preload(ctx, K.PersistentVolumeClaims, claim('data', { volumeName: 'pv1', phase: 'Bound', annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } }));
    await ctrl.reconcile('claim:default/data');
    assert.equal(tracked.claim('data').status!.phase, 'Lost');
    assert.deepEqual(ctx.events.lines(), ['Warning ClaimLost Bound claim has lost its PersistentVolume. Data on the volume is lost!']);
  });

  it('a volume without a claim is Available; its claim gone, Released: Retain keeps it, Delete deletes it, Recycle fails', async () => {
    preload(ctx, K.PersistentVolumes,
      volume('new', { phase: 'Pending' }),
      volume('kept', { phase: 'Bound', claimRef: { name: 'gone', uid: 'u1' } }),
      volume('deleted', { phase: 'Bound', policy: 'Delete', claimRef: { name: 'gone', uid: 'u1' } }),
      volume('recycled', { phase: 'Bound', policy: 'Recycle', claimRef: { name: 'gone', uid: 'u1' } }));
    for (const v of ['new', 'kept', 'deleted', 'recycled']) await ctrl.reconcile(`volume:${v}`);
    assert.equal(tracked.volume('new').status!.phase, 'Available');
    assert.equal(tracked.volume('kept').status!.phase, 'Released');
    assert.equal(tracked.volume('deleted'), undefined);
    assert.deepEqual([tracked.volume('recycled').status!.phase, tracked.volume('recycled').status!.message], ['Failed', 'No recycler plugin found for the volume!']);
    assert.deepEqual(ctx.events.lines(), ['Warning VolumeFailedRecycle No recycler plugin found for the volume!']);
  });

  it('a provisioned volume with Delete is left to its provisioner once Released', async () => {
    preload(ctx, K.PersistentVolumes, volume('pvc-x', { phase: 'Bound', policy: 'Delete', claimRef: { name: 'gone', uid: 'u1' }, annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' } }));
    await ctrl.reconcile('volume:pvc-x');
    assert.equal(tracked.volume('pvc-x').status!.phase, 'Released');
    assert.deepEqual(ctx.client.calls.filter((x) => x.verb !== 'get').map((x) => `${x.verb} ${x.resource}`), ['updateStatus persistentvolumes']);
  });

  it('a volume whose claim exists but is bound elsewhere is unbound when the binder bound it', async () => {
    preload(ctx, K.PersistentVolumes, volume('pv1', { phase: 'Bound', claimRef: { name: 'data', uid: 'uid-data' }, annotations: { 'pv.kubernetes.io/bound-by-controller': 'yes' } }));
    preload(ctx, K.PersistentVolumeClaims, claim('data', { volumeName: 'pv2', phase: 'Bound' }));
    await ctrl.reconcile('volume:pv1');
    const v = tracked.volume('pv1');
    assert.deepEqual([v.spec!.claimRef, v.status!.phase, v.metadata!.annotations], [undefined, 'Available', {}]);
  });
});
