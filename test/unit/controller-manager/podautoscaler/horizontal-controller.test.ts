// The HPA controller's reconcile on a fake API, fake metrics and a clock the test sets: a rescale
// through the scale subresource with Kubernetes' event, conditions and status; the scale-down held
// by the stabilization window until it passes; min/max; a missing request (FailedGetResourceMetric);
// a target that does not exist (FailedGetScale); the sync period requeue; ContainerResource metrics
// from the resource metrics API; Pods, Object and External metrics without a custom or external
// metrics API (FailedGetPodsMetric, ... in Kubernetes' words) and how `get hpa` shows them.
import assert from 'node:assert/strict';
import { Deployments, HorizontalPodAutoscalers, Pods, StatefulSets } from '../../../../lib/api/kinds';
import { Deployment, StatefulSet } from '../../../../lib/gen/kite/apps/v1/types';
import { HorizontalPodAutoscaler } from '../../../../lib/gen/kite/autoscaling/v2/types';
import { Pod } from '../../../../lib/gen/kite/core/v1/types';
import type { MetricsClient } from '../../../../services/controller-manager/podautoscaler/metrics-client';
import { HorizontalController } from '../../../../services/controller-manager/podautoscaler/horizontal-controller';
import { PRINTER_COLUMNS } from '../../../../lib/printers/table-columns';
import { preload, testContext, type TestContext } from '../support/context';
import { at, T0 } from '../support/fixtures';

/** CPU usage (millicores) per pod name; the fake metrics API answers from it. */
let usage: Map<string, number>;
const metricsClient: MetricsClient = {
  async getResourceMetric(_resource, _ns, _selector, _container) {
    if (usage.size === 0) throw new Error('no metrics returned from resource metrics API');
    return { metrics: new Map([...usage].map(([name, value]) => [name, { timestamp: T0, windowMs: 15_000, value }])), timestamp: T0 };
  },
};

function deployment(replicas: number): Deployment {
  return Deployment.fromPartial({ metadata: { name: 'web', namespace: 'default', uid: 'd1' }, spec: { replicas, selector: { matchLabels: { app: 'web' } } }, status: { replicas } });
}

function pod(name: string, request = '100m'): Pod {
  return Pod.fromPartial({
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'app', resources: { requests: request ? { cpu: request } : {} } }] },
    status: { phase: 'Running', startTime: at(-3600), conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at(-3500) }] },
  });
}

function hpa(spec: Record<string, unknown> = {}): HorizontalPodAutoscaler {
  const o = HorizontalPodAutoscaler.fromJSON({
    metadata: { name: 'web', namespace: 'default', uid: 'h1' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }], ...spec },
  });
  o.status = { lastScaleTime: '', currentReplicas: 0, desiredReplicas: 0, currentMetrics: [], conditions: [] };
  return o;
}

function setup(replicas: number, usages: number[], h = hpa()): { ctx: TestContext; c: HorizontalController } {
  const ctx = testContext();
  usage = new Map(usages.map((u, i) => [`web-${i}`, u]));
  preload(ctx, Deployments, deployment(replicas));
  preload(ctx, Pods, ...usages.map((_, i) => pod(`web-${i}`)));
  preload(ctx, HorizontalPodAutoscalers, h);
  return { ctx, c: new HorizontalController(ctx, { metricsClient, syncPeriodMs: 15_000 }) };
}

/** The HPA as the fake API holds it, also fed back to the informer as the next sync would see it. */
function stored(ctx: TestContext): HorizontalPodAutoscaler {
  const h = ctx.client.tracked(HorizontalPodAutoscalers, 'default', 'web')!;
  ctx.informers.forKind(HorizontalPodAutoscalers).indexer.update(structuredClone(h));
  return h;
}

const conditions = (h: HorizontalPodAutoscaler) => h.status!.conditions.map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`);

describe('HPA controller (Kubernetes HorizontalController)', () => {
  it('scales the target up through its scale subresource, with the event, conditions and status Kubernetes writes', async () => {
    const { ctx, c } = setup(2, [90, 110]);
    assert.deepEqual(await c.reconcile('default/web'), { requeueAfter: 15_000 });
    // 200m of 200m = 100% against 50%: 4 replicas.
    assert.deepEqual(ctx.client.summary(), ['updateScale deployments default/web', 'updateStatus horizontalpodautoscalers default/web']);
    assert.equal(ctx.client.tracked(Deployments, 'default', 'web')!.spec!.replicas, 4);
    assert.deepEqual(ctx.events.lines(), ['Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target']);
    const h = stored(ctx);
    assert.deepEqual([h.status!.currentReplicas, h.status!.desiredReplicas, h.status!.lastScaleTime], [2, 4, at(0)]);
    assert.deepEqual((HorizontalPodAutoscaler.toJSON(h) as any).status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '100m', averageUtilization: 100 } } }]);
    assert.deepEqual(conditions(h), [
      'AbleToScale=True SucceededRescale: the HPA controller was able to update the target scale to 4',
      'ScalingActive=True ValidMetricFound: the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
      'ScalingLimited=False DesiredWithinRange: the desired count is within the acceptable range',
    ]);
  });

  it('holds a scale-down for the downscale stabilization window, then scales down', async () => {
    const { ctx, c } = setup(4, [10, 10, 10, 10]);
    await c.reconcile('default/web');
    // 10% against 50% wants 1, but the first recommendation (4) is within the 5 minutes.
    assert.equal(ctx.client.tracked(Deployments, 'default', 'web')!.spec!.replicas, 4);
    assert.deepEqual(conditions(stored(ctx))[0], 'AbleToScale=True ScaleDownStabilized: recent recommendations were higher than current one, applying the highest recent recommendation');
    ctx.setNow(301);
    await c.reconcile('default/web');
    assert.equal(ctx.client.tracked(Deployments, 'default', 'web')!.spec!.replicas, 1);
    assert.deepEqual(ctx.events.lines(), ['Normal SuccessfulRescale New size: 1; reason: All metrics below target']);
  });

  it('brings a target outside min/max back within them and bounds the recommendation', async () => {
    const stale = hpa();
    stale.status!.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 99 } } }];
    const { ctx, c } = setup(12, [50], stale);
    await c.reconcile('default/web');
    assert.deepEqual(ctx.events.lines(), ['Normal SuccessfulRescale New size: 10; reason: Current number of replicas above Spec.MaxReplicas']);
    // No metrics were computed: none are reported.
    assert.deepEqual(stored(ctx).status!.currentMetrics, []);
    const hot = setup(3, [500, 500, 500], hpa({ maxReplicas: 5 }));
    await hot.c.reconcile('default/web');
    assert.equal(hot.ctx.client.tracked(Deployments, 'default', 'web')!.spec!.replicas, 5);
    assert.equal(conditions(stored(hot.ctx))[2], 'ScalingLimited=True TooManyReplicas: the desired replica count is more than the maximum replica count');
  });

  it('applies a behavior: scale-up policies and a short scale-down window', async () => {
    const behavior = { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] }, scaleDown: { stabilizationWindowSeconds: 10, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } };
    const { ctx, c } = setup(2, [500, 500], hpa({ behavior }));
    await c.reconcile('default/web');
    assert.equal(ctx.client.tracked(Deployments, 'default', 'web')!.spec!.replicas, 3);
    assert.equal(conditions(stored(ctx))[2], 'ScalingLimited=True ScaleUpLimit: the desired replica count is increasing faster than the maximum scale rate');
    // Within the policy's minute: no more.
    ctx.client.seed(Deployments, deployment(3));
    ctx.setNow(30);
    await c.reconcile('default/web');
    assert.equal(ctx.client.tracked(Deployments, 'default', 'web')!.spec!.replicas, 3);
    // Load gone: held while the recommendation of t=30 is within the 10 s window, then 1 (100% per 15 s).
    usage = new Map([['web-0', 0], ['web-1', 0]]);
    ctx.setNow(35);
    await c.reconcile('default/web');
    assert.equal(ctx.client.tracked(Deployments, 'default', 'web')!.spec!.replicas, 3);
    ctx.setNow(41);
    await c.reconcile('default/web');
    assert.equal(ctx.client.tracked(Deployments, 'default', 'web')!.spec!.replicas, 1);
  });

  it('scales a StatefulSet the same way', async () => {
    const { ctx, c } = setup(2, [90, 110], hpa({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' } }));
    preload(ctx, StatefulSets, StatefulSet.fromPartial({ metadata: { name: 'db', namespace: 'default' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } } }, status: { replicas: 2 } }));
    await c.reconcile('default/web');
    assert.deepEqual(ctx.client.summary(), ['updateScale statefulsets default/db', 'updateStatus horizontalpodautoscalers default/web']);
    assert.equal(ctx.client.tracked(StatefulSets, 'default', 'db')!.spec!.replicas, 4);
  });

  it('reports a missing request as ScalingActive False FailedGetResourceMetric', async () => {
    const { ctx, c } = setup(2, [50, 50]);
    ctx.informers.forKind(Pods).indexer.update(pod('web-1', ''));
    await c.reconcile('default/web');
    const message = 'failed to get cpu utilization: missing request for cpu in container app of Pod web-1';
    assert.deepEqual(ctx.events.lines(), [
      `Warning FailedGetResourceMetric ${message}`,
      `Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: ${message}`,
    ]);
    const h = stored(ctx);
    assert.deepEqual(conditions(h), [
      "AbleToScale=True SucceededGetScale: the HPA controller was able to get the target's current scale",
      `ScalingActive=False FailedGetResourceMetric: the HPA was unable to compute the replica count: ${message}`,
    ]);
    assert.equal(h.status!.currentReplicas, 2);
    assert.deepEqual(ctx.client.summary(), ['updateStatus horizontalpodautoscalers default/web']);
  });

  it('reports a target it cannot scale as AbleToScale False FailedGetScale', async () => {
    const { ctx, c } = setup(2, [50], hpa({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'gone' } }));
    await c.reconcile('default/web');
    assert.deepEqual(ctx.events.lines(), ['Warning FailedGetScale deployments "gone" not found']);
    assert.deepEqual(conditions(stored(ctx)), ['AbleToScale=False FailedGetScale: the HPA controller was unable to get the target\'s current scale: deployments "gone" not found']);
  });

  it('scales on a ContainerResource metric from the resource metrics API, naming it as Kubernetes does', async () => {
    const h0 = hpa({ metrics: [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 50 } } }] });
    const { ctx, c } = setup(2, [90, 110], h0);
    await c.reconcile('default/web');
    assert.equal(ctx.client.tracked(Deployments, 'default', 'web')!.spec!.replicas, 4);
    assert.deepEqual(ctx.events.lines(), ['Normal SuccessfulRescale New size: 4; reason: cpu container resource utilization (percentage of request) above target']);
    const h = stored(ctx);
    assert.deepEqual((HorizontalPodAutoscaler.toJSON(h) as any).status.currentMetrics, [
      { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', current: { averageValue: '100m', averageUtilization: 100 } } },
    ]);
  });

  const NO_CUSTOM = 'unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered';
  for (const [type, metric, cause, error, target] of [
    ['Pods', { pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } }, `unable to get metric qps: ${NO_CUSTOM}`, 'failed to get pods metric value: ', '<unknown>/1k'],
    [
      'Object',
      { object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: 'front' }, metric: { name: 'rps' }, target: { type: 'Value', value: '10' } } },
      `unable to get metric rps: Service on default front/${NO_CUSTOM}`,
      'failed to get object metric value: ',
      '<unknown>/10',
    ],
    [
      'Object',
      { object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: 'front' }, metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '2' } } },
      `unable to get metric rps: Service on default front/${NO_CUSTOM}`,
      'failed to get object metric value: failed to get rps object metric: ',
      '<unknown>/2 (avg)',
    ],
    [
      'External',
      { external: { metric: { name: 'queue_messages', selector: { matchLabels: { queue: 'jobs', env: 'prod' } } }, target: { type: 'AverageValue', averageValue: '30' } } },
      'unable to get external metric default/queue_messages/&LabelSelector{MatchLabels:map[string]string{env: prod,queue: jobs,},MatchExpressions:[]LabelSelectorRequirement{},}: unable to fetch metrics from external metrics API: the server could not find the requested resource (get queue_messages.external.metrics.k8s.io)',
      'failed to get queue_messages external metric value: failed to get queue_messages external metric: ',
      '<unknown>/30 (avg)',
    ],
    [
      'External',
      { external: { metric: { name: 'lag' }, target: { type: 'Value', value: '100' } } },
      'unable to get external metric default/lag/nil: unable to fetch metrics from external metrics API: the server could not find the requested resource (get lag.external.metrics.k8s.io)',
      'failed to get lag external metric value: failed to get external metric lag: ',
      '<unknown>/100',
    ],
  ] as const) {
    it(`reports a ${type} metric (get hpa: ${target}) as ScalingActive False FailedGet${type}Metric: no such metrics API`, async () => {
      const { ctx, c } = setup(2, [50, 50], hpa({ metrics: [{ type, ...metric }] }));
      await c.reconcile('default/web');
      assert.deepEqual(ctx.events.lines(), [
        `Warning FailedGet${type}Metric ${cause}`,
        `Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first error is: ${error}${cause}`,
      ]);
      const h = stored(ctx);
      assert.deepEqual(conditions(h), [
        "AbleToScale=True SucceededGetScale: the HPA controller was able to get the target's current scale",
        `ScalingActive=False FailedGet${type}Metric: the HPA was unable to compute the replica count: ${cause}`,
      ]);
      assert.equal(ctx.client.tracked(Deployments, 'default', 'web')!.spec!.replicas, 2);
      // `kubectl get hpa`'s TARGETS column.
      assert.equal(PRINTER_COLUMNS.HorizontalPodAutoscaler.cells(h, Date.now())[1], target);
    });
  }

  it('scales on the resource metric beside a Pods metric it cannot get, as Kubernetes does when the valid metric asks for more', async () => {
    const pods = { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } };
    const { ctx, c } = setup(2, [90, 110], hpa({ metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }, pods] }));
    await c.reconcile('default/web');
    assert.equal(ctx.client.tracked(Deployments, 'default', 'web')!.spec!.replicas, 4);
    assert.deepEqual(ctx.events.lines(), [`Warning FailedGetPodsMetric unable to get metric qps: ${NO_CUSTOM}`, 'Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target']);
    assert.equal(PRINTER_COLUMNS.HorizontalPodAutoscaler.cells(stored(ctx), Date.now())[1], 'cpu: 100%/50%, <unknown>/1k');
  });

  it('leaves a target scaled to zero alone (ScalingDisabled) and forgets a deleted HPA', async () => {
    const { ctx, c } = setup(0, [50]);
    await c.reconcile('default/web');
    assert.deepEqual(conditions(stored(ctx))[1], 'ScalingActive=False ScalingDisabled: scaling is disabled since the replica count of the target is zero');
    assert.deepEqual(ctx.events.lines(), []);
    ctx.informers.forKind(HorizontalPodAutoscalers).indexer.delete(stored(ctx));
    assert.equal(await c.reconcile('default/web'), undefined);
  });
});
