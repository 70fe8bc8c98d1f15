// Hollow nodes' simulated usage: the annotated rate split over a pod's containers, cumulative CPU
// advancing at the rate in force between two reads (so a windowed rate sees the annotation), the
// node as the sum of its pods, forgotten pods dropped.
import { strict as assert } from 'node:assert';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { SIMULATED_CPU_ANNOTATION, SIMULATED_MEMORY_ANNOTATION, SimulatedUsage } from '../../../../services/kubelet/hollow/simulated-stats';

const pod = (name: string, cpu: string | undefined, memory: string, containers = ['app']) =>
  Pod.fromPartial({
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, annotations: { ...(cpu ? { [SIMULATED_CPU_ANNOTATION]: cpu } : {}), [SIMULATED_MEMORY_ANNOTATION]: memory } },
    spec: { containers: containers.map((c) => ({ name: c, image: 'x' })) },
  });

describe('hollow nodes: simulated usage', () => {
  it('reports the annotated usage, split over containers, with CPU time accumulating at that rate', () => {
    const u = new SimulatedUsage(0);
    const pods = [pod('a', '500m', '128Mi', ['x', 'y']), pod('b', undefined, '1Gi')];
    u.summary('n', pods, 1000);
    const s = u.summary('n', pods, 11_000);
    const [a, b] = s.pods;
    assert.deepEqual(
      a.containers.map((c) => [c.name, c.cpu?.usageNanoCores, c.cpu?.usageCoreNanoSeconds, c.memory?.workingSetBytes]),
      [
        ['x', 250_000_000, 2_500_000_000, 64 * 1024 * 1024],
        ['y', 250_000_000, 2_500_000_000, 64 * 1024 * 1024],
      ],
    );
    assert.deepEqual([a.cpu?.usageNanoCores, a.cpu?.usageCoreNanoSeconds, a.memory?.workingSetBytes], [500_000_000, 5_000_000_000, 128 * 1024 * 1024]);
    // No annotation: no CPU.
    assert.deepEqual([b.cpu?.usageNanoCores, b.cpu?.usageCoreNanoSeconds, b.memory?.workingSetBytes], [0, 0, 1024 * 1024 * 1024]);
    assert.deepEqual([s.node?.nodeName, s.node?.cpu?.usageNanoCores, s.node?.cpu?.usageCoreNanoSeconds, s.node?.memory?.workingSetBytes], ['n', 500_000_000, 5_000_000_000, 1152 * 1024 * 1024]);
  });

  it('applies a changed annotation from the next read, and forgets pods no longer given', () => {
    const u = new SimulatedUsage(0);
    u.summary('n', [pod('a', '1', '1Mi')], 0);
    u.summary('n', [pod('a', '100m', '1Mi')], 10_000);
    const s = u.summary('n', [pod('a', '100m', '1Mi')], 20_000);
    assert.equal(s.pods[0].cpu?.usageCoreNanoSeconds, 10_000_000_000 + 1_000_000_000);
    assert.equal(u.summary('n', [], 30_000).pods.length, 0);
    // A pod seen again starts over.
    u.summary('n', [pod('a', '1', '1Mi')], 40_000);
    assert.equal(u.summary('n', [pod('a', '1', '1Mi')], 41_000).pods[0].cpu?.usageCoreNanoSeconds, 1_000_000_000);
  });
});
