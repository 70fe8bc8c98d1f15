// The real kubectl on autoscaling/v1 HorizontalPodAutoscalers, which Kite serves by conversion
// beside the stored autoscaling/v2 (services/apiserver/http/converted-versions.ts): found through
// discovery and OpenAPI, so `kubectl apply -f` of a v1 manifest creates it and a second apply
// (client-side, a 3-way strategic merge patch on the v1 path) updates it, `kubectl get
// horizontalpodautoscalers.v1.autoscaling` reads v1, `kubectl explain` knows both versions, and patches of the v1 form
// (merge, JSON, strategic merge), replace, and server-side apply of a v1 configuration change the v2 object,
// keeping what v1 cannot express.
import { strict as assert } from 'node:assert';
import { installedKubectl, startKubectlHarness, type KubectlHarness } from './kubectl-harness';

type Json = Record<string, any>;

const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const manifest = (name: string, cpu: number) => JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name }, spec: { scaleTargetRef: target, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: cpu } });
// kubectl's shortcut expander drops the version of a short name ("hpa.v1.autoscaling" is the
// preferred v2, against Kubernetes too): the v1 resource is named in full.
const V1 = 'horizontalpodautoscalers.v1.autoscaling';
const cpu = (n: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: n } } });

describe('kubectl on autoscaling/v1 HorizontalPodAutoscalers (discovery, OpenAPI, apply, patch)', function () {
  this.timeout(120_000);
  let h: KubectlHarness;

  before(async function () {
    if (!installedKubectl()) this.skip();
    h = await startKubectlHarness();
  });
  after(async () => h?.stop());

  const v2 = async (name: string): Promise<Json> => JSON.parse(await h.ok(['get', 'hpa', name, '-o', 'json']));
  const v1 = async (name: string): Promise<Json> => JSON.parse(await h.ok(['get', V1, name, '-o', 'json']));

  it('kubectl apply -f of a v1 manifest creates it and a second apply updates it; get horizontalpodautoscalers.v1.autoscaling reads v1', async () => {
    assert.equal(await h.ok(['apply', '-f', '-'], { stdin: manifest('v1-apply', 50) }), 'horizontalpodautoscaler.autoscaling/v1-apply created\n');
    assert.deepEqual((await v2('v1-apply')).spec.metrics, [cpu(50)]);
    assert.equal(await h.ok(['apply', '-f', '-'], { stdin: manifest('v1-apply', 70) }), 'horizontalpodautoscaler.autoscaling/v1-apply configured\n');
    assert.deepEqual((await v2('v1-apply')).spec.metrics, [cpu(70)]);
    const got = await v1('v1-apply');
    assert.deepEqual([got.apiVersion, got.spec], ['autoscaling/v1', { scaleTargetRef: target, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 70 }]);
    const yaml = await h.ok(['get', V1, 'v1-apply', '-o', 'yaml']);
    assert.match(yaml, /^apiVersion: autoscaling\/v1\n/);
    assert.match(yaml, /\n {2}targetCPUUtilizationPercentage: 70\n/);
    // The last-applied configuration is the v1 manifest, as kubectl wrote it.
    assert.equal(JSON.parse(got.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).spec.targetCPUUtilizationPercentage, 70);
    assert.equal(await h.ok(['apply', '-f', '-'], { stdin: manifest('v1-apply', 70) }), 'horizontalpodautoscaler.autoscaling/v1-apply unchanged\n');
    await h.ok(['delete', 'hpa', 'v1-apply']);
  });

  it('kubectl explain knows both versions', async () => {
    const explainV1 = await h.ok(['explain', 'hpa.spec', '--api-version=autoscaling/v1']);
    assert.match(explainV1, /VERSION:\s+v1\n/);
    assert.match(explainV1, /targetCPUUtilizationPercentage\s+<integer>/);
    assert.doesNotMatch(explainV1, /\bmetrics\b/);
    const explainV2 = await h.ok(['explain', 'hpa.spec']);
    assert.match(explainV2, /VERSION:\s+v2\n/);
    assert.match(explainV2, /metrics\s+<\[\]MetricSpec>/);
  });

  it('kubectl patch (merge, json, strategic) and replace of the v1 form change the v2 object and keep its behavior and other metrics', async () => {
    await h.ok(['apply', '-f', '-'], { stdin: manifest('v1-patch', 50) });
    const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } };
    const behavior = { scaleDown: { stabilizationWindowSeconds: 60 } };
    await h.ok(['patch', 'hpa', 'v1-patch', '--type', 'merge', '-p', JSON.stringify({ spec: { metrics: [memory, cpu(50)], behavior } })]);
    assert.equal(await h.ok(['patch', V1, 'v1-patch', '--type', 'merge', '-p', '{"spec":{"targetCPUUtilizationPercentage":40}}']), 'horizontalpodautoscaler.autoscaling/v1-patch patched\n');
    let spec = (await v2('v1-patch')).spec;
    assert.deepEqual([spec.metrics, spec.behavior.scaleDown.stabilizationWindowSeconds], [[memory, cpu(40)], 60]);
    await h.ok(['patch', V1, 'v1-patch', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/targetCPUUtilizationPercentage","value":30}]']);
    await h.ok(['patch', V1, 'v1-patch', '-p', '{"spec":{"maxReplicas":8}}']);
    spec = (await v2('v1-patch')).spec;
    assert.deepEqual([spec.metrics, spec.maxReplicas, spec.behavior.scaleDown.stabilizationWindowSeconds], [[memory, cpu(30)], 8, 60]);
    // A replace of the v1 form (PUT) keeps them as well.
    const read = await v1('v1-patch');
    read.spec.targetCPUUtilizationPercentage = 20;
    assert.equal(await h.ok(['replace', '-f', '-'], { stdin: JSON.stringify(read) }), 'horizontalpodautoscaler.autoscaling/v1-patch replaced\n');
    spec = (await v2('v1-patch')).spec;
    assert.deepEqual([spec.metrics, spec.behavior.scaleDown.stabilizationWindowSeconds], [[memory, cpu(20)], 60]);
    // Unknown fields are treated as on the v2 path.
    const unknown = await h.kubectl(['patch', V1, 'v1-patch', '--type', 'merge', '-p', '{"spec":{"bogus":1}}']);
    const onV2 = await h.kubectl(['patch', 'hpa', 'v1-patch', '--type', 'merge', '-p', '{"spec":{"bogus":1}}']);
    assert.deepEqual([unknown.code, unknown.err], [onV2.code, onV2.err]);
    assert.match(unknown.err, /unknown field "spec.bogus"/);
    await h.ok(['delete', 'hpa', 'v1-patch']);
  });

  it("reads v2's other metrics and behavior as Kubernetes' annotations on v1, and a replace of v1 with a changed annotation writes them back, never storing the annotations", async () => {
    const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } };
    const created = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'v1-annotations' }, spec: { scaleTargetRef: target, maxReplicas: 5, metrics: [memory, cpu(60)], behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } };
    await h.ok(['create', '-f', '-'], { stdin: JSON.stringify(created) });
    const read = await v1('v1-annotations');
    assert.equal(read.spec.targetCPUUtilizationPercentage, 60);
    const annotations = read.metadata.annotations;
    assert.equal(annotations['autoscaling.alpha.kubernetes.io/metrics'], '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}}]');
    // The defaulted behavior, as Kubernetes marshals its internal type.
    assert.equal(
      annotations['autoscaling.alpha.kubernetes.io/behavior'],
      '{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15},{"Type":"Percent","Value":100,"PeriodSeconds":15}]},' +
        '"ScaleDown":{"StabilizationWindowSeconds":60,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":100,"PeriodSeconds":15}]}}',
    );
    assert.match(await h.ok(['get', V1, 'v1-annotations', '-o', 'yaml']), /\n {4}autoscaling\.alpha\.kubernetes\.io\/metrics: '\[\{"type":"Resource","resource":\{"name":"memory","targetAverageValue":"100Mi"\}\}\]'\n/);
    annotations['autoscaling.alpha.kubernetes.io/metrics'] = '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"200Mi"}}]';
    annotations['autoscaling.alpha.kubernetes.io/behavior'] = annotations['autoscaling.alpha.kubernetes.io/behavior'].replace('"StabilizationWindowSeconds":60', '"StabilizationWindowSeconds":120');
    assert.equal(await h.ok(['replace', '-f', '-'], { stdin: JSON.stringify(read) }), 'horizontalpodautoscaler.autoscaling/v1-annotations replaced\n');
    const stored = await v2('v1-annotations');
    assert.deepEqual(stored.spec.metrics, [{ ...memory, resource: { ...memory.resource, target: { type: 'AverageValue', averageValue: '200Mi' } } }, cpu(60)]);
    assert.equal(stored.spec.behavior.scaleDown.stabilizationWindowSeconds, 120);
    assert.equal(stored.metadata.annotations, undefined);
    // A v1 create reads them too.
    const { uid: _u, resourceVersion: _r, creationTimestamp: _c, managedFields: _m, ...metadata } = read.metadata;
    await h.ok(['create', '-f', '-'], { stdin: JSON.stringify({ ...read, metadata: { ...metadata, name: 'v1-annotations-2' }, status: undefined }) });
    const copy = await v2('v1-annotations-2');
    assert.deepEqual([copy.spec.metrics, copy.spec.behavior.scaleDown.stabilizationWindowSeconds, copy.metadata.annotations], [stored.spec.metrics, 120, undefined]);
    await h.ok(['delete', 'hpa', 'v1-annotations', 'v1-annotations-2']);
  });

  it('kubectl apply --server-side of a v1 manifest creates and updates it', async () => {
    assert.equal(await h.ok(['apply', '--server-side', '-f', '-'], { stdin: manifest('v1-ssa', 50) }), 'horizontalpodautoscaler.autoscaling/v1-ssa serverside-applied\n');
    await h.ok(['apply', '--server-side', '-f', '-'], { stdin: manifest('v1-ssa', 65) });
    assert.deepEqual((await v2('v1-ssa')).spec.metrics, [cpu(65)]);
    assert.equal((await v1('v1-ssa')).spec.targetCPUUtilizationPercentage, 65);
    await h.ok(['delete', 'hpa', 'v1-ssa']);
  });
});
