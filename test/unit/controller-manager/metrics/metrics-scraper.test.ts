// The metrics-scraper against a fake API and fake kubelets: nothing written from one sample,
// NodeMetrics and PodMetrics (labelled as their node and pod) from two, replaced on later
// scrapes, and deleted once not refreshed for 3 resolutions; an unreachable kubelet leaves the
// others' metrics alone.
import { strict as assert } from 'node:assert';
import { NodeMetricsKind, Nodes, PodMetricsKind, Pods } from '../../../../lib/api/kinds';
import type { Summary } from '../../../../lib/gen/kite/kubelet/v1/kubelet';
import type { NodeMetrics, PodMetrics } from '../../../../lib/gen/kite/metrics/v1beta1/types';
import { MetricsScraper } from '../../../../services/controller-manager/metrics/metrics-scraper';
import { preload, testContext } from '../support/context';
import { node, pod, T0 } from '../support/fixtures';

const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const summary = (t: number, cpuSeconds: number, withPod = true): Summary => {
  const stats = { cpu: { time: at(t), usageCoreNanoSeconds: cpuSeconds * 1e9 }, memory: { time: at(t), workingSetBytes: 4 * 1024 * 1024 } };
  return {
    node: { nodeName: 'n1', startTime: at(0), ...stats },
    pods: withPod ? [{ podRef: { name: 'web', namespace: 'default', uid: 'u' }, startTime: at(0), containers: [{ name: 'app', startTime: at(0), ...stats }], ...stats }] : [],
  };
};

describe('metrics-scraper', () => {
  it('writes metrics from two samples, replaces them, and deletes them once stale', async () => {
    const ctx = testContext();
    const n1 = node('n1');
    n1.metadata!.labels = { zone: 'a' };
    const web = pod('web');
    web.metadata!.labels = { app: 'web' };
    preload(ctx, Nodes, n1, node('n2'));
    preload(ctx, Pods, web);
    let t = 0;
    let cpu = 0;
    let withPod = true;
    const scraper = new MetricsScraper(ctx, { resolutionMs: 15_000 }, async (n) => {
      if (n.metadata!.name === 'n2') throw new Error('connection refused');
      return summary(t, cpu, withPod);
    });
    await scraper.scrape();
    assert.deepEqual(ctx.client.summary(), [], 'one sample: no rate yet');

    t = 15;
    cpu = 3;
    await scraper.scrape();
    assert.deepEqual(ctx.client.summary(), ['create nodes n1', 'create pods default/web']);
    const nm = ctx.client.tracked<NodeMetrics>(NodeMetricsKind, '', 'n1')!;
    assert.deepEqual([nm.usage, nm.window, nm.metadata!.labels], [{ cpu: '200m', memory: '4Mi' }, '15s', { zone: 'a' }]);
    const pm = ctx.client.tracked<PodMetrics>(PodMetricsKind, 'default', 'web')!;
    assert.deepEqual([pm.containers, pm.metadata!.labels], [[{ name: 'app', usage: { cpu: '200m', memory: '4Mi' } }], { app: 'web' }]);

    // The scraper's cache now has them: the next scrape replaces them.
    ctx.informers.forKind(NodeMetricsKind).indexer.add(nm);
    ctx.informers.forKind(PodMetricsKind).indexer.add(pm);
    ctx.client.clearCalls();
    t = 30;
    cpu = 4.5;
    withPod = false;
    await scraper.scrape();
    assert.deepEqual(ctx.client.summary(), ['update nodes n1']);
    assert.equal(ctx.client.tracked<NodeMetrics>(NodeMetricsKind, '', 'n1')!.usage.cpu, '100m');

    // The pod is gone from its kubelet: its metrics go once 3 resolutions old.
    ctx.client.clearCalls();
    ctx.setNow(46);
    t = 46;
    cpu = 6;
    await scraper.scrape();
    assert.deepEqual(ctx.client.summary(), ['update nodes n1', 'delete pods default/web']);
  });
});
