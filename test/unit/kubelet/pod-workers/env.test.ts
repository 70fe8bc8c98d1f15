// A container's environment as Kubernetes' makeEnvironmentVariables builds it, with a fake
// PodObjectSource: downward API fields, $(VAR) expansion, ConfigMap and Secret keyRefs, envFrom
// (prefix, optional, invalid names skipped with an event), precedence, Kubernetes' error
// messages, and the service variables.
import assert from 'node:assert/strict';
import { ConfigMap, Container, Pod, Secret } from '../../../../lib/gen/kite/core/v1/types';
import type { PodObjectSource } from '../../../../services/kubelet/config-sources/types';
import { containerEnv, expandVars, type EnvContext } from '../../../../services/kubelet/pod-workers/env';
import { RuntimeError } from '../../../../services/kubelet/runtime/errors';

/** ConfigMaps and Secrets of namespace "shop", by name. */
const configMaps = new Map<string, ConfigMap>();
const secrets = new Map<string, Secret>();
const reads: string[] = [];
const objects: PodObjectSource = {
  getConfigMap: async (ns, name) => (reads.push(`cm ${ns}/${name}`), ns === 'shop' ? configMaps.get(name) : undefined),
  getSecret: async (ns, name) => (reads.push(`secret ${ns}/${name}`), ns === 'shop' ? secrets.get(name) : undefined),
};
let warnings: string[] = [];
const ctx: EnvContext = {
  podIP: '10.244.0.7',
  hostIP: '192.168.1.2',
  nodeAllocatable: { cpu: '4', memory: '8Gi' },
  objects,
  serviceEnv: new Map(),
  warn: (reason, message) => warnings.push(`${reason}: ${message}`),
};

const asRecord = (env: { name: string; value: string }[]) => Object.fromEntries(env.map((e) => [e.name, e.value]));
const isConfigError = (message: string) => (e: unknown) => e instanceof RuntimeError && e.reason === 'CreateContainerConfigError' && e.message === message;

type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

function podWith(c: DeepPartial<Container>): [Pod, Container] {
  const container = Container.fromPartial(c);
  const pod = Pod.fromPartial({
    metadata: { name: 'web', namespace: 'shop', uid: 'u-1', labels: { app: 'web' }, annotations: { owner: 'team-a' } },
    spec: { nodeName: 'node-1', serviceAccountName: 'sa', containers: [container] },
  });
  return [pod, container];
}

describe('kubelet containerEnv', () => {
  it('resolves the downward API fields', async () => {
    const field = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
    const [pod, c] = podWith({
      name: 'c',
      env: [
        field('NAME', 'metadata.name'),
        field('NS', 'metadata.namespace'),
        field('UID', 'metadata.uid'),
        field('APP', "metadata.labels['app']"),
        field('OWNER', "metadata.annotations['owner']"),
        field('NODE', 'spec.nodeName'),
        field('SA', 'spec.serviceAccountName'),
        field('IP', 'status.podIP'),
        field('HOST', 'status.hostIP'),
      ],
    });
    assert.deepEqual(asRecord(await containerEnv(pod, c, ctx)), {
      NAME: 'web', NS: 'shop', UID: 'u-1', APP: 'web', OWNER: 'team-a', NODE: 'node-1', SA: 'sa', IP: '10.244.0.7', HOST: '192.168.1.2',
    });
  });

  it('resolves resource fields with divisors, the node allocatable standing in for a missing limit', async () => {
    const res = (name: string, resource: string, divisor = '') => ({ name, valueFrom: { resourceFieldRef: { containerName: '', resource, divisor } } });
    const [pod, c] = podWith({
      name: 'c',
      resources: { limits: { memory: '256Mi' }, requests: { cpu: '250m' } },
      env: [res('MEM', 'limits.memory', '1Mi'), res('CPU_REQ', 'requests.cpu', '1m'), res('CPU_LIM', 'limits.cpu')],
    });
    assert.deepEqual(await containerEnv(pod, c, ctx), [
      { name: 'MEM', value: '256' },
      { name: 'CPU_REQ', value: '250' },
      { name: 'CPU_LIM', value: '4' },
    ]);
  });

  it('expands $(VAR) references to earlier variables; $$ escapes', async () => {
    const vars = new Map([['A', 'x']]);
    assert.equal(expandVars('$(A)-$(B)-$$(A)', (n) => vars.get(n)), 'x-$(B)-$(A)');
    const [pod, c] = podWith({ name: 'c', env: [{ name: 'A', value: 'one' }, { name: 'B', value: '$(A) two' }] });
    assert.deepEqual((await containerEnv(pod, c, ctx))[1], { name: 'B', value: 'one two' });
  });

  beforeEach(() => {
    configMaps.clear();
    secrets.clear();
    reads.length = 0;
    warnings = [];
    configMaps.set('cfg', ConfigMap.fromPartial({ metadata: { name: 'cfg', namespace: 'shop' }, data: { mode: 'fast', 'log.level': 'debug', '1bad': 'x', 'has space': 'y' } }));
    secrets.set('db', Secret.fromPartial({ metadata: { name: 'db', namespace: 'shop' }, data: { password: Buffer.from('s3cret'), user: Buffer.from('admin') } }));
  });

  it('reads configMapKeyRef and secretKeyRef values, each object once per container', async () => {
    const [pod, c] = podWith({
      name: 'c',
      env: [
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        { name: 'USER', valueFrom: { secretKeyRef: { name: 'db', key: 'user' } } },
        { name: 'DSN', value: '$(USER):$(PASSWORD)@db?mode=$(MODE)' },
      ],
    });
    assert.deepEqual(asRecord(await containerEnv(pod, c, ctx)), { MODE: 'fast', PASSWORD: 's3cret', USER: 'admin', DSN: 'admin:s3cret@db?mode=fast' });
    assert.deepEqual(reads, ['cm shop/cfg', 'secret shop/db']);
  });

  it("fails a missing required object or key with Kubernetes' CreateContainerConfigError messages", async () => {
    const cases: [Parameters<typeof podWith>[0]['env'], string][] = [
      [[{ name: 'K', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }], 'configmap "nope" not found'],
      [[{ name: 'K', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }], "couldn't find key k in ConfigMap shop/cfg"],
      [[{ name: 'K', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }], 'secret "nope" not found'],
      [[{ name: 'K', valueFrom: { secretKeyRef: { name: 'db', key: 'k' } } }], "couldn't find key k in Secret shop/db"],
    ];
    for (const [env, message] of cases) {
      const [pod, c] = podWith({ name: 'c', env });
      await assert.rejects(containerEnv(pod, c, ctx), isConfigError(message), message);
    }
    const [pod, c] = podWith({ name: 'c', envFrom: [{ configMapRef: { name: 'nope' } }] });
    await assert.rejects(containerEnv(pod, c, ctx), isConfigError('configmap "nope" not found'));
    const [pod2, c2] = podWith({ name: 'c', envFrom: [{ secretRef: { name: 'nope' } }] });
    await assert.rejects(containerEnv(pod2, c2, ctx), isConfigError('secret "nope" not found'));
  });

  it('turns a failed read (watch not synced, not registered) into a CreateContainerConfigError', async () => {
    const failing: EnvContext = { ...ctx, objects: { getConfigMap: async () => Promise.reject(new Error('failed to sync configmap cache: timed out waiting for the condition')), getSecret: async () => undefined } };
    const [pod, c] = podWith({ name: 'c', env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode', optional: true } } }] });
    await assert.rejects(containerEnv(pod, c, failing), isConfigError('failed to sync configmap cache: timed out waiting for the condition'));
  });

  it('leaves out the variables of an optional missing object or key', async () => {
    const [pod, c] = podWith({
      name: 'c',
      envFrom: [{ configMapRef: { name: 'nope', optional: true } }, { secretRef: { name: 'nope', optional: true } }],
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } },
        { name: 'B', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k', optional: true } } },
        { name: 'C', valueFrom: { secretKeyRef: { name: 'nope', key: 'k', optional: true } } },
        { name: 'D', valueFrom: { secretKeyRef: { name: 'db', key: 'k', optional: true } } },
        { name: 'E', value: 'kept' },
      ],
    });
    assert.deepEqual(await containerEnv(pod, c, ctx), [{ name: 'E', value: 'kept' }]);
  });

  it('envFrom: every key with its prefix; keys that are not variable names skipped with a Warning event', async () => {
    const [pod, c] = podWith({ name: 'c', envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'DB_', secretRef: { name: 'db' } }] });
    assert.deepEqual(asRecord(await containerEnv(pod, c, ctx)), { mode: 'fast', 'log.level': 'debug', DB_password: 's3cret', DB_user: 'admin' });
    assert.deepEqual(warnings, [
      'InvalidEnvironmentVariableNames: Keys [1bad, has space] from the EnvFrom configMap shop/cfg were skipped since they are considered invalid environment variable names.',
    ]);
    warnings = [];
    const [pod2, c2] = podWith({ name: 'c', envFrom: [{ prefix: 'P_', configMapRef: { name: 'cfg' } }] });
    assert.deepEqual(Object.keys(asRecord(await containerEnv(pod2, c2, ctx))), ['P_mode', 'P_log.level', 'P_1bad']);
    assert.deepEqual(warnings, ['InvalidEnvironmentVariableNames: Keys [P_has space] from the EnvFrom configMap shop/cfg were skipped since they are considered invalid environment variable names.']);
  });

  it('precedence: later envFrom sources override earlier ones, env overrides envFrom, and both override the service variables', async () => {
    secrets.set('override', Secret.fromPartial({ metadata: { name: 'override', namespace: 'shop' }, data: { mode: Buffer.from('from-secret') } }));
    const services: EnvContext = { ...ctx, serviceEnv: new Map([['KUBERNETES_SERVICE_HOST', '10.96.0.1'], ['MODE', 'from-service'], ['WEB_PORT', 'tcp://10.96.0.9:80']]) };
    const [pod, c] = podWith({
      name: 'c',
      envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 'override' } }],
      env: [
        { name: 'MODE', value: 'from-env' },
        { name: 'FROM_MAP', value: '$(mode)' },
        { name: 'API', value: 'https://$(KUBERNETES_SERVICE_HOST)' },
      ],
    });
    const env = await containerEnv(pod, c, services);
    assert.deepEqual(asRecord(env), {
      mode: 'from-secret',
      'log.level': 'debug',
      MODE: 'from-env',
      FROM_MAP: 'from-secret',
      API: 'https://10.96.0.1',
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      WEB_PORT: 'tcp://10.96.0.9:80',
    });
    assert.equal(env.filter((e) => e.name === 'MODE').length, 1, 'the service variable is not repeated');
  });
});
