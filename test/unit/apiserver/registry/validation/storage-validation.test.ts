// The write paths of PersistentVolume, PersistentVolumeClaim and StorageClass as Kubernetes'
// defaults and ValidatePersistentVolume(Update), ValidatePersistentVolumeClaim(Update) and
// ValidateStorageClass(Update) have them, with their paths and messages.
import assert from 'node:assert/strict';
import { PersistentVolume, PersistentVolumeClaim } from '../../../../../lib/gen/kite/core/v1/types';
import { StorageClass } from '../../../../../lib/gen/kite/storage/v1/types';
import * as PV from '../../../../../services/apiserver/registry/validation/persistentvolume-validation';
import * as PVC from '../../../../../services/apiserver/registry/validation/persistentvolumeclaim-validation';
import * as SC from '../../../../../services/apiserver/registry/validation/storageclass-validation';

type PVInput = Parameters<typeof PersistentVolume.fromPartial>[0];

function pv(spec: Record<string, unknown> = {}): PersistentVolume {
  const v = PersistentVolume.fromPartial({
    metadata: { name: 'pv1' },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data/pv1', type: '' }, ...spec },
  } as unknown as PVInput);
  PV.defaultPersistentVolume(v);
  return v;
}

function pvc(spec: Record<string, unknown> = {}, status?: Record<string, unknown>): PersistentVolumeClaim {
  const c = PersistentVolumeClaim.fromPartial({
    metadata: { name: 'data', namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
    status,
  } as unknown as Parameters<typeof PersistentVolumeClaim.fromPartial>[0]);
  PVC.defaultPersistentVolumeClaim(c);
  return c;
}

function sc(extra: Record<string, unknown> = {}): StorageClass {
  const s = StorageClass.fromPartial({ metadata: { name: 'fast' }, provisioner: 'rancher.io/local-path', ...extra } as Parameters<typeof StorageClass.fromPartial>[0]);
  SC.defaultStorageClass(s);
  return s;
}

const lines = (causes: { field: string; message: string }[]) => causes.map((c) => `${c.field}: ${c.message}`);
const local = { local: { path: '/mnt/disk' }, hostPath: undefined };
const affinity = { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } } };

describe('PersistentVolume write path', () => {
  it('defaults reclaim policy Retain and volumeMode Filesystem; created Pending whatever status it came with', () => {
    const v = pv();
    assert.equal(v.spec!.persistentVolumeReclaimPolicy, 'Retain');
    assert.equal(v.spec!.volumeMode, 'Filesystem');
    v.status = { phase: 'Bound', message: '', reason: '', lastPhaseTransitionTime: '' };
    PV.preparePersistentVolumeForCreate(v, '2026-01-01T00:00:00Z');
    assert.deepEqual([v.status.phase, v.status.lastPhaseTransitionTime], ['Pending', '2026-01-01T00:00:00Z']);
    assert.equal(pv({ persistentVolumeReclaimPolicy: 'Delete' }).spec!.persistentVolumeReclaimPolicy, 'Delete');
  });

  it('accepts a hostPath volume and a local volume with node affinity', () => {
    assert.deepEqual(lines(PV.validatePersistentVolume(pv())), []);
    assert.deepEqual(lines(PV.validatePersistentVolume(pv({ ...local, ...affinity }))), []);
  });

  it('requires capacity storage greater than zero, access modes and one source', () => {
    assert.deepEqual(lines(PV.validatePersistentVolume(pv({ capacity: {}, accessModes: [], hostPath: undefined }))), [
      'spec.accessModes: Required value',
      'spec.capacity: Required value',
      'spec.capacity: Unsupported value: map[]: supported values: "storage"',
      'spec: Required value: must specify a volume type',
    ]);
    assert.deepEqual(lines(PV.validatePersistentVolume(pv({ capacity: { storage: '0' } }))), ['spec.capacity[storage]: Invalid value: "0": must be greater than zero']);
    assert.deepEqual(lines(PV.validatePersistentVolume(pv({ capacity: { storage: '1Gi', cpu: '1' } }))), ['spec.capacity: Unsupported value: map[cpu:1 storage:1Gi]: supported values: "storage"']);
  });

  it('refuses unknown access modes, reclaim policies, volume modes and hostPath types, and ReadWriteOncePod with others', () => {
    assert.deepEqual(lines(PV.validatePersistentVolume(pv({ accessModes: ['ReadWriteSome'], persistentVolumeReclaimPolicy: 'Keep', volumeMode: 'Raw', hostPath: { path: '/x', type: 'Dir' } }))), [
      'spec.accessModes: Unsupported value: "ReadWriteSome": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
      'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
      'spec.hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
      'spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"',
    ]);
    assert.deepEqual(lines(PV.validatePersistentVolume(pv({ accessModes: ['ReadWriteOncePod', 'ReadOnlyMany'] }))), ['spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes']);
  });

  it('a local volume needs node affinity; two sources are one too many', () => {
    assert.deepEqual(lines(PV.validatePersistentVolume(pv(local))), ['spec.nodeAffinity: Required value: Local volume requires node affinity']);
    assert.deepEqual(lines(PV.validatePersistentVolume(pv({ local: { path: '/mnt/disk' }, ...affinity }))), ['spec.local: Forbidden: may not specify more than 1 volume type']);
  });

  it('keeps the source and volume mode on update; the claimRef and phase may change', () => {
    const old = pv();
    const moved = pv({ hostPath: { path: '/elsewhere', type: '' } });
    assert.deepEqual(lines(PV.validatePersistentVolumeUpdate(moved, old)), ['spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation']);
    const block = pv({ volumeMode: 'Block' });
    assert.deepEqual(lines(PV.validatePersistentVolumeUpdate(block, old)), ['volumeMode: Invalid value: "Block": field is immutable']);
    const bound = pv({ claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: 'u1' } });
    assert.deepEqual(lines(PV.validatePersistentVolumeUpdate(bound, old)), []);
  });
});

describe('PersistentVolumeClaim write path', () => {
  it('defaults volumeMode Filesystem and is created Pending', () => {
    const c = pvc();
    assert.equal(c.spec!.volumeMode, 'Filesystem');
    PVC.preparePersistentVolumeClaimForCreate(c);
    assert.equal(c.status!.phase, 'Pending');
  });

  it('requires access modes and a storage request greater than zero', () => {
    assert.deepEqual(lines(PVC.validatePersistentVolumeClaim(pvc())), []);
    assert.deepEqual(lines(PVC.validatePersistentVolumeClaim(pvc({ accessModes: [], resources: { requests: {} } }))), [
      'spec.accessModes: Required value: at least 1 access mode is required',
      'spec.resources[storage]: Required value',
    ]);
    assert.deepEqual(lines(PVC.validatePersistentVolumeClaim(pvc({ resources: { requests: { storage: '0' } } }))), ['spec.resources[storage]: Invalid value: "0": must be greater than zero']);
    assert.deepEqual(lines(PVC.validatePersistentVolumeClaim(pvc({ storageClassName: 'Fast_Class' }))).length, 1);
  });

  it('keeps the spec after creation except volumeName once, a class for a class-less claim, and a bound claim growing', () => {
    const immutable = 'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';
    const old = pvc();
    assert.deepEqual(lines(PVC.validatePersistentVolumeClaimUpdate(pvc({ volumeName: 'pv1' }), old)), []);
    assert.deepEqual(lines(PVC.validatePersistentVolumeClaimUpdate(pvc({ volumeName: 'pv2' }), pvc({ volumeName: 'pv1' }))), [immutable]);
    assert.deepEqual(lines(PVC.validatePersistentVolumeClaimUpdate(pvc({ storageClassName: 'standard' }), old)), []);
    assert.deepEqual(lines(PVC.validatePersistentVolumeClaimUpdate(pvc({ storageClassName: 'other' }), pvc({ storageClassName: 'standard' }))), [immutable]);
    assert.deepEqual(lines(PVC.validatePersistentVolumeClaimUpdate(pvc({ accessModes: ['ReadWriteMany'] }), old)), [immutable]);
    // Pending: the request is part of the immutable spec.
    assert.deepEqual(lines(PVC.validatePersistentVolumeClaimUpdate(pvc({ resources: { requests: { storage: '2Gi' } } }), old)), [immutable]);
    const bound = { phase: 'Bound' };
    assert.deepEqual(lines(PVC.validatePersistentVolumeClaimUpdate(pvc({ resources: { requests: { storage: '2Gi' } } }, bound), pvc({}, bound))), []);
    assert.deepEqual(lines(PVC.validatePersistentVolumeClaimUpdate(pvc({ resources: { requests: { storage: '512Mi' } } }, bound), pvc({}, bound))), [
      'spec.resources.requests.storage: Forbidden: field can not be less than previous value',
    ]);
  });
});

describe('StorageClass write path', () => {
  it('defaults reclaimPolicy Delete and volumeBindingMode Immediate', () => {
    const s = sc();
    assert.deepEqual([s.reclaimPolicy, s.volumeBindingMode], ['Delete', 'Immediate']);
    assert.deepEqual(lines(SC.validateStorageClass(s)), []);
  });

  it('requires a provisioner and refuses unknown policies and modes', () => {
    assert.deepEqual(lines(SC.validateStorageClass(sc({ provisioner: '', reclaimPolicy: 'Recycle', volumeBindingMode: 'Later' }))), [
      'provisioner: Required value',
      'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
      'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
    ]);
  });

  it('keeps parameters, provisioner, reclaimPolicy and volumeBindingMode on update; annotations may change', () => {
    const old = sc({ parameters: { a: '1' } });
    const changed = sc({ parameters: { a: '2' }, provisioner: 'example.com/other', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' });
    assert.deepEqual(lines(SC.validateStorageClassUpdate(changed, old)), [
      'parameters: Forbidden: updates to parameters are forbidden.',
      'provisioner: Forbidden: updates to provisioner are forbidden.',
      'reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.',
      'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
    ]);
    const annotated = sc({ parameters: { a: '1' }, metadata: { name: 'fast', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } });
    assert.deepEqual(lines(SC.validateStorageClassUpdate(annotated, old)), []);
  });
});
