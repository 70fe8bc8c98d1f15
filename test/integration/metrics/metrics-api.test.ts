// The metrics API (metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics) in the apiserver: kept in
// memory, never in the real store; `nodes` and `pods` of that group next to core's nodes and pods
// without either shadowing the other, over gRPC and the HTTP API.
import { strict as assert } from 'node:assert';
import { NodeMetricsKind, Pods, PodMetricsKind } from '../../../lib/api/kinds';
import { NodeMetrics, PodMetrics } from '../../../lib/gen/kite/metrics/v1beta1/types';
import { Pod } from '../../../lib/gen/kite/core/v1/types';
import { useApiserver, uniqueName } from '../apiserver/harness';
import { kitectl } from '../kitectl/run-kitectl';

async function getJson(port: number, path: string): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  assert.equal(res.status, 200, path);
  return res.json();
}

describe('metrics API (metrics.k8s.io/v1beta1)', () => {
  const h = useApiserver('sqlite', { securePort: 0 });

  it('keeps PodMetrics and NodeMetrics in memory, apart from core pods and nodes of the same names', async () => {
    const name = uniqueName('m');
    await h.client.resource(Pods).create(Pod.fromPartial({ metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }));
    const pm = await h.client.resource(PodMetricsKind).create(
      PodMetrics.fromPartial({ metadata: { name, namespace: 'default' }, timestamp: '2026-01-01T00:00:00Z', window: '15s', containers: [{ name: 'c', usage: { cpu: '12m', memory: '1Mi' } }] }),
    );
    await h.client.resource(NodeMetricsKind).create(NodeMetrics.fromPartial({ metadata: { name }, timestamp: '2026-01-01T00:00:00Z', window: '15s', usage: { cpu: '100m', memory: '64Mi' } }));
    assert.deepEqual((await h.client.resource(PodMetricsKind).get(name, 'default')).containers, pm.containers);
    assert.equal((await h.client.resource(Pods).get(name, 'default')).spec?.containers[0].image, 'nginx');
    // Nothing of the metrics API reached the real store.
    const stored = await h.api.server.storage.list('/registry/');
    assert.deepEqual(stored.items.filter((kv) => kv.key.includes(name)).map((kv) => kv.key), [`/registry/pods/default/${name}`]);
    // Over the HTTP API, as kubectl top reads it.
    const list = await getJson(h.api.server.securePort!, `/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/${name}`);
    assert.equal(list.kind, 'PodMetrics');
    assert.equal(list.apiVersion, 'metrics.k8s.io/v1beta1');
    assert.deepEqual(list.containers, [{ name: 'c', usage: { cpu: '12m', memory: '1Mi' } }]);
    const nodes = await getJson(h.api.server.securePort!, '/apis/metrics.k8s.io/v1beta1/nodes');
    assert.equal(nodes.kind, 'NodeMetricsList');
    assert.ok(nodes.items.some((n: any) => n.metadata.name === name && n.usage.cpu === '100m'));
    const core = await getJson(h.api.server.securePort!, `/api/v1/namespaces/default/pods/${name}`);
    assert.equal(core.kind, 'Pod');
    // kitectl: "pods" is core's (kubectl prefers the core group), the metrics need their group.
    const k = (args: string[]) => kitectl(['--server', h.api.address, ...args]);
    assert.match((await k(['get', 'pods', name])).out, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    assert.deepEqual((await k(['get', 'pods.metrics.k8s.io', name])).out.trim().split('\n').map((l) => l.split(/\s+/)), [
      ['NAME', 'CPU', 'MEMORY', 'WINDOW'],
      [name, '12m', '1Mi', '15s'],
    ]);
  });

  it('lists get and list as the metrics API\'s verbs in discovery, and core\'s pods and nodes unchanged', async () => {
    const list = await getJson(h.api.server.securePort!, '/apis/metrics.k8s.io/v1beta1');
    assert.deepEqual(
      list.resources.map((r: any) => [r.name, r.kind, r.namespaced, r.verbs]),
      [
        ['nodes', 'NodeMetrics', false, ['get', 'list']],
        ['pods', 'PodMetrics', true, ['get', 'list']],
      ],
    );
    const core = await getJson(h.api.server.securePort!, '/api/v1');
    assert.equal(core.resources.find((r: any) => r.name === 'pods').kind, 'Pod');
    // Core pods' exec is theirs: the metrics API's pods have no such subresource.
    const exec = await fetch(`http://127.0.0.1:${h.api.server.securePort}/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/x/exec?command=ls`);
    assert.equal(exec.status, 404);
  });
});
