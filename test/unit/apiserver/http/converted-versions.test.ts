// The front door's versions served by conversion: an autoscaling/v1 HorizontalPodAutoscaler body
// (JSON, or Kubernetes' protobuf as kubectl autoscale sends it) decoded as the stored v2 object,
// and v2 objects and lists answered as v1.
import { strict as assert } from 'node:assert';
import { encodeProtobuf } from '../../../../lib/api/k8s-protobuf';
import { HorizontalPodAutoscalers } from '../../../../lib/api/kinds';
import { HorizontalPodAutoscaler } from '../../../../lib/gen/kite/autoscaling/v2/types';
import { convertedVersionOf, versionCodec } from '../../../../services/apiserver/http/converted-versions';
import { parseProtobufBody } from '../../../../services/apiserver/http/request-body';

const v1 = {
  kind: 'HorizontalPodAutoscaler',
  apiVersion: 'autoscaling/v1',
  metadata: { name: 'web', namespace: 'default' },
  spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 60 },
};

describe('versions served by conversion (autoscaling/v1 HorizontalPodAutoscalers)', () => {
  const converted = convertedVersionOf('autoscaling/v1', 'horizontalpodautoscalers');
  const codec = versionCodec(HorizontalPodAutoscalers, converted);

  it('maps only autoscaling/v1 horizontalpodautoscalers', () => {
    assert.equal(converted?.kind, HorizontalPodAutoscalers);
    assert.equal(convertedVersionOf('autoscaling/v2', 'horizontalpodautoscalers'), undefined);
    assert.equal(convertedVersionOf('autoscaling/v1', 'deployments'), undefined);
  });

  it('decodes a v1 body, JSON or protobuf, as the v2 object', () => {
    const fromProtobuf = parseProtobufBody(encodeProtobuf(v1), codec.expected);
    for (const body of [v1, fromProtobuf]) {
      const { object } = codec.decode(body, 'Strict');
      assert.deepEqual(object.spec!.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }].map((m) => HorizontalPodAutoscaler.fromJSON({ spec: { metrics: [m] } }).spec!.metrics[0]));
      assert.equal(object.apiVersion, 'autoscaling/v2');
    }
  });

  it('answers objects and lists as v1 (list items without kind and apiVersion)', () => {
    const { object } = codec.decode(v1, 'Strict');
    const one = codec.encode(object);
    assert.deepEqual([one.apiVersion, one.spec], ['autoscaling/v1', v1.spec]);
    const list = codec.encodeList({ metadata: { resourceVersion: '7', continue: '' }, items: [object], kind: 'HorizontalPodAutoscalerList', apiVersion: 'autoscaling/v2' });
    assert.deepEqual([list.kind, list.apiVersion, list.items[0].apiVersion, list.items[0].spec], ['HorizontalPodAutoscalerList', 'autoscaling/v1', undefined, v1.spec]);
  });
});
