// The stats collector over the fake runtime: each round samples the node and every running
// container once; the Summary carries the last samples, rates from the last two, and a pod's
// usage is its containers' and its sandbox's summed (its cgroup holds them all).
import { strict as assert } from 'node:assert';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import { logger } from '../../../../lib/log';
import { FakeRuntime } from '../../../../services/kubelet/runtime/fake-runtime';
import { StatsCollector } from '../../../../services/kubelet/stats/collector';
import type { Sample } from '../../../../services/kubelet/stats/samples';

const pod = Pod.fromPartial({ metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'app', image: 'nginx:1.22' }, { name: 'side', image: 'nginx:1.22' }] } });
const sample = (timeMs: number, cpuNanos: number, workingSetBytes: number): Sample => ({ timeMs, cpuNanos, memoryUsageBytes: workingSetBytes + 100, workingSetBytes, rssBytes: 10 });

describe('kubelet stats collector', () => {
  it('builds the Summary from the last two rounds of samples', async () => {
    const runtime = new FakeRuntime(['nginx:1.22']);
    await runtime.ensurePodNetwork('pods', '10.1.0.0/24');
    const sandbox = await runtime.runPodSandbox(pod, { network: 'pods' });
    const ids: string[] = [];
    for (const c of pod.spec!.containers) {
      const id = await runtime.createContainer(sandbox.id, pod, c);
      await runtime.startContainer(id);
      ids.push(id);
    }
    let self = sample(0, 0, 5000);
    const collector = new StatsCollector('n1', { runtime, selfSample: () => self }, logger('test'));
    const round = async (t: number, app: number, side: number, pause: number) => {
      runtime.stats.set(ids[0], sample(t, app, 1000));
      runtime.stats.set(ids[1], sample(t, side, 2000));
      runtime.stats.set(sandbox.id, sample(t, pause, 50));
      self = sample(t, t * 1000, 5000);
      await collector.collect();
    };
    assert.deepEqual(collector.summary().pods, []);
    await round(10_000, 1_000_000_000, 0, 0);
    const first = collector.summary();
    assert.equal(first.pods[0].cpu?.usageNanoCores, undefined, 'no rate from one sample');
    assert.equal(first.pods[0].cpu?.usageCoreNanoSeconds, 1_000_000_000);
    await round(20_000, 3_000_000_000, 500_000_000, 10_000_000);
    const s = collector.summary();
    assert.equal(s.node?.nodeName, 'n1');
    // The node: its containers' and the kubelet's increments (10 s of 1 ms/s for the kubelet).
    assert.equal(s.node?.cpu?.usageNanoCores, 251_000_000 + 1_000_000);
    assert.equal(s.node?.memory?.workingSetBytes, 3050 + 5000);
    const [p] = s.pods;
    assert.deepEqual(p.podRef, { name: 'web', namespace: 'default', uid: 'u1' });
    assert.deepEqual(
      p.containers.map((c) => [c.name, c.cpu?.usageNanoCores, c.cpu?.usageCoreNanoSeconds, c.memory?.workingSetBytes]),
      [
        ['app', 200_000_000, 3_000_000_000, 1000],
        ['side', 50_000_000, 500_000_000, 2000],
      ],
    );
    // The sandbox counts in the pod's usage, not as a container.
    assert.deepEqual([p.cpu?.usageNanoCores, p.cpu?.usageCoreNanoSeconds, p.memory?.workingSetBytes], [251_000_000, 3_510_000_000, 3050]);

    // A stopped container is no longer sampled; its pod goes once none runs.
    runtime.exit(ids[1], 0);
    await round(30_000, 4_000_000_000, 500_000_000, 10_000_000);
    const after = collector.summary();
    assert.deepEqual(after.pods[0].containers.map((c) => c.name), ['app']);
    // A container gone takes nothing back from the node's CPU time: 2.52 s in the second round
    // (app 2 s, side 0.5 s, sandbox 10 ms, kubelet 10 ms), 1.01 s in the third (app 1 s, kubelet 10 ms).
    assert.equal(after.node?.cpu?.usageCoreNanoSeconds, 3_530_000_000);
  });
});
