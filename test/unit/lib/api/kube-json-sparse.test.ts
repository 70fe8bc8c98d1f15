// What kube-apiserver's clients do all day: GET an object, change a field, PUT it back. The JSON
// the codec writes for a sparse object (always-written structs such as a container's
// `resources: {}` filled in) must decode to the very object it was written from, or an unchanged
// pod looks like a forbidden spec change and an unchanged deployment template like a new rollout.
import { strict as assert } from 'node:assert';
import { decodeKube, encodeKube } from '../../../../lib/api/kube-json';
import { Deployments, Pods, type KindInfo, type KubeObject } from '../../../../lib/api/kinds';

function roundTrip<T extends KubeObject>(kind: KindInfo<T>, partial: unknown): void {
  const object = kind.type.fromPartial(partial);
  const back = decodeKube(kind, JSON.parse(JSON.stringify(encodeKube(kind, object))), 'Strict').object;
  assert.deepEqual(Buffer.from(kind.type.encode(back).finish()), Buffer.from(kind.type.encode(object).finish()));
}

describe('Kubernetes JSON codec: sparse objects come back as they were', () => {
  it('a pod whose containers have no resources, with a container status without a state', () => {
    roundTrip(Pods, {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: 'p', namespace: 'default', uid: 'u', resourceVersion: '5' },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
      status: { phase: 'Pending', containerStatuses: [{ name: 'c', image: 'nginx' }] },
    });
  });

  it('a deployment whose template has a container without resources', () => {
    roundTrip(Deployments, {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'd', namespace: 'default' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'd' } },
        template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
        strategy: { type: 'RollingUpdate' },
      },
      status: {},
    });
  });

  it('keeps a struct that holds something, and the object\'s own spec and status', () => {
    const object = Pods.type.fromPartial({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx', resources: { limits: { cpu: '1' } } }] }, status: {} });
    const back = decodeKube(Pods, JSON.parse(JSON.stringify(encodeKube(Pods, object)))).object;
    assert.deepEqual(back.spec!.containers[0].resources!.limits, { cpu: '1' });
    assert.ok(back.status);
  });
});
