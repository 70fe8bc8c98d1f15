import { strict as assert } from 'node:assert';
import * as K from '../../../../../lib/api/kinds';
import type { KindInfo } from '../../../../../lib/api/kinds';
import { Pod, ResourceQuota, Service } from '../../../../../lib/gen/kite/core/v1/types';
import { quotaMatches } from '../../../../../services/apiserver/admission/resource-quota/quota-scopes';
import { formatAmount, kindCounts, missingPodResources, podCounts, usageOf } from '../../../../../services/apiserver/admission/resource-quota/quota-usage';
import { validateResourceQuota, validateResourceQuotaUpdate } from '../../../../../services/apiserver/registry/validation/quota-validation';

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

  it('adds sidecars (init containers with restartPolicy Always) to the containers, and to the init containers after them', () => {
    const p = pod([{ requests: { cpu: '500m' } }], [{ requests: { cpu: '200m' } }, { requests: { cpu: '1' } }]);
    p.spec!.initContainers[0].restartPolicy = 'Always';
    assert.equal(usageOf(K.Pods, p).get('requests.cpu'), 1200n, 'the init container (1) beside the sidecar (0.2) outweighs 0.7');
    p.spec!.initContainers[1].resources!.requests = { cpu: '100m' };
    assert.equal(usageOf(K.Pods, p).get('requests.cpu'), 700n, 'the container (0.5) beside the sidecar (0.2)');
  });

  it('finished pods and pods past their deletion deadline do not count', () => {
    assert.deepEqual([...usageOf(K.Pods, pod([{}], [], 'Succeeded')).keys()], ['count/pods'], 'count/pods tracks every stored pod');
    const deleting = pod([{}]);
    deleting.metadata!.deletionTimestamp = new Date(Date.now() - 1000).toISOString();
    assert.equal(podCounts(deleting), false);
    deleting.metadata!.deletionTimestamp = new Date(Date.now() + 60_000).toISOString();
    assert.equal(podCounts(deleting), true);
  });

  it('counts any kind as count/<resource>[.<group>]', () => {
    assert.deepEqual([...usageOf(K.Deployments, { kind: 'Deployment', apiVersion: 'apps/v1' }).keys()], ['count/deployments.apps']);
    assert.deepEqual([...usageOf(K.Services, { kind: 'Service', apiVersion: 'v1' }).keys()].sort(), ['count/services', 'services', 'services.loadbalancers', 'services.nodeports']);
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

  it('counts node ports and load balancers of services', () => {
    const svc = (type: string, ports: number) => Service.fromPartial({ spec: { type, ports: Array.from({ length: ports }, (_, i) => ({ port: 80 + i })) } });
    const of = (s: Service) => Object.fromEntries(usageOf(K.Services, s));
    assert.deepEqual(of(svc('ClusterIP', 2)), { 'count/services': 1000n, services: 1000n, 'services.nodeports': 0n, 'services.loadbalancers': 0n });
    assert.deepEqual(of(svc('NodePort', 2)), { 'count/services': 1000n, services: 1000n, 'services.nodeports': 2000n, 'services.loadbalancers': 0n });
    assert.deepEqual(of(svc('LoadBalancer', 1)), { 'count/services': 1000n, services: 1000n, 'services.nodeports': 1000n, 'services.loadbalancers': 1000n });
  });

  it('counts ephemeral storage, huge pages and extended resources of pods', () => {
    const u = usageOf(K.Pods, pod([{ requests: { 'ephemeral-storage': '1Gi', 'hugepages-2Mi': '4Mi', 'example.com/gpu': '1' }, limits: { 'ephemeral-storage': '2Gi' } }]));
    assert.equal(u.get('requests.ephemeral-storage'), 2n ** 30n * 1000n);
    assert.equal(u.get('ephemeral-storage'), 2n ** 30n * 1000n);
    assert.equal(u.get('limits.ephemeral-storage'), 2n ** 31n * 1000n);
    assert.equal(u.get('hugepages-2Mi'), 4n * 2n ** 20n * 1000n);
    assert.equal(u.get('requests.hugepages-2Mi'), 4n * 2n ** 20n * 1000n);
    assert.equal(u.get('requests.example.com/gpu'), 1000n);
    assert.equal(u.has('requests.cpu'), false, 'only what the pod requests');
  });

  it('counts by kind, so kinds Kite does not serve yet count once they exist', () => {
    const kind = (k: string, resource: string) => ({ kind: k, resource, group: '', namespaced: true }) as KindInfo<any>;
    const pvc = kind('PersistentVolumeClaim', 'persistentvolumeclaims');
    const u = usageOf(pvc, { kind: 'PersistentVolumeClaim', apiVersion: 'v1', spec: { storageClassName: 'gold', resources: { requests: { storage: '10Gi' } } } } as never);
    assert.deepEqual(Object.fromEntries(u), {
      'count/persistentvolumeclaims': 1000n,
      persistentvolumeclaims: 1000n,
      'gold.storageclass.storage.k8s.io/persistentvolumeclaims': 1000n,
      'requests.storage': 10n * 2n ** 30n * 1000n,
      'gold.storageclass.storage.k8s.io/requests.storage': 10n * 2n ** 30n * 1000n,
    });
    assert.ok(kindCounts(pvc, 'gold.storageclass.storage.k8s.io/requests.storage'));
    assert.ok(kindCounts(kind('Secret', 'secrets'), 'secrets'));
    assert.ok(kindCounts(kind('ConfigMap', 'configmaps'), 'configmaps'));
    assert.ok(!kindCounts(K.Pods, 'services.nodeports'));
    assert.ok(kindCounts(K.Services, 'services.nodeports'));
  });

  it('counts only the pods a scoped quota matches, and no other kind', () => {
    const q = (scopes: string[], matchExpressions: { scopeName: string; operator: string; values?: string[] }[] = []) =>
      ResourceQuota.fromPartial({ spec: { hard: { pods: '1' }, scopes, scopeSelector: matchExpressions.length ? { matchExpressions } : undefined } });
    const bestEffort = pod([{}]);
    const burstable = pod([{ requests: { cpu: '100m' } }]);
    const terminating = pod([{}]);
    terminating.spec!.activeDeadlineSeconds = 60;
    const gold = pod([{}]);
    gold.spec!.priorityClassName = 'gold';
    assert.ok(quotaMatches(q(['BestEffort']), K.Pods, bestEffort));
    assert.ok(!quotaMatches(q(['BestEffort']), K.Pods, burstable));
    assert.ok(quotaMatches(q(['NotBestEffort']), K.Pods, burstable));
    assert.ok(quotaMatches(q(['Terminating', 'BestEffort']), K.Pods, terminating));
    assert.ok(!quotaMatches(q(['Terminating']), K.Pods, bestEffort));
    assert.ok(quotaMatches(q(['NotTerminating']), K.Pods, bestEffort));
    assert.ok(quotaMatches(q([], [{ scopeName: 'PriorityClass', operator: 'In', values: ['gold'] }]), K.Pods, gold));
    assert.ok(!quotaMatches(q([], [{ scopeName: 'PriorityClass', operator: 'In', values: ['gold'] }]), K.Pods, bestEffort));
    assert.ok(quotaMatches(q([], [{ scopeName: 'PriorityClass', operator: 'NotIn', values: ['gold'] }]), K.Pods, bestEffort));
    assert.ok(quotaMatches(q([], [{ scopeName: 'PriorityClass', operator: 'DoesNotExist' }]), K.Pods, bestEffort));
    assert.ok(!quotaMatches(q([], [{ scopeName: 'BestEffort', operator: 'Exists' }]), K.Pods, burstable));
    assert.ok(!quotaMatches(q(['NotTerminating']), K.Services, Service.fromPartial({})));
    assert.ok(quotaMatches(q([]), K.Services, Service.fromPartial({})));
  });

  it('accepts every resource name Kubernetes\' quota knows', () => {
    const names = [
      'pods', 'services', 'services.loadbalancers', 'services.nodeports', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps',
      'persistentvolumeclaims', 'requests.storage', 'gold.storageclass.storage.k8s.io/requests.storage', 'gold.storageclass.storage.k8s.io/persistentvolumeclaims',
      'cpu', 'memory', 'ephemeral-storage', 'requests.ephemeral-storage', 'limits.ephemeral-storage', 'requests.cpu', 'limits.memory',
      'hugepages-2Mi', 'requests.hugepages-1Gi', 'requests.nvidia.com/gpu', 'count/deployments.apps', 'count/widgets.example.com',
    ];
    const hard = Object.fromEntries(names.map((n) => [n, '2']));
    assert.deepEqual(validateResourceQuota(ResourceQuota.fromPartial({ metadata: { name: 'q', namespace: 'ns' }, spec: { hard } })), []);
  });

  it('refuses what Kubernetes refuses in hard limits, with its messages', () => {
    const causes = (hard: Record<string, string>) =>
      validateResourceQuota(ResourceQuota.fromPartial({ metadata: { name: 'q', namespace: 'ns' }, spec: { hard } })).map((c) => `${c.field}: ${c.message}`);
    assert.deepEqual(causes({ storage: '1Gi', widgets: '1', 'services.nodeports': '1.5' }), [
      'spec.hard[storage]: Invalid value: "storage": must be a standard resource for quota',
      'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource type or fully qualified',
      'spec.hard[services.nodeports]: Invalid value: "1.5": must be an integer',
    ]);
  });

  it('validates scopes against the resources they cap', () => {
    const causes = (hard: Record<string, string>, scopes: string[], matchExpressions?: { scopeName: string; operator: string; values?: string[] }[]) =>
      validateResourceQuota(
        ResourceQuota.fromPartial({ metadata: { name: 'q', namespace: 'ns' }, spec: { hard, scopes, scopeSelector: matchExpressions ? { matchExpressions } : undefined } }),
      ).map((c) => `${c.field}: ${c.message}`);
    assert.deepEqual(causes({ pods: '3', 'requests.cpu': '1' }, ['NotBestEffort', 'Terminating']), []);
    assert.deepEqual(causes({ pods: '3' }, ['BestEffort']), []);
    assert.deepEqual(causes({ pods: '3', 'requests.cpu': '1' }, ['BestEffort']), ['spec.scopes: Invalid value: ["BestEffort"]: unsupported scope applied to resource']);
    assert.deepEqual(causes({ services: '3' }, ['Terminating']), ['spec.scopes: Invalid value: ["Terminating"]: unsupported scope applied to resource']);
    assert.deepEqual(causes({ pods: '3' }, ['BestEffort', 'NotBestEffort']), ['spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: conflicting scopes']);
    assert.deepEqual(causes({ pods: '3' }, ['Forever']), ['spec.scopes: Invalid value: ["Forever"]: unsupported scope']);
    assert.deepEqual(causes({ pods: '3' }, [], [{ scopeName: 'BestEffort', operator: 'In', values: ['x'] }]), [
      "spec.scopeSelector.matchExpressions.operator: Invalid value: \"In\": must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
    ]);
    assert.deepEqual(causes({ pods: '3' }, [], [{ scopeName: 'PriorityClass', operator: 'In' }]), [
      "spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
    ]);
    assert.deepEqual(causes({ pods: '3' }, [], [{ scopeName: 'PriorityClass', operator: 'Exists' }]), []);
  });

  it('keeps scopes fixed after creation', () => {
    const q = (scopes: string[]) => ResourceQuota.fromPartial({ metadata: { name: 'q', namespace: 'ns' }, spec: { hard: { pods: '1' }, scopes } });
    assert.deepEqual(validateResourceQuotaUpdate(q(['BestEffort']), q(['BestEffort'])), []);
    assert.deepEqual(validateResourceQuotaUpdate(q(['NotBestEffort']), q(['BestEffort'])), [{ field: 'spec.scopes', message: 'Invalid value: ["NotBestEffort"]: field is immutable' }]);
  });
});
