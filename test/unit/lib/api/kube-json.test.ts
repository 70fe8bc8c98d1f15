// The Kubernetes JSON codec: quantities written as numbers in every kind that has them, canonical
// quantities on write, int-or-string, the fields Kubernetes always writes (as kubectl v1.32 and
// Kubernetes' Go struct tags show them), metav1.Time formats, strict decoding, and a round trip of
// every kind's fully populated object.
import { strict as assert } from 'node:assert';
import { populated } from '../../../support/populated';
import { ApiError } from '../../../../lib/api/errors';
import { canonicalizeQuantities, decodeKube, encodeKube, encodeKubeList, formatTime, normalizeForStorage } from '../../../../lib/api/kube-json';
import { ALL_KINDS, Deployments, Leases, LimitRanges, Nodes, Pods, ReplicaSets, ResourceQuotas, Secrets, Services, type KindInfo, type KubeObject } from '../../../../lib/api/kinds';
import { fieldsOf, messageTypeOf } from '../../../../lib/api/proto-schema';

type Obj = Record<string, any>;
const enc = <T extends KubeObject>(k: KindInfo<T>, o: T) => encodeKube(k, o) as Obj;
const encList = (...a: Parameters<typeof encodeKubeList<KubeObject>>) => encodeKubeList(...a) as Obj;

const pod = (spec: Obj = {}, status?: Obj): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p' },
  spec: { containers: [{ name: 'c', image: 'nginx', ...spec }] },
  ...(status ? { status } : {}),
});

function reason(fn: () => unknown): { reason: string; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return { reason: err.reason, message: err.message };
  }
  return assert.fail('expected an error');
}

describe('Kubernetes JSON codec: decoding', () => {
  it('reads quantities written as numbers in every kind that has quantities', () => {
    const p = decodeKube(Pods, {
      ...pod({ resources: { requests: { cpu: 0.5, memory: 1000000 }, limits: { cpu: 2, 'example.com/dongle': 3 } } }),
      spec: {
        containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: 0.5, memory: 1000000 }, limits: { cpu: 2, 'example.com/dongle': 3 } } }],
        volumes: [{ name: 'scratch', emptyDir: { sizeLimit: 1024 } }],
      },
    }).object;
    assert.deepEqual(p.spec!.containers[0].resources!.requests, { cpu: '0.5', memory: '1000000' });
    assert.deepEqual(p.spec!.containers[0].resources!.limits, { cpu: '2', 'example.com/dongle': '3' });
    assert.equal(p.spec!.volumes[0].emptyDir!.sizeLimit, '1024');
    const q = decodeKube(ResourceQuotas, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: 10, 'requests.cpu': 4 } } }).object;
    assert.deepEqual(q.spec!.hard, { pods: '10', 'requests.cpu': '4' });
    const lr = decodeKube(LimitRanges, { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', max: { cpu: 1 }, defaultRequest: { cpu: 0.25 }, maxLimitRequestRatio: { cpu: 2 } }] } }).object;
    assert.deepEqual([lr.spec!.limits[0].max, lr.spec!.limits[0].defaultRequest, lr.spec!.limits[0].maxLimitRequestRatio], [{ cpu: '1' }, { cpu: '0.25' }, { cpu: '2' }]);
    const n = decodeKube(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { capacity: { cpu: 4, pods: 110 }, allocatable: { cpu: 3.5 } } }).object;
    assert.deepEqual([n.status!.capacity, n.status!.allocatable], [{ cpu: '4', pods: '110' }, { cpu: '3.5' }]);
  });

  it('still refuses numbers where a string that is not a quantity goes, and booleans as quantities', () => {
    assert.match(reason(() => decodeKube(Pods, pod({ image: 5 }))).message, /^Pod in version "v1" cannot be handled as a Pod: invalid type for field "spec.containers\[0\].image": expected string, got integer$/);
    assert.match(reason(() => decodeKube(Pods, pod({ resources: { limits: { cpu: true } } }))).message, /expected string, got boolean/);
  });

  it('unknown fields: refused (Strict), warned about (Warn), dropped (Ignore); wrong types refused always', () => {
    const doc = pod({ imagePullPolcy: 'Always' });
    const strict = reason(() => decodeKube(Pods, doc));
    assert.equal(strict.reason, 'BadRequest');
    assert.equal(strict.message, 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagePullPolcy"');
    assert.deepEqual(decodeKube(Pods, doc, 'Warn').warnings, ['unknown field "spec.containers[0].imagePullPolcy"']);
    assert.deepEqual(decodeKube(Pods, doc, 'Ignore').warnings, []);
    assert.throws(() => decodeKube(Pods, pod({ ports: [{ containerPort: '80' }] }), 'Ignore'), /expected int32, got string/);
    assert.match(reason(() => decodeKube(Deployments, pod())).message, /^Deployment in version "v1" cannot be handled as a Deployment: the object's kind is "Pod"$/);
  });

  it('int-or-string fields keep what was written, number or string', () => {
    const svc = decodeKube(Services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081 }] } }).object;
    assert.deepEqual(enc(Services, svc).spec.ports.map((p: Obj) => p.targetPort), ['http', 8081]);
    const d = decodeKube(Deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { selector: { matchLabels: { a: 'b' } }, strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } }, template: { spec: pod({ livenessProbe: { httpGet: { port: 'web', path: '/' } }, readinessProbe: { tcpSocket: { port: 8080 } } }).spec } },
    }).object;
    const json = enc(Deployments, d);
    assert.deepEqual(json.spec.strategy.rollingUpdate, { maxUnavailable: '25%', maxSurge: 1 });
    assert.equal(json.spec.template.spec.containers[0].livenessProbe.httpGet.port, 'web');
    assert.equal(json.spec.template.spec.containers[0].readinessProbe.tcpSocket.port, 8080);
  });
});

describe('Kubernetes JSON codec: encoding', () => {
  it('writes kind and apiVersion first, and what kubectl writes for a client-side Deployment', () => {
    const d = decodeKube(Deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x', labels: { app: 'x' } },
      spec: { replicas: 1, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } }, strategy: {} },
      status: {},
    }).object;
    // `kubectl create deployment x --image=nginx --dry-run=client -o json` (v1.32).
    assert.deepEqual(enc(Deployments, d), {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'x', creationTimestamp: null, labels: { app: 'x' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'x' } },
        template: { metadata: { creationTimestamp: null, labels: { app: 'x' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] } },
        strategy: {},
      },
      status: {},
    });
    assert.deepEqual(Object.keys(enc(Deployments, d)), ['kind', 'apiVersion', 'metadata', 'spec', 'status']);
  });

  it('writes the zero values Kubernetes always writes in a pod status', () => {
    const p = decodeKube(
      Pods,
      pod({}, {
        phase: 'Succeeded',
        conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: '2024-05-06T07:08:09Z' }],
        containerStatuses: [{ name: 'c', image: 'nginx', imageID: 'docker://sha', state: { terminated: { reason: 'Completed', startedAt: '2024-05-06T07:08:00Z', finishedAt: '2024-05-06T07:08:09Z' } } }],
      }),
    ).object;
    const status = enc(Pods, p).status;
    assert.deepEqual(status.conditions[0], { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: '2024-05-06T07:08:09Z' });
    const cs = status.containerStatuses[0];
    assert.equal(cs.state.terminated.exitCode, 0);
    assert.equal(cs.restartCount, 0);
    assert.equal(cs.ready, false);
    assert.deepEqual(cs.lastState, {});
    assert.deepEqual([cs.name, cs.image, cs.imageID], ['c', 'nginx', 'docker://sha']);
    assert.equal('started' in cs, false, 'started is a *bool with omitempty');
  });

  it('ObjectMeta writes nothing but creationTimestamp; omitempty DeploymentStatus fields stay out; ReplicaSetStatus.replicas and Service ports do not', () => {
    const meta = enc(Pods, decodeKube(Pods, pod()).object).metadata;
    assert.deepEqual(meta, { name: 'p', creationTimestamp: null });
    const d = enc(Deployments, Deployments.type.fromPartial({ metadata: { name: 'd' }, status: { replicas: 0, observedGeneration: 0 } }));
    assert.deepEqual(d.status, {});
    const rs = enc(ReplicaSets, ReplicaSets.type.fromPartial({ metadata: { name: 'r' }, status: { replicas: 0 } }));
    assert.deepEqual(rs.status, { replicas: 0 });
    const svc = enc(Services, Services.type.fromPartial({ metadata: { name: 's' }, spec: { ports: [{ port: 0, targetPort: 80 }] } }));
    assert.deepEqual(svc.spec.ports[0], { port: 0, targetPort: 80 });
    assert.deepEqual(svc.status, { loadBalancer: {} });
  });

  it('metav1.Time in whole seconds, MicroTime with microseconds, both in UTC', () => {
    assert.equal(formatTime('2024-01-02T03:04:05.678Z', false), '2024-01-02T03:04:05Z');
    assert.equal(formatTime('2024-01-02T03:04:05+02:00', false), '2024-01-02T01:04:05Z');
    assert.equal(formatTime('2024-01-02T03:04:05.5Z', true), '2024-01-02T03:04:05.500000Z');
    assert.equal(formatTime('2024-01-02T03:04:05.123456789Z', true), '2024-01-02T03:04:05.123456Z');
    const lease = enc(Leases, Leases.type.fromPartial({ metadata: { name: 'l', creationTimestamp: '2024-01-02T03:04:05.999Z' }, spec: { renewTime: '2024-01-02T03:04:05.123Z' } }));
    assert.equal(lease.metadata.creationTimestamp, '2024-01-02T03:04:05Z');
    assert.equal(lease.spec.renewTime, '2024-01-02T03:04:05.123000Z');
  });

  it('bytes as base64 and lists as typed lists with items lacking kind and apiVersion', () => {
    const s = decodeKube(Secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: Buffer.from('hello').toString('base64') } }).object;
    assert.equal(Buffer.from(s.data.k).toString(), 'hello');
    assert.equal(enc(Secrets, s).data.k, 'aGVsbG8=');
    assert.equal(
      reason(() => decodeKube(Secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: 'hello' } })).message,
      'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4',
    );
    const list = encList(Pods, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '5', continue: '' }, items: [decodeKube(Pods, pod()).object] });
    assert.deepEqual(Object.keys(list), ['kind', 'apiVersion', 'metadata', 'items']);
    assert.equal('kind' in list.items[0], false);
    assert.deepEqual(encList(Pods, { kind: 'PodList', apiVersion: 'v1', metadata: undefined, items: [] }).items, []);
  });
});

describe('Kubernetes JSON codec: objects as the registry stores them', () => {
  it('fills every non-pointer struct below the top level, as Go has no absent one; pointers stay unset', () => {
    const p = Pods.type.fromPartial({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] }, status: { containerStatuses: [{ name: 'c' }] } });
    normalizeForStorage(Pods, p);
    assert.deepEqual(p.spec!.containers[0].resources, { limits: {}, requests: {} });
    assert.deepEqual(p.status!.containerStatuses[0].lastState, { waiting: undefined, running: undefined, terminated: undefined });
    assert.equal(p.spec!.containers[0].securityContext, undefined, 'a *SecurityContext is a pointer');
    const d = Deployments.type.fromPartial({ metadata: { name: 'd' }, spec: {} });
    normalizeForStorage(Deployments, d);
    assert.equal(d.spec!.selector, undefined, 'a *LabelSelector without omitempty is a pointer too');
    assert.deepEqual(d.spec!.template!.metadata!.labels, {});
    assert.equal(enc(Deployments, Deployments.type.fromPartial({ metadata: { name: 'd' }, spec: {} })).spec.selector, null);
    const n = Nodes.type.fromPartial({ metadata: { name: 'n' }, status: {} });
    normalizeForStorage(Nodes, n);
    assert.deepEqual(n.status!.daemonEndpoints, { kubeletEndpoint: { Port: 0 } });
  });
});

describe('Kubernetes JSON codec: canonical quantities on write', () => {
  it('rewrites every valid quantity as resource.Quantity prints it, and leaves invalid ones for validation', () => {
    const p = decodeKube(Pods, {
      ...pod(),
      spec: {
        containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: 0.5, memory: '1000Mi' }, limits: { cpu: '2000m', memory: 1e3, 'example.com/x': '1e3', y: '0.1m', z: 'lots' } } }],
        volumes: [{ name: 'v', emptyDir: { sizeLimit: '1024Mi' } }],
      },
    }).object;
    canonicalizeQuantities(Pods, p);
    assert.deepEqual(p.spec!.containers[0].resources, { requests: { cpu: '500m', memory: '1000Mi' }, limits: { cpu: '2', memory: '1k', 'example.com/x': '1e3', y: '100u', z: 'lots' } });
    assert.equal(p.spec!.volumes[0].emptyDir!.sizeLimit, '1Gi');
  });
});

describe('Kubernetes JSON codec: round trip of every kind', () => {
  const kinds = ALL_KINDS as readonly KindInfo<KubeObject>[];
  for (const kind of kinds) {
    it(`${kind.kind}: decode(encode(object)) is the object, and everything written comes back`, () => {
      const json = { ...populated(messageTypeOf(kind), 0), kind: kind.kind, apiVersion: kind.apiVersion };
      const object = decodeKube(kind, json).object;
      const encoded = enc(kind, object);
      assert.deepEqual(decodeKube(kind, encoded).object, object);
      assert.deepEqual(JSON.parse(JSON.stringify(encoded)), json);
      assert.ok(fieldsOf(messageTypeOf(kind)).size > 0);
    });
  }
});
