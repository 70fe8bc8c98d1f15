// `describe pv|pvc|storageclass` as kubectl's describePersistentVolume, describePersistentVolumeClaim
// and describeStorageClass print them (kubectl's own output is compared in
// test/integration/kubectl/describe-storage-kubectl.test.ts).
import { strict as assert } from 'node:assert';
import { PersistentVolume, PersistentVolumeClaim, Pod } from '../../../../lib/gen/kite/core/v1/types';
import { StorageClass } from '../../../../lib/gen/kite/storage/v1/types';
import { describePersistentVolume } from '../../../../services/kitectl/describers/persistentvolume';
import { describePersistentVolumeClaim, podsUsingClaim } from '../../../../services/kitectl/describers/persistentvolumeclaim';
import { describeStorageClass } from '../../../../services/kitectl/describers/storageclass';

describe('describe persistentvolume', () => {
  it('prints a bound hostPath volume with its claim, modes, capacity and source', () => {
    const pv = PersistentVolume.fromPartial({
      metadata: { name: 'pv1', finalizers: ['kubernetes.io/pv-protection'], annotations: { 'volume.beta.kubernetes.io/storage-class': 'old' } },
      spec: {
        capacity: { storage: '1Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'], storageClassName: 'standard',
        persistentVolumeReclaimPolicy: 'Delete', volumeMode: 'Filesystem', hostPath: { path: '/data', type: '' }, claimRef: { namespace: 'ns', name: 'c' },
      },
      status: { phase: 'Bound' },
    });
    assert.equal(describePersistentVolume(pv, []), [
      'Name:            pv1',
      'Labels:          <none>',
      'Annotations:     volume.beta.kubernetes.io/storage-class: old',
      'Finalizers:      [kubernetes.io/pv-protection]',
      'StorageClass:    old',
      'Status:          Bound',
      'Claim:           ns/c',
      'Reclaim Policy:  Delete',
      'Access Modes:    RWO,RWX',
      'VolumeMode:      Filesystem',
      'Capacity:        1Gi',
      'Node Affinity:   <none>',
      'Message:         ',
      'Source:',
      '    Type:          HostPath (bare host directory volume)',
      '    Path:          /data',
      '    HostPathType:  ',
      // The tab writer aligns Events with the source's block just above it, as Go's does.
      'Events:            <none>',
      '',
    ].join('\n'));
  });

  it('prints a terminating local volume with its required node terms, and no claim', () => {
    const now = Date.parse('2026-01-01T00:01:00Z');
    const pv = PersistentVolume.fromPartial({
      metadata: { name: 'lv', deletionTimestamp: '2026-01-01T00:00:00Z' },
      spec: {
        local: { path: '/mnt/ssd' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['x', 'y'] }, { key: 'b', operator: 'DoesNotExist' }] }, { matchExpressions: [] }] } },
      },
    });
    const out = describePersistentVolume(pv, undefined, now);
    assert.match(out, /\nStatus:\s+Terminating \(lasts 60s\)\nClaim:\s+\nReclaim Policy:\s+\nAccess Modes:\s+\nCapacity:\s+0\n/);
    assert.match(out, /\nNode Affinity:\s+\n  Required Terms:\s+\n    Term 0:\s+a in \[x, y\]\n\s+b doesnotexist\n    Term 1:\s+<none>\n/);
    assert.match(out, /\nSource:\n    Type:\s+LocalVolume \(a persistent volume backed by local storage on a node\)\n    Path:\s+\/mnt\/ssd\n$/);
    assert.doesNotMatch(out, /VolumeMode|Events/);
  });

  it('says <unknown> for a source Kite does not know and <none> for required terms without any', () => {
    const out = describePersistentVolume(PersistentVolume.fromPartial({ metadata: { name: 'x' }, spec: { nodeAffinity: { required: { nodeSelectorTerms: [] } } } }), undefined);
    assert.match(out, /\n  Required Terms:\s+<none>\n/);
    assert.match(out, /\nSource:\n  <unknown>\n$/);
  });
});

describe('describe persistentvolumeclaim', () => {
  const claim = PersistentVolumeClaim.fromPartial({
    metadata: { name: 'data', namespace: 'ns', uid: 'c1', ownerReferences: [{ kind: 'Pod', name: 'owner', uid: 'p-owner' }, { kind: 'Pod', name: 'user', uid: 'p-user' }] },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, storageClassName: 'fast' },
    status: { phase: 'Pending' },
  });
  const pod = (name: string, uid: string, claimName?: string) =>
    Pod.fromPartial({ metadata: { name, uid }, spec: { volumes: claimName ? [{ name: 'v', persistentVolumeClaim: { claimName } }] : [] } });

  it('finds the pods mounting the claim, then its owner pods not listed yet', () => {
    const pods = [pod('user', 'p-user', 'data'), pod('other', 'p-other', 'else'), pod('owner', 'p-owner')];
    assert.deepEqual(podsUsingClaim(claim, pods).map((p) => p.metadata?.name), ['user', 'owner']);
  });

  it('leaves capacity and access modes blank until bound, and lists its users sorted', () => {
    const out = describePersistentVolumeClaim(claim, [pod('b', '1'), pod('a', '2')], []);
    assert.equal(out, [
      'Name:          data',
      'Namespace:     ns',
      'StorageClass:  fast',
      'Status:        Pending',
      'Volume:        ',
      'Labels:        <none>',
      'Annotations:   <none>',
      'Finalizers:    []',
      'Capacity:      ',
      'Access Modes:  ',
      'Used By:       a',
      '               b',
      'Events:        <none>',
      '',
    ].join('\n'));
  });

  it('prints the bound capacity and modes from the status, and the conditions table', () => {
    const bound = PersistentVolumeClaim.fromPartial({
      metadata: { name: 'd', namespace: 'ns' },
      spec: { volumeName: 'pv1', volumeMode: 'Block', resources: { requests: { storage: '1Gi' } } },
      status: { phase: 'Bound', capacity: { storage: '5Gi' }, accessModes: ['ReadOnlyMany'], conditions: [{ type: 'Resizing', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
    });
    const out = describePersistentVolumeClaim(bound, [], undefined);
    assert.match(out, /\nVolume:\s+pv1\n/);
    assert.match(out, /\nCapacity:\s+5Gi\nAccess Modes:\s+ROX\nVolumeMode:\s+Block\nUsed By:\s+<none>\nConditions:\n/);
    assert.match(out, /\n  Type\s+Status\s+LastProbeTime\s+LastTransitionTime\s+Reason\s+Message\n  ----\s+------\s+-----------------\s+------------------\s+------\s+-------\n  Resizing\s+True\s+Mon, 01 Jan 0001 00:00:00 \+0000\s+\w{3}, 01 Jan 2026 \d\d:00:00 [+-]\d{4}\s+\n$/);
  });
});

describe('describe storageclass', () => {
  it('prints a default class with its annotations and parameters on one line', () => {
    const sc = StorageClass.fromPartial({
      metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true', a: 'b' } },
      provisioner: 'rancher.io/local-path', parameters: {}, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
    });
    assert.equal(describeStorageClass(sc, []), [
      'Name:                  standard',
      'IsDefaultClass:        Yes',
      'Annotations:           a=b,storageclass.kubernetes.io/is-default-class=true',
      'Provisioner:           rancher.io/local-path',
      'Parameters:            <none>',
      'AllowVolumeExpansion:  <unset>',
      'MountOptions:          <none>',
      'ReclaimPolicy:         Delete',
      'VolumeBindingMode:     WaitForFirstConsumer',
      'Events:                <none>',
      '',
    ].join('\n'));
  });

  it('lists mount options and allowed topology terms', () => {
    const sc = StorageClass.fromPartial({
      metadata: { name: 'z' }, provisioner: 'p', allowVolumeExpansion: false, mountOptions: ['ro'],
      allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['a', 'b'] }, { key: 'rack', values: ['1'] }] }],
    });
    const out = describeStorageClass(sc, undefined);
    assert.match(out, /\nIsDefaultClass:\s+No\n/);
    assert.match(out, /\nAllowVolumeExpansion:\s+False\nMountOptions:\n  ro\nAllowedTopologies:\s+\n  Term 0:\s+zone in \[a, b\]\n\s+rack in \[1\]\n$/);
  });
});
