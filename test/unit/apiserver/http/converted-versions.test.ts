// The front door's versions served by conversion: an autoscaling/v1 HorizontalPodAutoscaler body
// (JSON, or Kubernetes' protobuf as kubectl autoscale sends it) decoded as the stored v2 object,
// and v2 objects and lists answered as v1; patches of the v1 form (merge, strategic merge, JSON
// patch, server-side apply) turned into patches of the v2 object that keep what v1 cannot express.
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

  it("reads a v1 body's round-trip annotations, JSON or protobuf, into the v2 fields and drops them", () => {
    const annotated = { ...v1, metadata: { ...v1.metadata, annotations: { team: 'a', 'autoscaling.alpha.kubernetes.io/metrics': '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}}]' } } };
    for (const body of [annotated, parseProtobufBody(encodeProtobuf(annotated), codec.expected)]) {
      const json = HorizontalPodAutoscaler.toJSON(codec.decode(body, 'Strict').object) as any;
      assert.deepEqual(json.metadata.annotations, { team: 'a' });
      assert.deepEqual(json.spec.metrics.map((m: any) => m.resource.name), ['memory', 'cpu']);
    }
  });

  // A stored v2 object with what v1 cannot express: a memory metric, behavior, conditions.
  const stored = () =>
    HorizontalPodAutoscaler.fromJSON({
      kind: 'HorizontalPodAutoscaler',
      apiVersion: 'autoscaling/v2',
      metadata: { name: 'web', namespace: 'default', resourceVersion: '5', labels: { app: 'web' } },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
      },
      status: { currentReplicas: 2, desiredReplicas: 2, conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' }] },
    });
  const convert = async (patchType: string, patch: unknown, validation: 'Strict' | 'Warn' | 'Ignore' = 'Strict') => {
    const r = await codec.convertPatch!(patchType, typeof patch === 'string' ? patch : JSON.stringify(patch), validation, async () => stored());
    return { ...r, patch: r.patchType === 'application/merge-patch+json' ? JSON.parse(r.patch) : r.patch };
  };

  it('applies a merge, strategic merge or JSON patch to the v1 form, as a merge patch of v2 keeping the other metrics and behavior', async () => {
    const expected = {
      spec: {
        maxReplicas: 7,
        metrics: [
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 75 } } },
        ],
      },
    };
    const merge = await convert('application/merge-patch+json', { spec: { targetCPUUtilizationPercentage: 75, maxReplicas: 7 } });
    assert.deepEqual([merge.patchType, merge.patch], ['application/merge-patch+json', expected]);
    assert.deepEqual((await convert('application/strategic-merge-patch+json', { spec: { targetCPUUtilizationPercentage: 75, maxReplicas: 7 } })).patch, expected);
    const ops = [
      { op: 'replace', path: '/spec/targetCPUUtilizationPercentage', value: 75 },
      { op: 'replace', path: '/spec/maxReplicas', value: 7 },
    ];
    assert.deepEqual((await convert('application/json-patch+json', ops)).patch, expected);
  });

  it('leaves the v2 metrics alone when the v1 target does not change, and drops only the cpu target when v1 removes it', async () => {
    assert.deepEqual((await convert('application/merge-patch+json', { metadata: { labels: { tier: 'web' } } })).patch, { metadata: { labels: { tier: 'web' } } });
    const removed = await convert('application/merge-patch+json', { spec: { targetCPUUtilizationPercentage: null } });
    assert.deepEqual(removed.patch, { spec: { metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }] } });
  });

  it('decodes an update of the v1 form over the current v2 object, keeping the other metrics, behavior and conditions', async () => {
    const body = { ...codec.encode(stored()), spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5, targetCPUUtilizationPercentage: 30 } };
    const { object } = await codec.decodeOver!(body, 'Strict', async () => stored());
    const json = HorizontalPodAutoscaler.toJSON(object) as any;
    assert.deepEqual(json.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization ?? m.resource.target.averageValue]), [['memory', '100Mi'], ['cpu', 30]]);
    assert.equal(json.spec.behavior.scaleDown.stabilizationWindowSeconds, 60);
    assert.equal(json.status.conditions[0].type, 'AbleToScale');
  });

  it("refuses a patch's unknown v1 fields as strict field validation does, or warns", async () => {
    await assert.rejects(convert('application/merge-patch+json', { spec: { bogus: 1 } }), /strict decoding error: unknown field "spec.bogus"/);
    assert.deepEqual((await convert('application/merge-patch+json', { spec: { bogus: 1 } }, 'Warn')).warnings, ['unknown field "spec.bogus"']);
  });

  it("converts a server-side apply's v1 configuration to v2, refusing another version", async () => {
    const applied = await convert('application/apply-patch+yaml', 'apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec: {maxReplicas: 5, targetCPUUtilizationPercentage: 50}\n');
    assert.equal(applied.patchType, 'application/apply-patch+yaml');
    assert.deepEqual(JSON.parse(applied.patch).spec, { maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] });
    assert.equal(JSON.parse(applied.patch).apiVersion, 'autoscaling/v2');
    await assert.rejects(convert('application/apply-patch+yaml', 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n'), /does not match the expected API version \(autoscaling\/v1\)/);
  });

  it('answers objects and lists as v1 (list items without kind and apiVersion)', () => {
    const { object } = codec.decode(v1, 'Strict');
    const one = codec.encode(object);
    assert.deepEqual([one.apiVersion, one.spec], ['autoscaling/v1', v1.spec]);
    const list = codec.encodeList({ metadata: { resourceVersion: '7', continue: '' }, items: [object], kind: 'HorizontalPodAutoscalerList', apiVersion: 'autoscaling/v2' });
    assert.deepEqual([list.kind, list.apiVersion, list.items[0].apiVersion, list.items[0].spec], ['HorizontalPodAutoscalerList', 'autoscaling/v1', undefined, v1.spec]);
  });
});
