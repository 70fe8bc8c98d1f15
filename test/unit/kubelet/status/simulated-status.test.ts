import assert from 'node:assert/strict';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { simulatedRunningStatus } from '../../../../services/kubelet/status/pod';

describe('kubelet simulatedRunningStatus (hollow nodes)', () => {
  it('reports init containers completed and sidecars running, started and ready', () => {
    const pod = Pod.fromPartial({
      metadata: { name: 'p', uid: 'u' },
      spec: { initContainers: [{ name: 'setup', image: 'x' }, { name: 'proxy', image: 'x', restartPolicy: 'Always' }], containers: [{ name: 'app', image: 'x' }] },
      status: { phase: 'Pending' },
    });
    const s = simulatedRunningStatus(pod, '10.0.0.2', '192.168.0.1', '2024-01-01T00:00:00Z');
    const summary = (list: typeof s.initContainerStatuses) => list.map((c) => `${c.name}:${c.state?.running ? 'running' : `exit ${c.state?.terminated?.exitCode}`}:${c.ready}`);
    assert.deepEqual(summary(s.initContainerStatuses), ['setup:exit 0:false', 'proxy:running:true']);
    assert.deepEqual(summary(s.containerStatuses), ['app:running:true']);
  });
});
