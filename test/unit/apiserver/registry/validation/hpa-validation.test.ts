// HorizontalPodAutoscaler defaults and validation as Kubernetes' autoscaling/v2 defaulting and
// ValidateHorizontalPodAutoscaler, table-driven with its field paths and messages, and the
// strategy on a real registry (defaults and status reset on create, status validation).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidError } from '../../../../../lib/api/errors';
import { HorizontalPodAutoscalers } from '../../../../../lib/api/kinds';
import { HorizontalPodAutoscaler } from '../../../../../lib/gen/kite/autoscaling/v2/types';
import { DEFAULT_DEFAULTING } from '../../../../../services/apiserver/registry/defaults';
import { Registry } from '../../../../../services/apiserver/registry/registry';
import { ServiceAllocators } from '../../../../../services/apiserver/registry/service-allocators';
import { strategies } from '../../../../../services/apiserver/registry/strategies';
import { defaultHorizontalPodAutoscaler, validateHorizontalPodAutoscaler } from '../../../../../services/apiserver/registry/validation/hpa-validation';
import { SqliteStorage } from '../../../../../services/apiserver/storage';

type Spec = Record<string, unknown>;
const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const hpa = (spec: Spec) => HorizontalPodAutoscaler.fromJSON({ metadata: { name: 'web', namespace: 'default' }, spec: { scaleTargetRef: target, maxReplicas: 5, ...spec } });
const lines = (spec: Spec) => {
  const o = hpa(spec);
  defaultHorizontalPodAutoscaler(o);
  return validateHorizontalPodAutoscaler(o).map((c) => `${c.field}: ${c.message}`);
};
const cpu = (target: Spec) => ({ type: 'Resource', resource: { name: 'cpu', target } });

describe('HorizontalPodAutoscaler defaults and validation (Kubernetes autoscaling/v2)', () => {
  it('defaults minReplicas to 1 and the metrics to 80% average CPU utilization, and leaves behavior unset', () => {
    const o = hpa({});
    defaultHorizontalPodAutoscaler(o);
    assert.equal(o.spec!.minReplicas, 1);
    assert.deepEqual((HorizontalPodAutoscaler.toJSON(o) as any).spec, {
      scaleTargetRef: target,
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    });
  });

  it("fills a behavior's missing rules and fields from SetDefaults_HorizontalPodAutoscalerBehavior's", () => {
    const o = hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } });
    defaultHorizontalPodAutoscaler(o);
    assert.deepEqual((HorizontalPodAutoscaler.toJSON(o) as any).spec.behavior, {
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      },
      scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
  });

  it('accepts resource metrics by utilization and average value, other sources, and behaviors', () => {
    for (const spec of <Spec[]>[
      {},
      { minReplicas: 2, metrics: [cpu({ type: 'Utilization', averageUtilization: 50 }), { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }] },
      { metrics: [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 60 } } }] },
      { metrics: [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } }] },
      { metrics: [{ type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '30' } } }] },
      { behavior: { scaleUp: { selectPolicy: 'Disabled' }, scaleDown: { stabilizationWindowSeconds: 3600, policies: [{ type: 'Pods', value: 1, periodSeconds: 1800 }] } } },
    ]) {
      assert.deepEqual(lines(spec), [], JSON.stringify(spec));
    }
  });

  const cases: [string, Spec, string[]][] = [
    ['a missing scale target', { scaleTargetRef: {} }, ['spec.scaleTargetRef.kind: Required value', 'spec.scaleTargetRef.name: Required value']],
    ['a target name with a slash', { scaleTargetRef: { kind: 'Deployment', name: 'a/b' } }, ['spec.scaleTargetRef.name: Invalid value: "a/b": may not contain \'/\'']],
    ['minReplicas 0 (the HPAScaleToZero gate is off)', { minReplicas: 0 }, ['spec.minReplicas: Invalid value: 0: must be greater than or equal to 1']],
    ['maxReplicas 0', { maxReplicas: 0 }, ['spec.maxReplicas: Invalid value: 0: must be greater than 0', 'spec.maxReplicas: Invalid value: 0: must be greater than or equal to `minReplicas`']],
    ['maxReplicas below minReplicas', { minReplicas: 6 }, ['spec.maxReplicas: Invalid value: 5: must be greater than or equal to `minReplicas`']],
    ['an unknown metric type', { metrics: [{ type: 'Magic' }] }, ['spec.metrics[0].type: Unsupported value: "Magic": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"']],
    ['a type without its source', { metrics: [{ type: 'Pods' }] }, ['spec.metrics[0].pods: Required value: must populate information for the given metric source']],
    [
      'two sources',
      { metrics: [{ ...cpu({ type: 'Utilization', averageUtilization: 50 }), pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1' } } }] },
      ['spec.metrics[0].pods: Forbidden: must populate the given metric source only'],
    ],
    ['a resource target with neither utilization nor value', { metrics: [cpu({ type: 'Utilization' })] }, ['spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization']],
    [
      'a resource target with both',
      { metrics: [cpu({ type: 'Utilization', averageUtilization: 50, averageValue: '100m' })] },
      ['spec.metrics[0].resource.target.averageValue: Forbidden: may not set both a target raw value and a target utilization'],
    ],
    ['a zero utilization', { metrics: [cpu({ type: 'Utilization', averageUtilization: 0 })] }, ['spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0']],
    ['a zero average value', { metrics: [cpu({ type: 'AverageValue', averageValue: '0' })] }, ['spec.metrics[0].resource.target.averageValue: Invalid value: "0": must be positive']],
    [
      'an unknown target type',
      { metrics: [cpu({ type: 'Average', averageUtilization: 50 })] },
      ['spec.metrics[0].resource.target.type: Invalid value: "Average": must be either Utilization, Value, or AverageValue'],
    ],
    ['a resource without a name', { metrics: [{ type: 'Resource', resource: { target: { type: 'Utilization', averageUtilization: 50 } } }] }, ['spec.metrics[0].resource.name: Required value: must specify a resource name']],
    [
      'a container resource without a container',
      { metrics: [{ type: 'ContainerResource', containerResource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
      ['spec.metrics[0].containerResource.container: Required value: must specify a container'],
    ],
    [
      'a pods metric without a name or average value',
      { metrics: [{ type: 'Pods', pods: { metric: {}, target: { type: 'Value', value: '1' } } }] },
      ['spec.metrics[0].pods.metric.name: Required value: must specify a metric name', 'spec.metrics[0].pods.target.averageValue: Required value: must specify a positive target averageValue'],
    ],
    ['a stabilization window over an hour', { behavior: { scaleDown: { stabilizationWindowSeconds: 3601 } } }, ['spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 3601: must be less than or equal to 3600']],
    ['a negative stabilization window', { behavior: { scaleUp: { stabilizationWindowSeconds: -1 } } }, ['spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: -1: must be greater than or equal to zero']],
    ['an unknown select policy', { behavior: { scaleUp: { selectPolicy: 'Avg' } } }, ['spec.behavior.scaleUp.selectPolicy: Unsupported value: "Avg": supported values: "Disabled", "Max", "Min"']],
    [
      'bad policies',
      { behavior: { scaleDown: { policies: [{ type: 'Nodes', value: 0, periodSeconds: 1801 }] } } },
      [
        'spec.behavior.scaleDown.policies[0].type: Unsupported value: "Nodes": supported values: "Percent", "Pods"',
        'spec.behavior.scaleDown.policies[0].value: Invalid value: 0: must be greater than zero',
        'spec.behavior.scaleDown.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800',
      ],
    ],
  ];
  for (const [title, spec, want] of cases) {
    it(`refuses ${title}`, () => assert.deepEqual(lines(spec), want));
  }

  describe('the autoscaling/v2 strategy', () => {
    let dir: string;
    let storage: SqliteStorage;
    let hpas: Registry<HorizontalPodAutoscaler>;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'kite-hpa-'));
      storage = new SqliteStorage({ path: join(dir, 'kite.db') });
      const byKind = strategies({ defaulting: DEFAULT_DEFAULTING, allocators: new ServiceAllocators('10.96.0.0/16', '30000-32767') });
      hpas = new Registry(HorizontalPodAutoscalers, storage, byKind.get(HorizontalPodAutoscalers)!, { maxObjectBytes: 1024 * 1024, watchCacheSize: 100 });
    });
    afterEach(async () => {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('defaults and resets status on create, validates updates and status writes', async () => {
      const input = hpa({});
      input.status = { lastScaleTime: '2024-01-01T00:00:00Z', currentReplicas: 3, desiredReplicas: 3, currentMetrics: [], conditions: [] };
      const created = await hpas.create('default', input);
      assert.deepEqual([created.spec!.minReplicas, created.spec!.metrics.length, created.status!.currentReplicas, created.status!.lastScaleTime], [1, 1, 0, '']);
      await assert.rejects(hpas.update({ ...created, spec: { ...created.spec!, minReplicas: 9 } }), InvalidError);
      await assert.rejects(hpas.updateStatus({ ...created, status: { ...created.status!, desiredReplicas: -1 } }), InvalidError);
      const withStatus = await hpas.updateStatus({ ...created, status: { ...created.status!, currentReplicas: 2, desiredReplicas: 4 } });
      assert.deepEqual([withStatus.status!.currentReplicas, withStatus.status!.desiredReplicas], [2, 4]);
    });

    it("never stores autoscaling/v1's round-trip annotations, written through v2 on create or update", async () => {
      const roundTrip = { 'autoscaling.alpha.kubernetes.io/metrics': '[]', 'autoscaling.alpha.kubernetes.io/current-metrics': '[]', 'autoscaling.alpha.kubernetes.io/conditions': '[]', 'autoscaling.alpha.kubernetes.io/behavior': '{}' };
      const input = hpa({});
      input.metadata!.annotations = { team: 'a', ...roundTrip };
      const created = await hpas.create('default', input);
      assert.deepEqual(created.metadata!.annotations, { team: 'a' });
      const updated = await hpas.update({ ...created, metadata: { ...created.metadata!, annotations: { team: 'b', ...roundTrip } } });
      assert.deepEqual(updated.metadata!.annotations, { team: 'b' });
    });
  });
});
