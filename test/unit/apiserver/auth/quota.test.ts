import { strict as assert } from 'node:assert';
import * as K from '../../../../lib/api/kinds';
import { Pod, ResourceQuota } from '../../../../lib/gen/kite/core/v1/types';
import { formatAmount, missingPodResources, podCounts, usageOf } from '../../../../services/apiserver/auth/quota/quota-usage';
import { validateResourceQuota } from '../../../../services/apiserver/auth/quota/quota-validation';

const pod = (containers: { requests?: Record<string, string>; limits?: Record<string, string> }[], init: typeof containers = [], status = 'Pending') =>
  Pod.fromPartial({
    metadata: { name: 'p', namespace: 'ns' },
    spec: {
      containers: containers.map((r, i) => ({ name: `c${i}`, image: 'x', resources: r })),
      initContainers: init.map((r, i) => ({ name: `i${i}`, image: 'x', resources: r })),
    },
    status: { phase: status },
  });

describe('resource quota', () => {
  it('sums container requests and limits; init containers count by their largest; requests default to limits', () => {
    const u = usageOf(K.Pods, pod([{ requests: { cpu: '250m', memory: '64Mi' } }, { limits: { cpu: '1', memory: '128Mi' } }], [{ requests: { cpu: '2' } }]));
    assert.equal(u.get('pods'), 1000n);
    assert.equal(u.get('count/pods'), 1000n);
    assert.equal(u.get('requests.cpu'), 2000n, 'the init container (2) outweighs the sum (1.25)');
    assert.equal(u.get('cpu'), 2000n);
    assert.equal(u.get('requests.memory'), 192n * 1024n * 1024n * 1000n);
    assert.equal(u.get('limits.cpu'), 1000n);
  });

  it('finished pods and pods past their deletion deadline do not count', () => {
    assert.equal(usageOf(K.Pods, pod([{}], [], 'Succeeded')).size, 0);
    const deleting = pod([{}]);
    deleting.metadata!.deletionTimestamp = new Date(Date.now() - 1000).toISOString();
    assert.equal(podCounts(deleting), false);
    deleting.metadata!.deletionTimestamp = new Date(Date.now() + 60_000).toISOString();
    assert.equal(podCounts(deleting), true);
  });

  it('counts any kind as count/<resource>[.<group>]', () => {
    assert.deepEqual([...usageOf(K.Deployments, { kind: 'Deployment', apiVersion: 'apps/v1' }).keys()], ['count/deployments.apps']);
    assert.deepEqual([...usageOf(K.Services, { kind: 'Service', apiVersion: 'v1' }).keys()].sort(), ['count/services', 'services']);
  });

  it('names the compute resources a pod leaves unspecified under a quota', () => {
    assert.deepEqual(missingPodResources(pod([{ requests: { cpu: '1' } }]), ['pods', 'requests.cpu', 'requests.memory', 'limits.cpu']), ['requests.memory', 'limits.cpu']);
    assert.deepEqual(missingPodResources(pod([{ limits: { memory: '1Gi' } }]), ['memory']), [], 'a limit implies the request');
  });

  it('prints amounts as Kubernetes does', () => {
    assert.equal(formatAmount('pods', 3000n), '3');
    assert.equal(formatAmount('requests.cpu', 1500n), '1500m');
    assert.equal(formatAmount('requests.memory', 1024n * 1024n * 1000n), '1Mi');
    assert.equal(formatAmount('requests.memory', 10n ** 30n), String(10n ** 27n));
  });

  it('validates hard limits', () => {
    const q = (hard: Record<string, string>) => ResourceQuota.fromPartial({ metadata: { name: 'q', namespace: 'ns' }, spec: { hard } });
    assert.deepEqual(validateResourceQuota(q({ pods: '10', 'requests.cpu': '4', 'count/deployments.apps': '2' })), []);
    const causes = validateResourceQuota(q({ pods: '-1', widgets: '3', memory: 'lots' }));
    assert.deepEqual(causes.map((c) => c.field), ['spec.hard[pods]', 'spec.hard[widgets]', 'spec.hard[memory]']);
  });
});
