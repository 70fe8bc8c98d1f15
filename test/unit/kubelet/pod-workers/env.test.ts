import assert from 'node:assert/strict';
import { Container, Pod } from '../../../../lib/gen/kite/core/v1/types';
import { containerEnv, expandVars } from '../../../../services/kubelet/pod-workers/env';
import { RuntimeError } from '../../../../services/kubelet/runtime/errors';

const ctx = { podIP: '10.244.0.7', hostIP: '192.168.1.2', nodeAllocatable: { cpu: '4', memory: '8Gi' } };

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
  it('resolves the downward API fields', () => {
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
    assert.deepEqual(Object.fromEntries(containerEnv(pod, c, ctx).map((e) => [e.name, e.value])), {
      NAME: 'web', NS: 'shop', UID: 'u-1', APP: 'web', OWNER: 'team-a', NODE: 'node-1', SA: 'sa', IP: '10.244.0.7', HOST: '192.168.1.2',
    });
  });

  it('resolves resource fields with divisors, the node allocatable standing in for a missing limit', () => {
    const res = (name: string, resource: string, divisor = '') => ({ name, valueFrom: { resourceFieldRef: { containerName: '', resource, divisor } } });
    const [pod, c] = podWith({
      name: 'c',
      resources: { limits: { memory: '256Mi' }, requests: { cpu: '250m' } },
      env: [res('MEM', 'limits.memory', '1Mi'), res('CPU_REQ', 'requests.cpu', '1m'), res('CPU_LIM', 'limits.cpu')],
    });
    assert.deepEqual(containerEnv(pod, c, ctx), [
      { name: 'MEM', value: '256' },
      { name: 'CPU_REQ', value: '250' },
      { name: 'CPU_LIM', value: '4' },
    ]);
  });

  it('expands $(VAR) references to earlier variables; $$ escapes', () => {
    const vars = new Map([['A', 'x']]);
    assert.equal(expandVars('$(A)-$(B)-$$(A)', vars), 'x-$(B)-$(A)');
    const [pod, c] = podWith({ name: 'c', env: [{ name: 'A', value: 'one' }, { name: 'B', value: '$(A) two' }] });
    assert.deepEqual(containerEnv(pod, c, ctx)[1], { name: 'B', value: 'one two' });
  });

  it('fails with CreateContainerConfigError for a ConfigMap key (no ConfigMaps here) unless optional', () => {
    const [pod, c] = podWith({ name: 'c', env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }] });
    assert.throws(() => containerEnv(pod, c, ctx), (e: RuntimeError) => e.reason === 'CreateContainerConfigError' && /configmap "cfg" not found/.test(e.message));
    const [pod2, c2] = podWith({ name: 'c', env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k', optional: true } } }] });
    assert.deepEqual(containerEnv(pod2, c2, ctx), []);
  });
});
