// autoscaling/v1 HorizontalPodAutoscalers converted as Kubernetes' conversion does: the cpu
// utilization target and current value to and from a v2 Resource cpu metric, and a v1 manifest
// decoded as the v2 object Kite stores.
import { strict as assert } from 'node:assert';
import { horizontalPodAutoscalerV1ToV2, horizontalPodAutoscalerV2ToV1 } from '../../../../lib/api/autoscaling-v1';
import { decodeManifests } from '../../../../lib/api/manifest';

const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const v1 = {
  apiVersion: 'autoscaling/v1',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web' },
  spec: { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 60 },
  status: { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 75 },
};
const v2 = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web' },
  spec: { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }] },
  status: { currentReplicas: 2, desiredReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 75 } } }] },
};

describe('autoscaling/v1 HorizontalPodAutoscaler conversion', () => {
  it('turns targetCPUUtilizationPercentage and currentCPUUtilizationPercentage into cpu metrics and back', () => {
    assert.deepEqual(horizontalPodAutoscalerV1ToV2(v1), v2);
    assert.deepEqual(horizontalPodAutoscalerV2ToV1(v2), v1);
  });

  it('leaves the metrics to the v2 default without a target, and shows only the cpu utilization in v1', () => {
    const { targetCPUUtilizationPercentage: _t, ...spec } = v1.spec;
    assert.deepEqual(horizontalPodAutoscalerV1ToV2({ ...v1, spec, status: undefined }).spec, spec);
    const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Gi' } } };
    const back = horizontalPodAutoscalerV2ToV1({ ...v2, spec: { ...v2.spec, metrics: [memory, ...v2.spec.metrics], behavior: {} }, status: { ...v2.status, conditions: [] } });
    assert.deepEqual([back.spec, back.status], [v1.spec, v1.status]);
  });

  it('decodes a v1 manifest as the v2 object', () => {
    const [m] = decodeManifests(JSON.stringify(v1), 'hpa.json');
    assert.equal(m.kind.kind, 'HorizontalPodAutoscaler');
    assert.deepEqual(m.kind.type.toJSON(m.object), v2);
    assert.equal(m.raw.apiVersion, 'autoscaling/v2');
    assert.throws(() => decodeManifests(JSON.stringify({ ...v1, spec: { ...v1.spec, targetMemory: 1 } }), 'bad.json'), /strict decoding error: unknown field "spec.targetMemory"/);
  });
});
