// Kubernetes' JSON through a real apiserver: manifests with quantities written as numbers (as
// kubectl accepts them) applied by kitectl, stored and returned in canonical form by gRPC and
// `kitectl get -o json`, a second apply a no-op; and strategic merge patches through gRPC Patch.
import { strict as assert } from 'node:assert';
import type { Clientset } from '../../../lib/client/clientset';
import { decodeKube, encodeKube } from '../../../lib/api/kube-json';
import { Pods } from '../../../lib/api/kinds';
import { Deployment } from '../../../lib/gen/kite/apps/v1/types';
import { Pod } from '../../../lib/gen/kite/core/v1/types';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { uniqueName } from '../../support/names';
import { kitectl } from './run-kitectl';

describe('Kubernetes JSON through kitectl and the apiserver', function () {
  this.timeout(30_000);
  let api: TestApiserver;
  let cs: Clientset;
  const ok = async (args: string[], stdin?: string) => {
    const r = await kitectl(['--server', api.address, ...args], { stdin });
    assert.equal(r.code, 0, `kitectl ${args.join(' ')} failed: ${r.err}`);
    return r.out;
  };

  before(async () => {
    api = await startTestApiserver();
    cs = api.client();
  });
  after(async () => {
    await api?.stop();
  });

  it('applies quantities written as numbers, stores them canonically, and a second apply changes nothing', async () => {
    const name = uniqueName('qty');
    // Its own namespace: the quota must not constrain the other tests' pods.
    await ok(['create', 'namespace', name]);
    const manifest = `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${name}
spec:
  containers:
  - name: c
    image: nginx
    resources:
      requests:
        cpu: 0.5
        memory: 1000000
      limits:
        cpu: 2
        memory: 1000Mi
        example.com/dongle: 3
    volumeMounts:
    - name: scratch
      mountPath: /scratch
  volumes:
  - name: scratch
    emptyDir:
      sizeLimit: 1024Mi
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: ${name}
  namespace: ${name}
spec:
  hard:
    pods: 10
    requests.cpu: 4
`;
    assert.equal(await ok(['apply', '-f', '-'], manifest), `pod/${name} created\nresourcequota/${name} created\n`);
    const pod = await cs.pods.get(name, name);
    assert.deepEqual(pod.spec!.containers[0].resources, {
      requests: { cpu: '500m', memory: '1M', 'example.com/dongle': '3' },
      limits: { cpu: '2', memory: '1000Mi', 'example.com/dongle': '3' },
    });
    assert.equal(pod.spec!.volumes[0].emptyDir!.sizeLimit, '1Gi');
    assert.deepEqual((await cs.resourceQuotas.get(name, name)).spec!.hard, { pods: '10', 'requests.cpu': '4' });

    const text = await ok(['get', 'pod', name, '-n', name, '-o', 'json']);
    const json = JSON.parse(text);
    // kubectl get prints what it read as unstructured JSON: every map's keys sorted, as Go writes them.
    const keysSorted = (v: unknown): boolean =>
      Array.isArray(v) ? v.every(keysSorted) : v === null || typeof v !== 'object' ? true : Object.keys(v).join() === Object.keys(v).sort().join() && Object.values(v).every(keysSorted);
    assert.ok(keysSorted(json), text);
    assert.deepEqual(Object.keys(json.spec.containers[0]).slice(0, 3), ['image', 'imagePullPolicy', 'name']);
    assert.deepEqual(json.spec.containers[0].resources.requests, { cpu: '500m', 'example.com/dongle': '3', memory: '1M' });
    assert.deepEqual(json.status.conditions ?? [], []);
    assert.equal(json.metadata.creationTimestamp, pod.metadata!.creationTimestamp);

    assert.equal(await ok(['apply', '-f', '-'], manifest), `pod/${name} unchanged\nresourcequota/${name} unchanged\n`);
  });

  it('applies a strategic merge patch through gRPC Patch: containers by name, $patch: delete, tolerations replaced, numbers as quantities', async () => {
    const name = uniqueName('smp');
    await cs.deployments.create(
      Deployment.fromPartial({
        metadata: { name },
        spec: {
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: {
              containers: [
                { name: 'web', image: 'nginx', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
                { name: 'old', image: 'busybox' },
              ],
              tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'a', effect: 'NoSchedule' }],
            },
          },
        },
      }),
      { namespace: 'default' },
    );
    const patched = await cs.deployments.patch(
      name,
      {
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'web', image: 'nginx:1.27', env: [{ name: 'A', $patch: 'delete' }], resources: { limits: { cpu: 0.5 } } },
                { name: 'sidecar', image: 'redis' },
                { name: 'old', $patch: 'delete' },
              ],
              tolerations: [{ key: 'other', operator: 'Exists' }],
            },
          },
        },
      },
      { namespace: 'default', type: 'strategic' },
    );
    const spec = patched.spec!.template!.spec!;
    assert.deepEqual(spec.containers.map((c) => [c.name, c.image]), [['web', 'nginx:1.27'], ['sidecar', 'redis']]);
    assert.deepEqual(spec.containers[0].env.map((e) => e.name), ['B']);
    assert.deepEqual(spec.containers[0].resources!.limits, { cpu: '500m' });
    assert.deepEqual(spec.tolerations.map((t) => t.key), ['other']);
    assert.equal(spec.containers[1].imagePullPolicy, 'Always', 'the merged container is defaulted like any other');
  });

  it('stores an absent and an empty non-pointer struct alike, so a pod read as JSON and written back is no spec change', async () => {
    const [a, b] = [uniqueName('empty-struct'), uniqueName('no-struct')];
    const spec = (resources: object | undefined) => ({ containers: [{ name: 'c', image: 'nginx', ...(resources ? { resources } : {}) }] });
    await cs.pods.create(Pod.fromPartial({ metadata: { name: a }, spec: spec({}) }), { namespace: 'default' });
    await cs.pods.create(Pod.fromPartial({ metadata: { name: b }, spec: spec(undefined) }), { namespace: 'default' });
    const [pa, pb] = [await cs.pods.get(a, 'default'), await cs.pods.get(b, 'default')];
    assert.deepEqual(pa.spec!.containers[0].resources, pb.spec!.containers[0].resources);
    assert.deepEqual(pa.status!.conditions, pb.status!.conditions);
    // kubectl replace and edit: GET as Kubernetes JSON (resources: {}), PUT it back, either way.
    for (const p of [pa, pb]) {
      const json = encodeKube(Pods, p);
      assert.deepEqual((json.spec as { containers: { resources: unknown }[] }).containers[0].resources, {});
      await cs.pods.update(decodeKube(Pods, json).object);
      await cs.pods.update(Pod.fromJSON(json));
    }
  });

  it('refuses a strategic merge patch whose list element lacks its merge key, and a patched object with a wrong type, as BadRequest', async () => {
    const name = uniqueName('smp-bad');
    await cs.pods.create(Pod.fromPartial({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }), { namespace: 'default' });
    await assert.rejects(
      cs.pods.patch(name, { spec: { containers: [{ image: 'x' }] } }, { namespace: 'default', type: 'strategic' }),
      (err: { reason?: string; message: string }) => err.reason === 'BadRequest' && /does not contain declared merge key: name/.test(err.message),
    );
    // A wrongly typed value in the patched object is refused as kube-apiserver's decoder refuses it, not coerced.
    await assert.rejects(
      cs.pods.patch(name, { spec: { containers: [{ name: 'c', image: 5 }] } }, { namespace: 'default', type: 'strategic' }),
      (err: { reason?: string; message: string }) =>
        err.reason === 'BadRequest' && err.message === 'Pod in version "v1" cannot be handled as a Pod: invalid type for field "spec.containers[0].image": expected string, got integer',
    );
    assert.equal((await cs.pods.get(name, 'default')).spec!.containers[0].image, 'nginx');
  });
});
