// Resource metrics end to end with hollow nodes: each node serves its simulated Summary (the
// kite.io/simulated-cpu and -memory pod annotations), the controller-manager's metrics-scraper
// reads every kubelet, computes the windowed CPU rate and writes NodeMetrics and PodMetrics, and
// `kitectl top` prints them; an annotation's change makes the pod's CPU rise or fall.
import { strict as assert } from 'node:assert';
import { NodeMetricsKind, PodMetricsKind } from '../../../lib/api/kinds';
import type { Clientset } from '../../../lib/client/clientset';
import { Namespace, Pod } from '../../../lib/gen/kite/core/v1/types';
import { startControllerManager, type ControllerManager } from '../../../services/controller-manager/manager';
import { SIMULATED_CPU_ANNOTATION, SIMULATED_MEMORY_ANNOTATION } from '../../../services/kubelet/hollow/simulated-stats';
import { HollowNodes } from '../../../services/kubelet/hollow/hollow-nodes';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';
import { kitectl } from '../kitectl/run-kitectl';

/** kubectl top's lines end padded: cells split on runs of spaces. */
const cells = (out: string) => out.trim().split('\n').map((l) => l.trim().split(/ {2,}/));

describe('resource metrics from hollow nodes (metrics-scraper, kitectl top)', function () {
  this.timeout(60_000);
  let api: TestApiserver;
  let client: Clientset;
  const stop = new AbortController();
  let cm: ControllerManager;
  let run: Promise<void>;
  const ns = 'metrics-hollow';

  before(async () => {
    api = await startTestApiserver();
    client = api.client();
    const nodes = new HollowNodes(api.client(), { count: 2, namePrefix: 'metrics-node-', statsHost: '127.0.0.1', capacity: { cpu: '2', memory: '4Gi', pods: '110' } });
    run = nodes.run(stop.signal);
    await waitFor('2 nodes', async () => (await client.nodes.list()).items.length === 2);
    cm = startControllerManager({ clientset: api.client(), controllers: ['metrics-scraper'], options: { 'metrics-scraper': { resolutionMs: 300 } }, signal: stop.signal });
    assert.equal(await cm.synced, true);
    await client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
  });

  after(async () => {
    stop.abort();
    await run;
    await cm?.done;
    await api?.stop();
  });

  const pod = (name: string, node: string, cpu: string, memory: string, containers = ['app']) =>
    Pod.fromPartial({
      metadata: { name, namespace: ns, labels: { app: name }, annotations: { [SIMULATED_CPU_ANNOTATION]: cpu, [SIMULATED_MEMORY_ANNOTATION]: memory } },
      spec: { nodeName: node, containers: containers.map((c) => ({ name: c, image: 'nginx' })) },
    });

  it('reports each pod and node at its simulated usage, printed by kitectl top', async () => {
    await client.pods.create(pod('busy', 'metrics-node-0', '250m', '64Mi'));
    await client.pods.create(pod('pair', 'metrics-node-1', '500m', '128Mi', ['a', 'b']));
    const metrics = api.client().resource(PodMetricsKind);
    await waitFor('both pods measured', async () => (await metrics.list({ namespace: ns })).items.length === 2);
    const busy = await metrics.get('busy', ns);
    assert.deepEqual(busy.containers, [{ name: 'app', usage: { cpu: '250m', memory: '64Mi' } }]);
    assert.deepEqual(busy.metadata!.labels, { app: 'busy' });
    assert.match(busy.window, /^\d+(\.\d+)?(ms|s)$/);
    assert.deepEqual((await metrics.get('pair', ns)).containers, [
      { name: 'a', usage: { cpu: '250m', memory: '64Mi' } },
      { name: 'b', usage: { cpu: '250m', memory: '64Mi' } },
    ]);
    await waitFor('node metrics with the pods on them', async () => {
      const nodes = (await api.client().resource(NodeMetricsKind).list()).items;
      return nodes.length === 2 && nodes.every((n) => n.usage.cpu !== '0');
    });

    const top = await kitectl(['--server', api.address, 'top', 'pod', '-n', ns, '--containers']);
    assert.equal(top.code, 0, top.err);
    assert.deepEqual(cells(top.out), [
      ['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)'],
      ['busy', 'app', '250m', '64Mi'],
      ['pair', 'a', '250m', '64Mi'],
      ['pair', 'b', '250m', '64Mi'],
    ]);
    const nodes = await kitectl(['--server', api.address, 'top', 'node']);
    assert.deepEqual(cells(nodes.out), [
      ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'],
      ['metrics-node-0', '250m', '12%', '64Mi', '1%'],
      ['metrics-node-1', '500m', '25%', '128Mi', '3%'],
    ]);
  });

  it('follows the annotation as the pod\'s CPU rises and falls', async () => {
    const metrics = api.client().resource(PodMetricsKind);
    const setCpu = async (cpu: string) => {
      const p = await client.pods.get('busy', ns);
      p.metadata!.annotations[SIMULATED_CPU_ANNOTATION] = cpu;
      await client.pods.update(p);
    };
    await setCpu('1500m');
    await waitFor('busy at 1500m', async () => (await metrics.get('busy', ns)).containers[0].usage.cpu === '1500m');
    await setCpu('20m');
    await waitFor('busy at 20m', async () => (await metrics.get('busy', ns)).containers[0].usage.cpu === '20m');
  });

  it('drops the metrics of a deleted pod', async () => {
    await client.pods.delete('pair', { namespace: ns, gracePeriodSeconds: 0 });
    await waitFor('pair\'s metrics gone', async () => !(await api.client().resource(PodMetricsKind).list({ namespace: ns })).items.some((m) => m.metadata!.name === 'pair'));
  });
});
