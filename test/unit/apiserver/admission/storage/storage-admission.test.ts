// The DefaultStorageClass admission (the newest default class for a claim naming none) and
// StorageObjectInUseProtection (the protection finalizers on new claims and volumes).
import assert from 'node:assert/strict';
import * as K from '../../../../../lib/api/kinds';
import { PersistentVolume, PersistentVolumeClaim } from '../../../../../lib/gen/kite/core/v1/types';
import { StorageClass } from '../../../../../lib/gen/kite/storage/v1/types';
import type { AdmissionRequest } from '../../../../../services/apiserver/admission/chain';
import { DefaultStorageClass, defaultClass } from '../../../../../services/apiserver/admission/storage/default-storage-class';
import { StorageObjectInUseProtection } from '../../../../../services/apiserver/admission/storage/storage-object-in-use-protection';

const DEFAULT = 'storageclass.kubernetes.io/is-default-class';

function cls(name: string, created: string, isDefault: string | undefined): StorageClass {
  return StorageClass.fromPartial({ metadata: { name, creationTimestamp: created, annotations: isDefault === undefined ? {} : { [DEFAULT]: isDefault } }, provisioner: 'p' });
}

function request(kind: K.KindInfo<any>, object: any, verb: 'create' | 'update' = 'create'): AdmissionRequest {
  return { kind, rpc: `Create${kind.kind}`, verb, request: {}, object, user: { name: 'u', groups: [], uid: '' }, attributes: { namespace: 'default', subresource: '' } as never, dryRun: false, warn: () => {}, auditAnnotations: {} };
}

const claim = (storageClassName?: string) => PersistentVolumeClaim.fromPartial({ metadata: { name: 'data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName } });

describe('DefaultStorageClass admission', () => {
  it('picks the newest default class, then the first by name', () => {
    const classes = [cls('old', '2026-01-01T00:00:00Z', 'true'), cls('b', '2026-01-02T00:00:00Z', 'true'), cls('a', '2026-01-02T00:00:00Z', 'true'), cls('newest', '2026-01-03T00:00:00Z', 'false')];
    assert.equal(defaultClass(classes)?.metadata?.name, 'a');
    assert.equal(defaultClass([cls('x', '2026-01-01T00:00:00Z', undefined)]), undefined);
  });

  it('sets it on a created claim without storageClassName; an empty class, updates and no default leave the claim alone', () => {
    const plugin = new DefaultStorageClass({ cachedList: () => [cls('standard', '2026-01-01T00:00:00Z', 'true')] });
    const none = claim();
    plugin.admit(request(K.PersistentVolumeClaims, none));
    assert.equal(none.spec!.storageClassName, 'standard');
    const empty = claim('');
    plugin.admit(request(K.PersistentVolumeClaims, empty));
    assert.equal(empty.spec!.storageClassName, '');
    const updated = claim();
    plugin.admit(request(K.PersistentVolumeClaims, updated, 'update'));
    assert.equal(updated.spec!.storageClassName, undefined);
    const noDefault = claim();
    new DefaultStorageClass({ cachedList: () => [] }).admit(request(K.PersistentVolumeClaims, noDefault));
    assert.equal(noDefault.spec!.storageClassName, undefined);
  });
});

describe('StorageObjectInUseProtection admission', () => {
  it('adds kubernetes.io/pvc-protection to new claims and kubernetes.io/pv-protection to new volumes, once', () => {
    const plugin = new StorageObjectInUseProtection();
    const c = claim();
    plugin.admit(request(K.PersistentVolumeClaims, c));
    plugin.admit(request(K.PersistentVolumeClaims, c));
    assert.deepEqual(c.metadata!.finalizers, ['kubernetes.io/pvc-protection']);
    const v = PersistentVolume.fromPartial({ metadata: { name: 'pv1', finalizers: ['example.com/keep'] } });
    plugin.admit(request(K.PersistentVolumes, v));
    assert.deepEqual(v.metadata!.finalizers, ['example.com/keep', 'kubernetes.io/pv-protection']);
  });
});
