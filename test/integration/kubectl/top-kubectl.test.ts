// The real kubectl and kitectl side by side on `top` against one apiserver (kubectl over the
// HTTPS front door, protobuf negotiated, kitectl over gRPC): the metrics API's NodeMetrics and
// PodMetrics written as the metrics-scraper writes them, printed as kubectl prints them (node and
// pod tables, -A, --containers, --sort-by, -l, --no-headers, --sum, one named object), and
// kubectl's messages when there are no metrics.
import { strict as assert } from 'node:assert';
import { NodeMetricsKind, PodMetricsKind } from '../../../lib/api/kinds';
import { Node, Pod } from '../../../lib/gen/kite/core/v1/types';
import { NodeMetrics, PodMetrics } from '../../../lib/gen/kite/metrics/v1beta1/types';
import { installedKubectl, sameAsKubectl, startKubectlHarness, type KubectlHarness } from './kubectl-harness';

describe('kubectl and kitectl top node|pod (HTTPS front door)', function () {
  this.timeout(120_000);
  let h: KubectlHarness;
  const stamp = { timestamp: '2026-01-01T00:00:00Z', window: '15.012s' };

  before(async function () {
    if (!installedKubectl()) this.skip();
    h = await startKubectlHarness();
  });
  after(async () => h?.stop());

  const same = (args: string[]) => sameAsKubectl(h, args);

  it('prints what kubectl prints when there are no metrics yet', async () => {
    await same(['top', 'node']);
    await same(['top', 'pod']);
    await same(['top', 'pod', '--sort-by=name']);
  });

  it('prints nodes and pods as kubectl does', async () => {
    const nodes = h.admin.resource(NodeMetricsKind);
    const pods = h.admin.resource(PodMetricsKind);
    for (const [name, cpu, memory] of [['top-node-a', '4', '16Gi'], ['top-node-b', '2', '8Gi'], ['top-node-c', '2', '8Gi']]) {
      await h.admin.nodes.create(Node.fromPartial({ metadata: { name, labels: { tier: name === 'top-node-a' ? 'big' : 'small' } }, status: { capacity: { cpu, memory, pods: '110' }, allocatable: { cpu, memory, pods: '110' } } }));
    }
    await nodes.create(NodeMetrics.fromPartial({ metadata: { name: 'top-node-a', labels: { tier: 'big' } }, ...stamp, usage: { cpu: '1250342117n', memory: '3145728Ki' } }));
    await nodes.create(NodeMetrics.fromPartial({ metadata: { name: 'top-node-b', labels: { tier: 'small' } }, ...stamp, usage: { cpu: '150m', memory: '5Gi' } }));
    const ns = h.namespace;
    const pod = (name: string, labels: Record<string, string>, containers: [string, string, string][]) =>
      pods.create(PodMetrics.fromPartial({ metadata: { name, namespace: ns, labels }, ...stamp, containers: containers.map(([n, cpu, memory]) => ({ name: n, usage: { cpu, memory } })) }));
    await pod('web-1', { app: 'web' }, [['nginx', '12345678n', '10Mi'], ['sidecar', '1m', '2097152']]);
    await pod('web-2', { app: 'web' }, [['nginx', '250m', '64Mi']]);
    await pod('db-0', { app: 'db' }, [['postgres', '0', '300Mi']]);
    await h.admin.pods.create(Pod.fromPartial({ metadata: { name: 'web-1', namespace: ns }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } }));

    const table = (out: string) => out.split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/));
    assert.deepEqual(table((await same(['top', 'node'])).out), [
      ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'],
      ['top-node-a', '1251m', '31%', '3072Mi', '18%'],
      ['top-node-b', '150m', '7%', '5120Mi', '62%'],
      ['top-node-c', '<unknown>', '<unknown>', '<unknown>', '<unknown>'],
    ]);
    assert.deepEqual(table((await same(['top', 'pod', '--containers'])).out), [
      ['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'],
      ['db-0', 'postgres', '0m', '300Mi'],
      ['web-1', 'nginx', '13m', '10Mi'],
      ['web-1', 'sidecar', '1m', '2Mi'],
      ['web-2', 'nginx', '250m', '64Mi'],
    ]);
    for (const args of [
      ['top', 'nodes', '--sort-by=cpu'],
      ['top', 'no', '--sort-by=memory', '--no-headers'],
      ['top', 'node', '-l', 'tier=big'],
      ['top', 'node', 'top-node-b'],
      ['top', 'node', '--show-capacity'],
      ['top', 'pod'],
      ['top', 'pod', '--sort-by=cpu'],
      ['top', 'pod', '--sort-by=memory', '--containers'],
      ['top', 'pod', '-l', 'app=web', '--sum'],
      ['top', 'pod', 'web-2'],
      ['top', 'pod', 'missing'],
      ['top', 'pod', '-n', 'kube-system'],
    ]) {
      await same(args);
    }
    // -A: the harness' namespace and the others kubectl finds (none with metrics).
    const all = await same(['top', 'pod', '-A', '--no-headers']);
    assert.equal(all.out.split('\n').filter(Boolean).length, 3);
  });
});
