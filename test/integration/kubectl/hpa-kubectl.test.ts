// The real kubectl and kitectl side by side on HorizontalPodAutoscalers against one apiserver
// (kubectl over the HTTPS front door, kitectl over gRPC): `autoscale` client dry runs and errors
// print the same text, `get hpa` the same table and `describe hpa` the same description (metrics
// by utilization and value, behavior, conditions); kitectl's autoscale and an autoscaling/v1
// manifest applied by kitectl make the autoscaling/v2 object Kubernetes' conversion makes.
import { strict as assert } from 'node:assert';
import { HorizontalPodAutoscalers } from '../../../lib/api/kinds';
import { HorizontalPodAutoscaler } from '../../../lib/gen/kite/autoscaling/v2/types';
import { installedKubectl, sameAsKubectl, startKubectlHarness, type KubectlHarness } from './kubectl-harness';

type Json = Record<string, any>;

describe('kubectl and kitectl autoscale, get and describe hpa (HTTPS front door)', function () {
  this.timeout(120_000);
  let h: KubectlHarness;

  before(async function () {
    if (!installedKubectl()) this.skip();
    h = await startKubectlHarness();
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '100m' } } }] } };
    const objects = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template } },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: { replicas: 0, selector: { matchLabels: { app: 'rs' } }, template: { ...template, metadata: { labels: { app: 'rs' } } } } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'conf' } },
    ];
    await h.ok(['apply', '-f', '-'], { stdin: objects.map((o) => JSON.stringify(o)).join('\n') });
  });
  after(async () => h?.stop());

  const same = (args: string[]) => sameAsKubectl(h, args, (err) => err.replace(/kubectl/g, 'kitectl'));

  it('autoscale --dry-run=client prints the autoscaling/v1 object and errors kubectl prints', async () => {
    const client = '--dry-run=client';
    for (const args of [
      ['autoscale', 'deployment/web', '--max', '5', client, '-o', 'yaml'],
      ['autoscale', 'deployment', 'web', '--min', '2', '--max', '5', '--cpu-percent', '60', '--name', 'web-hpa', client, '-o', 'json'],
      ['autoscale', 'rs/rs', '--max', '3', '--cpu-percent', '0', client, '-o', 'yaml'],
      ['autoscale', 'deployment/web', '--max', '5', client],
      ['autoscale', 'deployment/web', '--max', '5', client, '-o', 'name'],
      ['autoscale', 'deployment/web', '--min', '7', '--max', '5', client],
      ['autoscale', 'deployment/web', '--max', '0', client],
      ['autoscale', 'deployment/gone', '--max', '5', client],
    ]) {
      await same(args);
    }
    // A kind without a scale subresource: both refuse it (kubectl words discovery's lookup its own way).
    const r = await h.kitectl(['autoscale', 'configmap/conf', '--max', '2', client]);
    assert.deepEqual([r.code, r.err], [1, 'error: cannot autoscale a ConfigMap: could not find scale subresource for /v1, Resource=configmaps in discovery information\n']);
    assert.equal((await h.kubectl(['autoscale', 'configmap/conf', '--max', '2', client])).code, 1);
  });

  it('kitectl autoscale and a v1 manifest make the v2 object of Kubernetes\' conversion', async () => {
    assert.equal((await h.kitectl(['autoscale', 'deployment/web', '--max', '4', '--cpu-percent', '70'])).out, 'horizontalpodautoscaler.autoscaling/web autoscaled\n');
    const v1 = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'from-v1' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 55 } };
    assert.equal((await h.kitectl(['apply', '-f', '-'], JSON.stringify(v1))).out, 'horizontalpodautoscaler.autoscaling/from-v1 created\n');
    const spec = async (name: string): Promise<Json> => JSON.parse(await h.ok(['get', 'hpa', name, '-o', 'json'])).spec;
    const cpu = (n: number) => [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: n } } }];
    assert.deepEqual(await spec('web'), { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 4, metrics: cpu(70) });
    assert.deepEqual(await spec('from-v1'), { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 6, metrics: cpu(55) });
    await h.ok(['delete', 'hpa', 'web', 'from-v1']);
  });

  it("kubectl autoscale creates through /apis/autoscaling/v1 (protobuf in, Kubernetes' conversion both ways)", async () => {
    assert.equal(await h.ok(['autoscale', 'deployment/web', '--min', '2', '--max', '4', '--cpu-percent', '70', '--name', 'by-kubectl']), 'horizontalpodautoscaler.autoscaling/by-kubectl autoscaled\n');
    const v2 = JSON.parse(await h.ok(['get', 'hpa', 'by-kubectl', '-o', 'json']));
    assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    const path = `/apis/autoscaling/v1/namespaces/${h.namespace}/horizontalpodautoscalers`;
    const v1 = JSON.parse(await h.ok(['get', '--raw', `${path}/by-kubectl`]));
    assert.deepEqual([v1.apiVersion, v1.spec], ['autoscaling/v1', { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 70 }]);
    const list = JSON.parse(await h.ok(['get', '--raw', path]));
    assert.deepEqual([list.kind, list.apiVersion, list.items.map((i: Json) => [i.metadata.name, i.spec.targetCPUUtilizationPercentage])], ['HorizontalPodAutoscalerList', 'autoscaling/v1', [['by-kubectl', 70]]]);
    // An update in v1 terms changes the v2 metric.
    const replaced = { ...v1, spec: { ...v1.spec, targetCPUUtilizationPercentage: 40 } };
    await h.ok(['replace', '--raw', `${path}/by-kubectl`, '-f', '-'], { stdin: JSON.stringify(replaced) });
    assert.equal(JSON.parse(await h.ok(['get', 'hpa', 'by-kubectl', '-o', 'json'])).spec.metrics[0].resource.target.averageUtilization, 40);
    await h.ok(['delete', 'hpa', 'by-kubectl']);
  });

  it('get hpa and describe hpa print what kubectl prints', async () => {
    const hpa = HorizontalPodAutoscaler.fromJSON({
      metadata: { name: 'web2', namespace: h.namespace, labels: { team: 'a' } },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        maxReplicas: 5,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
          { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 50 } } },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 30, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
      },
    });
    const hpas = h.admin.resource(HorizontalPodAutoscalers);
    const created = await hpas.create(hpa);
    const at = '2024-01-01T00:00:00Z';
    created.status = {
      lastScaleTime: at,
      currentReplicas: 2,
      desiredReplicas: 3,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '70m', averageUtilization: 70 } } }, { type: '' }, { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', current: { averageValue: '40m', averageUtilization: 40 } } }],
      conditions: [
        { type: 'AbleToScale', status: 'True', lastTransitionTime: at, reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 3' },
        { type: 'ScalingActive', status: 'True', lastTransitionTime: at, reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' },
        { type: 'ScalingLimited', status: 'False', lastTransitionTime: at, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' },
      ],
    };
    await hpas.updateStatus(created);
    // A fresh one without status or behavior.
    await hpas.create(HorizontalPodAutoscaler.fromJSON({ metadata: { name: 'plain', namespace: h.namespace }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs' }, maxReplicas: 2 } }));
    const ages = (s: string) => s.replace(/\b\d+s\b/g, 'N');
    for (const args of [['get', 'hpa'], ['get', 'hpa', 'web2', '-o', 'wide']]) {
      const theirs = await h.ok(args);
      const mine = await h.kitectl(args);
      assert.equal(ages(mine.out), ages(theirs), `kitectl ${args.join(' ')}`);
    }
    await same(['describe', 'hpa', 'web2']);
    await same(['describe', 'hpa', 'plain']);
  });
});
