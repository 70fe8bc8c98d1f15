import { strict as assert } from 'node:assert';
import { CONTROLLER_NAMES, resolveControllers } from '../../../services/controller-manager/manager';

describe('--controllers', () => {
  it('enables all with "*" (the default) and disables with "-name"', () => {
    assert.deepEqual(resolveControllers(), [...CONTROLLER_NAMES]);
    assert.deepEqual(resolveControllers(['*', '-nodeipam', '-garbagecollector']), ['replicaset', 'deployment', 'job', 'ttl-after-finished', 'cronjob', 'statefulset', 'daemonset', 'disruption', 'horizontalpodautoscaling', 'endpoint', 'endpointslice', 'endpointslicemirroring', 'nodelifecycle', 'namespace', 'pod-garbage-collector', 'serviceaccount', 'root-ca-cert-publisher', 'persistentvolume-binder', 'pvc-protection', 'pv-protection', 'local-path-provisioner', 'metrics-scraper']);
  });
  it('enables only the named ones without "*", accepting comma lists and aliases', () => {
    assert.deepEqual(resolveControllers(['deployment,replicaset', 'endpoints']), ['replicaset', 'deployment', 'endpoint']);
    // Kubernetes' names of the EndpointSlice controllers.
    assert.deepEqual(resolveControllers(['endpointslice-controller', 'endpointslicemirroring-controller']), ['endpointslice', 'endpointslicemirroring']);
    assert.deepEqual(resolveControllers(['job-controller', 'ttl-after-finished-controller']), ['job', 'ttl-after-finished']);
    assert.deepEqual(resolveControllers(['statefulset-controller']), ['statefulset']);
    assert.deepEqual(resolveControllers(['horizontal-pod-autoscaler-controller']), ['horizontalpodautoscaling']);
    assert.deepEqual(resolveControllers(['persistentvolume-binder-controller', 'persistentvolumeclaim-protection-controller', 'persistentvolume-protection-controller']), ['persistentvolume-binder', 'pvc-protection', 'pv-protection']);
  });
  it('rejects unknown names', () => {
    assert.throws(() => resolveControllers(['bootstrapsigner']), /unknown controller "bootstrapsigner"/);
  });
});
