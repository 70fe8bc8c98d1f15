// metrics-server's windowed usage from two Summary samples: the CPU rate over the window, the
// last working set, Kubernetes' quantity formats, a Go duration for the window; no object
// without two samples of every container, or across a counter reset.
import { strict as assert } from 'node:assert';
import type { NodeStats, PodStats } from '../../../../lib/gen/kite/kubelet/v1/kubelet';
import { nodeMetrics, podMetrics, usageOf } from '../../../../services/controller-manager/metrics/rate';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + s * 1000).toISOString();
const stats = (t: number, cpuNanos: number, ws: number) => ({ cpu: { time: at(t), usageCoreNanoSeconds: cpuNanos }, memory: { time: at(t), workingSetBytes: ws } });
const node = (t: number, cpuNanos: number, ws: number): NodeStats => ({ nodeName: 'n1', startTime: '', ...stats(t, cpuNanos, ws) });
const pod = (t: number, containers: [string, number, number][]): PodStats => ({
  podRef: { name: 'web', namespace: 'default', uid: 'u' },
  startTime: '',
  containers: containers.map(([name, cpu, ws]) => ({ name, startTime: '', ...stats(t, cpu, ws) })),
});

describe('metrics-scraper rate', () => {
  it('formats usage as metrics-server: nanocores canonical, working set in bytes (binary)', () => {
    assert.deepEqual(usageOf(250_000_000, 64 * 1024 * 1024), { cpu: '250m', memory: '64Mi' });
    assert.deepEqual(usageOf(12_345_678, 1_000_000), { cpu: '12345678n', memory: '1000000' });
    assert.deepEqual(usageOf(0, 3 * 1024), { cpu: '0', memory: '3Ki' });
  });

  it('computes a node\'s usage over the window between two samples', () => {
    assert.equal(nodeMetrics(undefined, node(0, 0, 1)), undefined);
    const m = nodeMetrics(node(0, 1_000_000_000, 100), node(15.012, 1_000_000_000 + 15_012_000_000, 2 * 1024 * 1024));
    assert.deepEqual({ name: m?.metadata?.name, timestamp: m?.timestamp, window: m?.window, usage: m?.usage }, { name: 'n1', timestamp: '2026-01-01T00:00:15Z', window: '15.012s', usage: { cpu: '1', memory: '2Mi' } });
    assert.equal(m?.apiVersion, 'metrics.k8s.io/v1beta1');
    assert.equal(nodeMetrics(node(0, 5, 1), node(15, 4, 1)), undefined, 'a counter reset has no rate');
  });

  it('computes a pod\'s containers once each has two samples', () => {
    assert.equal(podMetrics(undefined, pod(0, [['a', 0, 1]])), undefined);
    assert.equal(podMetrics(pod(0, [['a', 0, 1]]), pod(15, [['a', 1, 1], ['b', 1, 1]])), undefined, 'b has no earlier sample');
    const m = podMetrics(pod(0, [['a', 0, 1], ['b', 0, 1]]), pod(15, [['a', 1_500_000_000, 4096], ['b', 0, 1024 * 1024]]));
    assert.deepEqual(m?.metadata && { name: m.metadata.name, namespace: m.metadata.namespace }, { name: 'web', namespace: 'default' });
    assert.equal(m?.window, '15s');
    assert.deepEqual(m?.containers, [
      { name: 'a', usage: { cpu: '100m', memory: '4Ki' } },
      { name: 'b', usage: { cpu: '0', memory: '1Mi' } },
    ]);
  });
});
