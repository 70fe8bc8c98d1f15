// autoscaling/v1 HorizontalPodAutoscalers converted as Kubernetes' conversion does: the cpu
// utilization target and current value to and from a v2 Resource cpu metric, the rest through the
// autoscaling.alpha.kubernetes.io/* annotations both ways, and a v1 manifest
// decoded as the v2 object Kite stores.
import { strict as assert } from 'node:assert';
import { horizontalPodAutoscalerV1OntoV2, horizontalPodAutoscalerV1ToV2, horizontalPodAutoscalerV2ToV1 } from '../../../../lib/api/autoscaling-v1';
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
    // Kubernetes keeps the whole status metric (its raw value too) in current-metrics, a zero Quantity as "0".
    const annotations = { 'autoscaling.alpha.kubernetes.io/current-metrics': '[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":75,"currentAverageValue":"0"}}]' };
    assert.deepEqual(horizontalPodAutoscalerV2ToV1(v2), { ...v1, metadata: { name: 'web', annotations } });
  });

  it('leaves the metrics to the v2 default without a target, and shows only the cpu utilization in v1 fields', () => {
    const { targetCPUUtilizationPercentage: _t, ...spec } = v1.spec;
    assert.deepEqual(horizontalPodAutoscalerV1ToV2({ ...v1, spec, status: undefined }).spec, spec);
    const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Gi' } } };
    const back = horizontalPodAutoscalerV2ToV1({ ...v2, spec: { ...v2.spec, metrics: [memory, ...v2.spec.metrics], behavior: {} }, status: { ...v2.status, conditions: [] } });
    assert.deepEqual([back.spec, back.status], [v1.spec, v1.status]);
  });

  // A v2 object with everything v1 cannot express, and the annotations Kubernetes' v1 view gives it.
  const full = {
    ...v2,
    metadata: { name: 'web', annotations: { team: 'a' } },
    spec: {
      ...v2.spec,
      metrics: [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
        { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 50 } } },
        { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
        { type: 'Object', object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: 'front' }, metric: { name: 'rps', selector: { matchLabels: { a: 'b' } } }, target: { type: 'Value', value: '10' } } },
        { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } },
        ...v2.spec.metrics,
      ],
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
        scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
      },
    },
    status: {
      currentReplicas: 2,
      desiredReplicas: 3,
      currentMetrics: [
        { type: 'Resource', resource: { name: 'memory', current: { averageValue: '80Mi' } } },
        { type: 'Resource', resource: { name: 'cpu', current: { averageValue: '150m', averageUtilization: 75 } } },
        { type: 'External', external: { metric: { name: 'queue' }, current: { value: '0', averageValue: '20' } } },
      ],
      conditions: [
        { type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-12-05T10:00:00Z', reason: 'ReadyForNewScale', message: 'recommended size matches current size' },
        { type: 'ScalingLimited', status: 'False', lastTransitionTime: '2026-12-05T10:00:00Z', reason: 'DesiredWithinRange' },
      ],
    },
  };
  const annotations = {
    team: 'a',
    'autoscaling.alpha.kubernetes.io/metrics':
      '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}},' +
      '{"type":"ContainerResource","containerResource":{"name":"cpu","targetAverageUtilization":50,"container":"app"}},' +
      '{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"1k"}},' +
      '{"type":"Object","object":{"target":{"kind":"Service","name":"front","apiVersion":"v1"},"metricName":"rps","targetValue":"10","selector":{"matchLabels":{"a":"b"}}}},' +
      '{"type":"External","external":{"metricName":"queue","targetAverageValue":"30"}}]',
    'autoscaling.alpha.kubernetes.io/current-metrics':
      '[{"type":"Resource","resource":{"name":"memory","currentAverageValue":"80Mi"}},' +
      '{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":75,"currentAverageValue":"150m"}},' +
      '{"type":"External","external":{"metricName":"queue","currentValue":"0","currentAverageValue":"20"}}]',
    'autoscaling.alpha.kubernetes.io/behavior':
      '{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15},{"Type":"Percent","Value":100,"PeriodSeconds":15}]},' +
      '"ScaleDown":{"StabilizationWindowSeconds":null,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":100,"PeriodSeconds":15}]}}',
    'autoscaling.alpha.kubernetes.io/conditions':
      '[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-12-05T10:00:00Z","reason":"ReadyForNewScale","message":"recommended size matches current size"},' +
      '{"type":"ScalingLimited","status":"False","lastTransitionTime":"2026-12-05T10:00:00Z","reason":"DesiredWithinRange"}]',
  };

  it("writes what v1 cannot express in Kubernetes' round-trip annotations, as Go's encoding/json writes them", () => {
    const out = horizontalPodAutoscalerV2ToV1(full);
    assert.deepEqual(out.metadata, { name: 'web', annotations });
    assert.deepEqual([out.spec, out.status], [v1.spec, v1.status]);
    const escaped = horizontalPodAutoscalerV2ToV1({ ...v2, status: { ...v2.status, conditions: [{ type: 'ScalingActive', status: 'False', message: 'a < b & c' }] } });
    assert.equal(escaped.metadata.annotations['autoscaling.alpha.kubernetes.io/conditions'], '[{"type":"ScalingActive","status":"False","lastTransitionTime":null,"message":"a \\u003c b \\u0026 c"}]');
  });

  it('reads the annotations back into the v2 fields and drops them, so a v2 -> v1 -> v2 round trip keeps every field', () => {
    const back = horizontalPodAutoscalerV1ToV2(horizontalPodAutoscalerV2ToV1(full));
    // Kubernetes puts the other metrics first and the cpu target last: here it was last already.
    assert.deepEqual(back, full);
    const first = { ...full, spec: { ...full.spec, metrics: [...v2.spec.metrics, ...full.spec.metrics.slice(0, -1)] } };
    assert.deepEqual(horizontalPodAutoscalerV1OntoV2(horizontalPodAutoscalerV2ToV1(first), first), first);
  });

  it('takes a changed annotation, drops the fields whose annotation is removed, and ignores a malformed behavior as Kubernetes does', () => {
    const changed = horizontalPodAutoscalerV2ToV1(full);
    changed.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'] = '[{"type":"Resource","resource":{"name":"memory","targetAverageUtilization":70}}]';
    changed.metadata.annotations['autoscaling.alpha.kubernetes.io/behavior'] = '{"scaleDown":{"stabilizationWindowSeconds":60}}';
    delete changed.metadata.annotations['autoscaling.alpha.kubernetes.io/conditions'];
    const out = horizontalPodAutoscalerV1ToV2(changed);
    assert.deepEqual(out.metadata, { name: 'web', annotations: { team: 'a' } });
    assert.deepEqual(out.spec.metrics, [{ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 70 } } }, ...v2.spec.metrics]);
    assert.deepEqual(out.spec.behavior, { scaleDown: { stabilizationWindowSeconds: 60 } });
    assert.equal(out.status.conditions, undefined);
    changed.metadata.annotations['autoscaling.alpha.kubernetes.io/behavior'] = '{"ScaleUp":"fast"}';
    assert.equal(horizontalPodAutoscalerV1ToV2(changed).spec.behavior, undefined);
    changed.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'] = '{not json';
    assert.throws(() => horizontalPodAutoscalerV1ToV2(changed), /error decoding annotation autoscaling.alpha.kubernetes.io\/metrics/);
  });

  it('decodes a v1 manifest as the v2 object', () => {
    const [m] = decodeManifests(JSON.stringify(v1), 'hpa.json');
    assert.equal(m.kind.kind, 'HorizontalPodAutoscaler');
    assert.deepEqual(m.kind.type.toJSON(m.object), v2);
    assert.equal(m.raw.apiVersion, 'autoscaling/v2');
    assert.throws(() => decodeManifests(JSON.stringify({ ...v1, spec: { ...v1.spec, targetMemory: 1 } }), 'bad.json'), /strict decoding error: unknown field "spec.targetMemory"/);
  });
});
