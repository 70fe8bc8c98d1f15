// LimitRange and the LimitRanger admission through gRPC, against a TLS apiserver with RBAC: a
// namespace's LimitRange defaults a pod's requests and limits (and says so in an annotation),
// refuses pods outside its bounds in Kubernetes' words, runs before ResourceQuota (which then
// counts the defaulted requests), and is itself validated as Kubernetes validates it.
import { strict as assert } from 'node:assert';
import { status } from '@grpc/grpc-js';
import type { ApiError } from '../../../lib/api/errors';
import * as K from '../../../lib/api/kinds';
import type { Clientset } from '../../../lib/client/clientset';
import { LimitRange, Namespace, Pod, ResourceQuota } from '../../../lib/gen/kite/core/v1/types';
import { waitFor } from '../../support/wait';
import { namespaceWith, startSecureApiserver, type SecureApiserver } from './secure-apiserver';

const pod = (name: string, namespace: string, resources: { requests?: Record<string, string>; limits?: Record<string, string> } = {}) =>
  Pod.fromPartial({ metadata: { name, namespace }, spec: { containers: [{ name: 'nginx', image: 'nginx', resources }] } });

const refusal = (p: Promise<unknown>) => p.then(() => assert.fail('admitted'), (e: ApiError) => e);

describe('security: limit ranges', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  let admin: Clientset;
  let ns = 0;
  before(async () => {
    s = await startSecureApiserver({ config: { quotaSyncIntervalMs: 200 } });
    admin = await s.admin();
  });
  after(() => s?.stop());

  const namespaceWithLimits = (limits: object[]) => {
    const name = `limits-${++ns}`;
    return namespaceWith(admin, K.LimitRanges, name, LimitRange.fromPartial({ metadata: { name: 'limits', namespace: name }, spec: { limits } }));
  };

  it('defaults a pod\'s requests and limits, and refuses one above the maximum', async () => {
    const namespace = await namespaceWithLimits([
      { type: 'Container', max: { cpu: '1', memory: '512Mi' }, default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' } },
    ]);
    const stored = await admin.resource(K.LimitRanges).get('limits', namespace);
    assert.deepEqual(stored.spec?.limits[0].defaultRequest, { cpu: '100m', memory: '128Mi' });

    const created = await admin.pods.create(pod('plain', namespace));
    assert.deepEqual(created.spec?.containers[0].resources, { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    assert.equal(created.metadata?.annotations['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx');

    const err = await refusal(admin.pods.create(pod('big', namespace, { limits: { memory: '2Gi' } })));
    assert.equal(err.code, status.PERMISSION_DENIED);
    assert.equal(err.message, 'pods "big" is forbidden: maximum memory usage per Container is 512Mi, but limit is 2Gi');
    await assert.rejects(admin.pods.get('big', namespace), /not found/);
  });

  it('checks min, the ratio and the pod as a whole with Kubernetes\' messages', async () => {
    const namespace = await namespaceWithLimits([
      { type: 'Container', min: { cpu: '100m' }, maxLimitRequestRatio: { cpu: '2' } },
      { type: 'Pod', max: { memory: '1Gi' } },
    ]);
    const small = await refusal(admin.pods.create(pod('small', namespace, { requests: { cpu: '50m' }, limits: { cpu: '100m', memory: '64Mi' } })));
    assert.equal(small.message, 'pods "small" is forbidden: minimum cpu usage per Container is 100m, but request is 50m');
    const ratio = await refusal(admin.pods.create(pod('ratio', namespace, { requests: { cpu: '250m' }, limits: { cpu: '1', memory: '64Mi' } })));
    assert.equal(ratio.message, 'pods "ratio" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000');
    const two = Pod.fromPartial({
      metadata: { name: 'two', namespace },
      spec: { containers: ['a', 'b'].map((name) => ({ name, image: 'nginx', resources: { requests: { cpu: '200m' }, limits: { cpu: '400m', memory: '768Mi' } } })) },
    });
    assert.equal((await refusal(admin.pods.create(two))).message, 'pods "two" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1536Mi');
    await admin.pods.create(pod('fits', namespace, { requests: { cpu: '200m' }, limits: { cpu: '400m', memory: '64Mi' } }));
  });

  it('runs before ResourceQuota, so quota counts the defaulted requests', async () => {
    const namespace = await namespaceWithLimits([{ type: 'Container', defaultRequest: { cpu: '100m', memory: '64Mi' }, default: { cpu: '200m', memory: '128Mi' } }]);
    await admin.resource(K.ResourceQuotas).create(ResourceQuota.fromPartial({ metadata: { name: 'q', namespace }, spec: { hard: { 'requests.cpu': '150m', 'requests.memory': '1Gi' } } }));
    await waitFor('the quota in the watch cache', async () => (await admin.resource(K.ResourceQuotas).list({ namespace, resourceVersion: '0' })).items.length === 1, 5000);
    await admin.pods.create(pod('first', namespace));
    const err = await refusal(admin.pods.create(pod('second', namespace)));
    assert.equal(err.message, 'pods "second" is forbidden: exceeded quota: q, requested: requests.cpu=100m, used: requests.cpu=100m, limited: requests.cpu=150m');
    await waitFor('status.used requests.cpu', async () => (await admin.resource(K.ResourceQuotas).get('q', namespace)).status?.used['requests.cpu'] === '100m', 5000);
  });

  it('refuses LimitRanges Kubernetes refuses', async () => {
    const name = 'limits-invalid';
    await admin.namespaces.create(Namespace.fromPartial({ metadata: { name } }));
    const create = (limits: object[]) => refusal(admin.resource(K.LimitRanges).create(LimitRange.fromPartial({ metadata: { name: 'bad', namespace: name }, spec: { limits } })));
    const minMax = await create([{ type: 'Container', min: { memory: '1Gi' }, max: { memory: '512Mi' } }]);
    assert.equal(minMax.code, status.INVALID_ARGUMENT);
    assert.match(minMax.message, /spec\.limits\[0\]\.min\[memory\]: Invalid value: "1Gi": min value 1Gi is greater than max value 512Mi/);
    const podDefault = await create([{ type: 'Pod', default: { cpu: '1' } }]);
    assert.match(podDefault.message, /spec\.limits\[0\]\.default: Forbidden: may not be specified when `type` is 'Pod'/);
  });
});
