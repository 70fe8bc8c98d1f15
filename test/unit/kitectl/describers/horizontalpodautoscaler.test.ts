// `describe horizontalpodautoscaler` as kubectl's describeHorizontalPodAutoscalerV2 prints it: the
// expected text is kubectl 1.32's own output for the same object (the comparison with the live
// kubectl is in test/integration/kubectl/hpa-kubectl.test.ts).
import { strict as assert } from 'node:assert';
import { HorizontalPodAutoscaler } from '../../../../lib/gen/kite/autoscaling/v2/types';
import { describeHorizontalPodAutoscaler } from '../../../../services/kitectl/describers/horizontalpodautoscaler';

const at = '2024-01-01T00:00:00Z';

describe('describe horizontalpodautoscaler', () => {
  it('prints the metrics against their targets, the behavior, the pod counts and the conditions', () => {
    const hpa = HorizontalPodAutoscaler.fromJSON({
      metadata: { name: 'web2', namespace: 'ns1', creationTimestamp: at },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
        ],
        behavior: {
          scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
          scaleDown: { stabilizationWindowSeconds: 30, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
        },
      },
      status: {
        lastScaleTime: at,
        currentReplicas: 2,
        desiredReplicas: 3,
        currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '70m', averageUtilization: 70 } } }, {}],
        conditions: [
          { type: 'AbleToScale', status: 'True', lastTransitionTime: at, reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 3' },
          { type: 'ScalingActive', status: 'True', lastTransitionTime: at, reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' },
          { type: 'ScalingLimited', status: 'False', lastTransitionTime: at, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' },
        ],
      },
    });
    assert.equal(describeHorizontalPodAutoscaler(hpa, []), [
      'Name:                                                  web2',
      'Namespace:                                             ns1',
      'Labels:                                                <none>',
      'Annotations:                                           <none>',
      'CreationTimestamp:                                     Mon, 01 Jan 2024 00:00:00 +0000',
      'Reference:                                             Deployment/web',
      'Metrics:                                               ( current / target )',
      '  resource cpu on pods  (as a percentage of request):  70% (70m) / 60%',
      '  resource memory on pods:                             <unknown> / 100Mi',
      'Min replicas:                                          1',
      'Max replicas:                                          5',
      'Behavior:',
      '  Scale Up:',
      '    Stabilization Window: 0 seconds',
      '    Select Policy: Max',
      '    Policies:',
      '      - Type: Pods     Value: 4    Period: 15 seconds',
      '      - Type: Percent  Value: 100  Period: 15 seconds',
      '  Scale Down:',
      '    Stabilization Window: 30 seconds',
      '    Select Policy: Max',
      '    Policies:',
      '      - Type: Percent  Value: 100  Period: 15 seconds',
      'Deployment pods:       2 current / 3 desired',
      'Conditions:',
      '  Type            Status  Reason              Message',
      '  ----            ------  ------              -------',
      '  AbleToScale     True    SucceededRescale    the HPA controller was able to update the target scale to 3',
      '  ScalingActive   True    ValidMetricFound    the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
      '  ScalingLimited  False   DesiredWithinRange  the desired count is within the acceptable range',
      'Events:           <none>',
      '',
    ].join('\n'));
  });

  it('leaves out the behavior and conditions an HPA does not have', () => {
    const hpa = HorizontalPodAutoscaler.fromJSON({
      metadata: { name: 'plain', namespace: 'ns1', creationTimestamp: at },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' }, maxReplicas: 2, metrics: [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } }] },
      status: { currentReplicas: 0, desiredReplicas: 0, currentMetrics: [], conditions: [] },
    });
    const out = describeHorizontalPodAutoscaler(hpa, undefined);
    assert.match(out, /\n  "qps" on pods: +<unknown> \/ 10\nMin replicas: +<unset>\nMax replicas: +2\nStatefulSet pods: +0 current \/ 0 desired\n$/);
  });
});
