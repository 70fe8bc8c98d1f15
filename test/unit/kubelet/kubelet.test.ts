import assert from 'node:assert/strict';
import { Pod } from '../../../lib/gen/kite/core/v1/types';
import { podChanged } from '../../../services/kubelet/kubelet';

const base = Pod.fromPartial({
  metadata: { name: 'p', namespace: 'ns', uid: 'u', resourceVersion: '1', labels: { app: 'a' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1.22' }] },
  status: { phase: 'Pending' },
});

describe('kubelet podChanged', () => {
  it('ignores status-only updates (the kubelet\'s own writes coming back)', () => {
    const next = Pod.fromPartial({ ...base, metadata: { ...base.metadata!, resourceVersion: '2' }, status: { phase: 'Running' } });
    assert.equal(podChanged(base, next), false);
  });

  it('sees spec, label and deletion changes', () => {
    const spec = Pod.fromPartial({ ...base, spec: { containers: [{ name: 'c', image: 'nginx:1.23' }] } });
    const labels = Pod.fromPartial({ ...base, metadata: { ...base.metadata!, labels: { app: 'b' } } });
    const deleting = Pod.fromPartial({ ...base, metadata: { ...base.metadata!, deletionTimestamp: '2024-01-01T00:00:00Z', deletionGracePeriodSeconds: 30 } });
    for (const next of [spec, labels, deleting]) assert.equal(podChanged(base, next), true);
  });
});
