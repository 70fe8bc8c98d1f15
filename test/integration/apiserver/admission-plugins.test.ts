// The admission chain through the real gRPC API: NamespaceLifecycle's refusals, and
// --disable-admission-plugins taking a plugin out (PodSecurity here) while the others still run.
import { strict as assert } from 'node:assert';
import { status as Status } from '@grpc/grpc-js';
import { Namespace, Pod } from '../../../lib/gen/kite/core/v1/types';
import { pod } from '../../support/builders';
import { errorOf, uniqueName, useApiserver } from './harness';

const privileged = (namespace: string) =>
  Pod.fromPartial({ metadata: { name: 'root', namespace }, spec: { hostPID: true, containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] } });

const baseline = (name: string) => Namespace.fromPartial({ metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } });

describe('admission plugins (gRPC)', function () {
  this.timeout(30_000);

  describe('the default chain', () => {
    const h = useApiserver('sqlite');

    it('NamespaceLifecycle: no create in a missing namespace, the cluster namespaces cannot be deleted', async () => {
      const missing = await errorOf(() => h.client.pods.create(pod('p', { namespace: uniqueName('nowhere') })));
      assert.equal(missing.code, Status.NOT_FOUND);
      for (const name of ['default', 'kube-system', 'kube-public']) {
        const err = await errorOf(() => h.client.namespaces.delete(name));
        assert.equal(err.code, Status.PERMISSION_DENIED);
        assert.equal(err.message, `namespaces "${name}" is forbidden: this namespace may not be deleted`);
        assert.equal((await h.client.namespaces.get(name)).metadata!.deletionTimestamp, '');
      }
    });

    it('PodSecurity refuses a privileged pod in a baseline namespace', async () => {
      const ns = uniqueName('psa');
      await h.client.namespaces.create(baseline(ns));
      assert.equal((await errorOf(() => h.client.pods.create(privileged(ns)))).code, Status.PERMISSION_DENIED);
    });
  });

  describe('with --disable-admission-plugins PodSecurity', () => {
    const h = useApiserver('sqlite', { disableAdmissionPlugins: ['PodSecurity'] });

    it('stores the privileged pod, while NamespaceLifecycle still refuses', async () => {
      const ns = uniqueName('psa');
      await h.client.namespaces.create(baseline(ns));
      const created = await h.client.pods.create(privileged(ns));
      assert.equal(created.spec!.hostPID, true);
      assert.equal((await errorOf(() => h.client.namespaces.delete('default'))).code, Status.PERMISSION_DENIED);
    });
  });
});
