// `describe statefulset` as kubectl's describeStatefulSet prints it: replicas, the update strategy
// and its partition, the pods' phases, the pod template and the claim templates.
import { strict as assert } from 'node:assert';
import { StatefulSet } from '../../../../lib/gen/kite/apps/v1/types';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { describeStatefulSet } from '../../../../services/kitectl/describers/statefulset';

describe('describe statefulset', () => {
  const set = StatefulSet.fromPartial({
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z', labels: { app: 'nginx' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'nginx' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } },
      volumeClaimTemplates: [
        { metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'standard', resources: { requests: { storage: '1Gi' } } } },
      ],
    },
    status: { replicas: 2 },
  });
  const pods = [Pod.fromPartial({ status: { phase: 'Running' } }), Pod.fromPartial({ status: { phase: 'Pending' } })];

  it('prints the replicas, strategy with its partition and the pods by phase', () => {
    const lines = describeStatefulSet(set, pods, undefined).split('\n');
    assert.deepEqual(lines.slice(0, 10), [
      'Name:               web',
      'Namespace:          default',
      'CreationTimestamp:  Mon, 01 Jan 2024 00:00:00 +0000',
      'Selector:           app=nginx',
      'Labels:             app=nginx',
      'Annotations:        <none>',
      'Replicas:           3 desired | 2 total',
      'Update Strategy:    RollingUpdate',
      '  Partition:        1',
      'Pods Status:        1 Running / 1 Waiting / 0 Succeeded / 0 Failed',
    ]);
    assert.equal(lines[10], 'Pod Template:');
  });

  it('prints the claim templates, or <none>', () => {
    const out = describeStatefulSet(set, pods, undefined);
    const claims = out.slice(out.indexOf('Volume Claims:'));
    assert.deepEqual(claims.split('\n').slice(0, 7), [
      'Volume Claims:',
      '  Name:          www',
      '  StorageClass:  standard',
      '  Labels:        <none>',
      '  Annotations:   <none>',
      '  Capacity:      1Gi',
      '  Access Modes:  [ReadWriteOnce]',
    ]);
    const none = describeStatefulSet(StatefulSet.fromPartial({ metadata: { name: 'x' }, spec: { updateStrategy: { type: 'OnDelete' } } }), [], undefined);
    assert.match(none, /\nVolume Claims:\s+<none>\n/);
    assert.match(none, /\nUpdate Strategy:\s+OnDelete\nPods Status:/);
  });
});
