// The ServiceAccount admission against Kubernetes' behaviour and messages
// (plugin/pkg/admission/serviceaccount/admission_test.go).
import { strict as assert } from 'node:assert';
import { ForbiddenError, NotFoundError, UnavailableError } from '../../../../lib/api/errors';
import { Pods, Secrets, type KindInfo } from '../../../../lib/api/kinds';
import { Pod, ServiceAccount, type PodSpec } from '../../../../lib/gen/kite/core/v1/types';
import { AdmissionChain, type AdmissionRequest } from '../../../../services/apiserver/admission/chain';
import { ServiceAccountAdmission, tokenVolumeSource, type ServiceAccountSource } from '../../../../services/apiserver/admission/service-account';
import { resourceAttributes } from '../../../../services/apiserver/auth/request-attributes';

const MOUNT = { name: 'kube-api-access-xyz12', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', subPath: '', subPathExpr: '' };
const MIRROR = { 'kubernetes.io/config.mirror': 'abc' };

type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
type SpecInput = DeepPartial<PodSpec>;

function pod(spec: SpecInput = {}, annotations: Record<string, string> = {}): Pod {
  return Pod.fromPartial({ metadata: { name: 'p', namespace: 'ns', annotations }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } });
}

function request(object: Pod | undefined, o: { kind?: KindInfo<any>; rpc?: string; subresource?: string } = {}): AdmissionRequest {
  const kind = o.kind ?? Pods;
  const rpc = o.rpc ?? 'CreatePod';
  const verb = kind.verbOf(rpc);
  return {
    kind,
    rpc,
    verb,
    request: {},
    object,
    user: { name: 'alice', uid: '', groups: ['system:authenticated'] },
    attributes: resourceAttributes({ verb: verb ?? 'create', resource: kind.resource, subresource: o.subresource ?? '', namespace: 'ns', name: 'p' }),
    dryRun: false,
    warn: () => {},
    auditAnnotations: {},
  };
}

/** ServiceAccounts in a "cache" and in "storage", counting direct reads. */
class Source implements ServiceAccountSource {
  readonly cache = new Map<string, ServiceAccount>();
  readonly stored = new Map<string, ServiceAccount>();
  reads = 0;
  failWith?: Error;
  cached(namespace: string, name: string) {
    return this.cache.get(`${namespace}/${name}`);
  }
  async get(namespace: string, name: string) {
    this.reads++;
    if (this.failWith) throw this.failWith;
    const sa = this.stored.get(`${namespace}/${name}`);
    if (!sa) throw new NotFoundError(`serviceaccounts "${name}" not found`);
    return sa;
  }
}

const sa = (name: string, o: Partial<ServiceAccount> = {}) => ServiceAccount.fromPartial({ metadata: { name, namespace: 'ns' }, ...o });

describe('ServiceAccount admission', () => {
  let src: Source;
  let chain: AdmissionChain;
  const admit = async (p: Pod, o: Parameters<typeof request>[1] = {}) => {
    await chain.run(request(p, o), async () => undefined);
    return p;
  };

  beforeEach(() => {
    src = new Source();
    src.cache.set('ns/default', sa('default'));
    chain = new AdmissionChain([new ServiceAccountAdmission(src, { retryIntervalMs: () => 0, generateSuffix: () => 'xyz12' })]);
  });

  it('defaults serviceAccountName to default (mirrored in serviceAccount) and mounts the projected token volume', async () => {
    const p = await admit(pod());
    assert.equal(p.spec!.serviceAccountName, 'default');
    assert.equal(p.spec!.serviceAccount, 'default');
    assert.deepEqual(p.spec!.volumes, [{ name: 'kube-api-access-xyz12', projected: tokenVolumeSource() }]);
    assert.deepEqual(p.spec!.containers[0].volumeMounts, [MOUNT]);
    assert.equal(src.reads, 0, 'found in the cache');
  });

  it('writes the volume exactly as Kubernetes does', () => {
    const json = Pod.toJSON(pod({ volumes: [{ name: 'v', projected: tokenVolumeSource() }] })) as { spec: { volumes: { projected: unknown }[] } };
    assert.deepEqual(json.spec.volumes[0].projected, {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
  });

  it('takes the deprecated serviceAccount when serviceAccountName is empty', async () => {
    src.cache.set('ns/robot', sa('robot'));
    const p = await admit(pod({ serviceAccount: 'robot' }));
    assert.equal(p.spec!.serviceAccountName, 'robot');
    assert.equal(p.spec!.serviceAccount, 'robot');
  });

  it('refuses a pod whose ServiceAccount does not exist, after reading storage, in Kubernetes\' words', async () => {
    await assert.rejects(admit(pod({ serviceAccountName: 'ghost' })), (err: Error) => {
      assert.ok(err instanceof ForbiddenError);
      assert.equal(err.message, 'pods "p" is forbidden: error looking up service account ns/ghost: serviceaccount "ghost" not found');
      return true;
    });
    assert.equal(src.reads, 1, 'one direct read for a named ServiceAccount');
    src.cache.clear();
    src.reads = 0;
    await assert.rejects(admit(pod()), /error looking up service account ns\/default: serviceaccount "default" not found/);
    assert.equal(src.reads, 10, 'the default ServiceAccount is read 10 times, as its controller may be about to make it');
  });

  it('finds a ServiceAccount the cache has not seen yet in storage', async () => {
    src.stored.set('ns/fresh', sa('fresh', { imagePullSecrets: [{ name: 'reg' }] }));
    const p = await admit(pod({ serviceAccountName: 'fresh' }));
    assert.deepEqual(p.spec!.imagePullSecrets, [{ name: 'reg' }]);
  });

  it('refuses when storage cannot answer, with its error', async () => {
    src.failWith = new UnavailableError('storage unavailable');
    await assert.rejects(admit(pod({ serviceAccountName: 'x' })), /^ForbiddenError: pods "p" is forbidden: error looking up service account ns\/x: storage unavailable$/);
  });

  it('mounts nothing when automount is off on the pod, or on the ServiceAccount and the pod leaves it unset', async () => {
    src.cache.set('ns/quiet', sa('quiet', { automountServiceAccountToken: false }));
    const off = await admit(pod({ automountServiceAccountToken: false }));
    assert.deepEqual(off.spec!.volumes, []);
    const bySa = await admit(pod({ serviceAccountName: 'quiet' }));
    assert.deepEqual(bySa.spec!.volumes, []);
    assert.deepEqual(bySa.spec!.containers[0].volumeMounts, []);
    const podWins = await admit(pod({ serviceAccountName: 'quiet', automountServiceAccountToken: true }));
    assert.equal(podWins.spec!.volumes.length, 1, 'the pod\'s true wins over the ServiceAccount\'s false');
  });

  it('mounts into init containers too, and keeps a container\'s own mount at the path', async () => {
    const own = { name: 'mine', readOnly: false, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', subPath: '', subPathExpr: '' };
    const p = await admit(
      pod({
        initContainers: [{ name: 'init', image: 'busybox' }],
        containers: [
          { name: 'a', image: 'nginx', volumeMounts: [own] },
          { name: 'b', image: 'nginx' },
        ],
        volumes: [{ name: 'mine', emptyDir: { medium: '', sizeLimit: '' } }],
      }),
    );
    assert.deepEqual(p.spec!.initContainers[0].volumeMounts, [MOUNT]);
    assert.deepEqual(p.spec!.containers[0].volumeMounts, [own]);
    assert.deepEqual(p.spec!.containers[1].volumeMounts, [MOUNT]);
    assert.deepEqual(p.spec!.volumes.map((v) => v.name), ['mine', 'kube-api-access-xyz12']);
  });

  it('adds no volume when every container mounts its own at the path', async () => {
    const own = { name: 'mine', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', subPath: '', subPathExpr: '' };
    const p = await admit(pod({ containers: [{ name: 'a', image: 'nginx', volumeMounts: [own] }], volumes: [{ name: 'mine', emptyDir: { medium: '', sizeLimit: '' } }] }));
    assert.deepEqual(p.spec!.volumes.map((v) => v.name), ['mine']);
  });

  it('reuses a kube-api-access- volume the pod already has', async () => {
    const p = await admit(pod({ volumes: [{ name: 'kube-api-access-abcde', projected: tokenVolumeSource() }] }));
    assert.deepEqual(p.spec!.volumes.map((v) => v.name), ['kube-api-access-abcde']);
    assert.equal(p.spec!.containers[0].volumeMounts[0].name, 'kube-api-access-abcde');
  });

  it('copies the ServiceAccount\'s imagePullSecrets only when the pod has none', async () => {
    src.cache.set('ns/puller', sa('puller', { imagePullSecrets: [{ name: 'reg-a' }, { name: 'reg-b' }] }));
    const copied = await admit(pod({ serviceAccountName: 'puller' }));
    assert.deepEqual(copied.spec!.imagePullSecrets, [{ name: 'reg-a' }, { name: 'reg-b' }]);
    const own = await admit(pod({ serviceAccountName: 'puller', imagePullSecrets: [{ name: 'mine' }] }));
    assert.deepEqual(own.spec!.imagePullSecrets, [{ name: 'mine' }]);
  });

  it('leaves a mirror pod as it is, without looking up a ServiceAccount', async () => {
    src.cache.clear();
    const p = await admit(pod({}, MIRROR));
    assert.equal(p.spec!.serviceAccountName, '');
    assert.deepEqual(p.spec!.volumes, []);
    assert.equal(src.reads, 0);
  });

  it('refuses a mirror pod that references a ServiceAccount, a Secret or a token projection, with Kubernetes\' messages', async () => {
    const cases: [SpecInput, string][] = [
      [{ serviceAccountName: 'default' }, 'a mirror pod may not reference service accounts'],
      [{ imagePullSecrets: [{ name: 'reg' }] }, 'a mirror pod may not reference secrets'],
      [{ volumes: [{ name: 's', secret: { secretName: 'x', items: [] } }] }, 'a mirror pod may not reference secrets'],
      [{ volumes: [{ name: 'p', projected: { sources: [{ secret: { name: 'x', items: [] } }] } }] }, 'a mirror pod may not reference secrets'],
      [{ containers: [{ name: 'c', image: 'i', env: [{ name: 'E', value: '', valueFrom: { secretKeyRef: { name: 'x', key: 'k' } } }] }] }, 'a mirror pod may not reference secrets'],
      [{ initContainers: [{ name: 'i', image: 'i', envFrom: [{ prefix: '', secretRef: { name: 'x' } }] }] }, 'a mirror pod may not reference secrets'],
      [{ volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: { audience: '', path: 'token' } }] } }] }, 'a mirror pod may not use ServiceAccountToken volume projections'],
    ];
    for (const [spec, message] of cases) {
      await assert.rejects(admit(pod(spec, MIRROR)), (err: Error) => err instanceof ForbiddenError && err.message === `pods "p" is forbidden: ${message}`, message);
    }
    const withConfigMap = await admit(pod({ volumes: [{ name: 'c', configMap: { name: 'cm', items: [] } }] }, MIRROR));
    assert.deepEqual(withConfigMap.spec!.volumes.map((v) => v.name), ['c'], 'ConfigMaps are the kubelet\'s and NodeRestriction\'s concern, not this plugin\'s');
  });

  it('does nothing on updates, subresources and other kinds', async () => {
    src.cache.clear();
    const updated = pod({ serviceAccountName: 'ghost' });
    await admit(updated, { rpc: 'UpdatePod' });
    await admit(pod(), { rpc: 'UpdatePodStatus', subresource: 'status' });
    await chain.run(request(undefined, { kind: Secrets, rpc: 'CreateSecret' }), async () => undefined);
    assert.equal(updated.spec!.serviceAccountName, 'ghost');
    assert.equal(src.reads, 0);
  });
});
