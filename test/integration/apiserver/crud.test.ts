// The apiserver's write semantics over real gRPC, on both stores: CRUD and its error codes,
// the global resourceVersion, generation, the status subresource, finalizers, graceful pod
// deletion, binding, scale and patch.
import { strict as assert } from 'node:assert';
import { status as Status } from '@grpc/grpc-js';
import { InvalidError } from '../../../lib/api/errors';
import { Namespace } from '../../../lib/gen/kite/core/v1/types';
import { deployment, pod, service } from '../../support/builders';
import { backends, errorOf, uniqueName, useApiserver } from './harness';

for (const backend of backends()) {
  describe(`apiserver CRUD over gRPC (${backend})`, function () {
    this.timeout(20_000);
    const h = useApiserver(backend);

    describe('create, get, update, delete', () => {
      it('creates an object with server-set metadata and gets it back', async () => {
        const name = uniqueName('crud');
        const created = await h.client.pods.create(pod(name));
        const m = created.metadata!;
        assert.equal(m.name, name);
        assert.equal(m.namespace, 'default');
        assert.match(m.uid, /^[0-9a-f-]{36}$/);
        assert.match(m.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.match(m.resourceVersion, /^\d+$/);
        assert.equal(m.generation, 1);
        assert.equal(created.kind, 'Pod');
        assert.equal(created.apiVersion, 'v1');
        assert.equal(created.status?.phase, 'Pending');
        const got = await h.client.pods.get(name);
        assert.deepEqual(got, created);
      });

      it('refuses a second object with the same name: ALREADY_EXISTS', async () => {
        const name = uniqueName('dup');
        await h.client.pods.create(pod(name));
        const err = await errorOf(() => h.client.pods.create(pod(name)));
        assert.equal(err.code, Status.ALREADY_EXISTS);
        assert.match(err.message, new RegExp(`pods "${name}" already exists`));
      });

      it('answers NOT_FOUND for get, update, status update and delete of a missing object', async () => {
        const name = uniqueName('missing');
        for (const call of [
          () => h.client.pods.get(name),
          () => h.client.pods.update(pod(name)),
          () => h.client.pods.updateStatus(pod(name)),
          () => h.client.pods.delete(name),
          () => h.client.pods.patch(name, { metadata: { labels: { a: 'b' } } }),
        ]) {
          const err = await errorOf(call);
          assert.equal(err.code, Status.NOT_FOUND, err.message);
          assert.match(err.message, new RegExp(`pods "${name}" not found`));
        }
      });

      it('answers INVALID_ARGUMENT for a request without a name or with bad delete options, before any lookup', async () => {
        for (const call of [() => h.client.pods.get(''), () => h.client.pods.delete(''), () => h.client.pods.patch('', { metadata: { labels: { a: 'b' } } })]) {
          const err = await errorOf(call);
          assert.equal(err.code, Status.INVALID_ARGUMENT, err.message);
          assert.match(err.message, /name is required/);
        }
        const badPolicy = await errorOf(() => h.client.pods.delete(uniqueName('missing'), { propagationPolicy: 'Sideways' }));
        assert.equal(badPolicy.code, Status.INVALID_ARGUMENT, badPolicy.message);
        assert.match(badPolicy.message, /Unsupported value: "Sideways"/);
        const badDryRun = await errorOf(() => h.client.pods.call('create', { namespace: 'default', pod: pod(uniqueName('dry')), dryRun: ['Nope'] }));
        assert.equal(badDryRun.code, Status.INVALID_ARGUMENT, badDryRun.message);
        assert.match(badDryRun.message, /dryRun: Unsupported value: "Nope"/);
      });

      it('answers NOT_FOUND when the namespace does not exist', async () => {
        const err = await errorOf(() => h.client.pods.create(pod(uniqueName('p'), { namespace: 'no-such-namespace' })));
        assert.equal(err.code, Status.NOT_FOUND);
        assert.match(err.message, /namespaces "no-such-namespace" not found/);
      });

      it('creates in a namespace created just before', async () => {
        const ns = uniqueName('ns');
        await h.client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
        const p = await h.client.pods.create(pod('p', { namespace: ns }));
        assert.equal(p.metadata!.namespace, ns);
        assert.equal((await h.client.pods.get('p', ns)).metadata!.uid, p.metadata!.uid);
      });

      it('deletes an object and returns it', async () => {
        const name = uniqueName('del');
        const created = await h.client.services.create(service(name));
        const deleted = await h.client.services.delete(name);
        assert.equal(deleted.metadata!.uid, created.metadata!.uid);
        assert.equal((await errorOf(() => h.client.services.get(name))).code, Status.NOT_FOUND);
      });
    });

    describe('optimistic concurrency', () => {
      it('rejects an update carrying a stale resourceVersion with ABORTED and keeps the newer write', async () => {
        const name = uniqueName('rv');
        const v1 = await h.client.deployments.create(deployment(name));
        const v2 = await h.client.deployments.update({ ...v1, spec: { ...v1.spec!, replicas: 3 } });
        assert.notEqual(v2.metadata!.resourceVersion, v1.metadata!.resourceVersion);
        const err = await errorOf(() => h.client.deployments.update({ ...v1, spec: { ...v1.spec!, replicas: 7 } }));
        assert.equal(err.code, Status.ABORTED);
        assert.match(err.message, /the object has been modified; please apply your changes to the latest version and try again/);
        assert.equal((await h.client.deployments.get(name)).spec!.replicas, 3);
      });

      it('rejects a status update with a stale resourceVersion with ABORTED', async () => {
        const name = uniqueName('rvs');
        const v1 = await h.client.pods.create(pod(name));
        await h.client.pods.updateStatus({ ...v1, status: { ...v1.status!, phase: 'Running' } });
        const err = await errorOf(() => h.client.pods.updateStatus({ ...v1, status: { ...v1.status!, phase: 'Failed' } }));
        assert.equal(err.code, Status.ABORTED);
        assert.equal((await h.client.pods.get(name)).status!.phase, 'Running');
      });

      it('applies an update without a resourceVersion unconditionally', async () => {
        const name = uniqueName('norv');
        const v1 = await h.client.deployments.create(deployment(name));
        await h.client.deployments.update({ ...v1, spec: { ...v1.spec!, replicas: 3 } });
        const out = await h.client.deployments.update({ ...v1, metadata: { ...v1.metadata!, resourceVersion: '' }, spec: { ...v1.spec!, replicas: 4 } });
        assert.equal(out.spec!.replicas, 4);
      });

      it('rejects a delete whose resourceVersion or uid precondition fails with ABORTED', async () => {
        const name = uniqueName('pre');
        const v1 = await h.client.services.create(service(name));
        await h.client.services.patch(name, { metadata: { labels: { touched: 'yes' } } });
        const stale = await errorOf(() => h.client.services.delete(name, { preconditions: { resourceVersion: v1.metadata!.resourceVersion } }));
        assert.equal(stale.code, Status.ABORTED);
        const uid = await errorOf(() => h.client.services.delete(name, { preconditions: { uid: 'not-the-uid' } }));
        assert.equal(uid.code, Status.ABORTED);
        await h.client.services.get(name);
        await h.client.services.delete(name, { preconditions: { uid: v1.metadata!.uid } });
      });
    });

    it('hands out one global, strictly increasing resourceVersion across kinds', async () => {
      const name = uniqueName('grv');
      const rvs: number[] = [];
      const rv = (o: { metadata?: { resourceVersion: string } }) => rvs.push(Number(o.metadata!.resourceVersion));
      rv(await h.client.pods.create(pod(name)));
      rv(await h.client.services.create(service(name)));
      rv(await h.client.deployments.create(deployment(name)));
      rv(await h.client.pods.patch(name, { metadata: { labels: { a: 'b' } } }));
      rv(await h.client.namespaces.create(Namespace.fromPartial({ metadata: { name } })));
      rv(await h.client.deployments.patch(name, { spec: { replicas: 5 } }));
      rv(await h.client.services.delete(name));
      rv(await h.client.pods.create(pod(`${name}-b`)));
      for (let i = 1; i < rvs.length; i++) assert.ok(rvs[i] > rvs[i - 1], `resourceVersions not increasing: ${rvs.join(', ')}`);
      const list = await h.client.pods.list({});
      assert.ok(Number(list.metadata!.resourceVersion) >= rvs[rvs.length - 1]);
    });

    describe('generation and the status subresource', () => {
      it('bumps generation on spec changes only', async () => {
        const name = uniqueName('gen');
        const v1 = await h.client.deployments.create(deployment(name));
        assert.equal(v1.metadata!.generation, 1);
        const labelled = await h.client.deployments.update({ ...v1, metadata: { ...v1.metadata!, labels: { extra: 'x' }, annotations: { note: 'y' } } });
        assert.equal(labelled.metadata!.generation, 1, 'metadata changes do not bump generation');
        const status = await h.client.deployments.updateStatus({ ...labelled, status: { ...labelled.status!, observedGeneration: 1, replicas: 2 } });
        assert.equal(status.metadata!.generation, 1, 'status changes do not bump generation');
        const scaled = await h.client.deployments.update({ ...status, spec: { ...status.spec!, replicas: 5 } });
        assert.equal(scaled.metadata!.generation, 2);
        const same = await h.client.deployments.update(scaled);
        assert.equal(same.metadata!.generation, 2, 'an update without changes does not bump generation');
        assert.equal(same.metadata!.resourceVersion, scaled.metadata!.resourceVersion, 'a no-op update writes nothing');
      });

      it('ignores status in Update and spec/metadata in UpdateStatus', async () => {
        const name = uniqueName('sub');
        const v1 = await h.client.deployments.create(deployment(name));
        const updated = await h.client.deployments.update({ ...v1, spec: { ...v1.spec!, replicas: 4 }, status: { ...v1.status!, replicas: 99 } });
        assert.equal(updated.spec!.replicas, 4);
        assert.equal(updated.status!.replicas, 0, 'Update must not change status');
        const st = await h.client.deployments.updateStatus({
          ...updated,
          metadata: { ...updated.metadata!, labels: { sneaky: 'yes' } },
          spec: { ...updated.spec!, replicas: 9 },
          status: { ...updated.status!, replicas: 4, observedGeneration: 2 },
        });
        assert.equal(st.status!.replicas, 4);
        assert.equal(st.spec!.replicas, 4, 'UpdateStatus must not change spec');
        assert.deepEqual(st.metadata!.labels, {}, 'UpdateStatus must not change labels');
        const got = await h.client.deployments.get(name);
        assert.equal(got.spec!.replicas, 4);
        assert.equal(got.status!.replicas, 4);
        assert.equal(got.status!.observedGeneration, 2);
      });
    });

    describe('finalizers and deletion', () => {
      it('marks an object with finalizers for deletion and removes it when the last finalizer goes', async () => {
        const name = uniqueName('fin');
        await h.client.pods.create(pod(name, { finalizers: ['example.com/a', 'example.com/b'] }));
        const marked = await h.client.pods.delete(name);
        assert.ok(marked.metadata!.deletionTimestamp, 'deletionTimestamp is set');
        const still = await h.client.pods.get(name);
        assert.ok(still.metadata!.deletionTimestamp);
        assert.deepEqual(still.metadata!.finalizers, ['example.com/a', 'example.com/b']);

        const add = await errorOf(() => h.client.pods.update({ ...still, metadata: { ...still.metadata!, finalizers: [...still.metadata!.finalizers, 'example.com/new'] } }));
        assert.ok(add instanceof InvalidError);
        assert.equal(add.code, Status.INVALID_ARGUMENT);
        assert.deepEqual(add.causes.map((c) => c.field), ['metadata.finalizers']);

        const one = await h.client.pods.update({ ...still, metadata: { ...still.metadata!, finalizers: ['example.com/b'] } });
        assert.deepEqual(one.metadata!.finalizers, ['example.com/b']);
        assert.equal(one.metadata!.deletionTimestamp, still.metadata!.deletionTimestamp);
        await h.client.pods.get(name);

        await h.client.pods.patch(name, [{ op: 'remove', path: '/metadata/finalizers/0' }], { type: 'json' });
        assert.equal((await errorOf(() => h.client.pods.get(name))).code, Status.NOT_FOUND);
      });

      it('deletes an unbound pod at once', async () => {
        const name = uniqueName('unbound');
        await h.client.pods.create(pod(name));
        await h.client.pods.delete(name);
        assert.equal((await errorOf(() => h.client.pods.get(name))).code, Status.NOT_FOUND);
      });

      it('deletes a bound pod gracefully: deletionTimestamp plus the grace period, then grace 0 removes it', async () => {
        const name = uniqueName('graceful');
        await h.client.pods.create(pod(name));
        await h.client.pods.bind(name, 'node-a');
        const before = Date.now();
        const marked = await h.client.pods.delete(name);
        assert.equal(marked.metadata!.deletionGracePeriodSeconds, 30);
        const deadline = Date.parse(marked.metadata!.deletionTimestamp);
        assert.ok(Math.abs(deadline - (before + 30_000)) < 5_000, `deletionTimestamp ${marked.metadata!.deletionTimestamp} is not ~30 s ahead`);
        const shorter = await h.client.pods.delete(name, { gracePeriodSeconds: 5 });
        assert.equal(shorter.metadata!.deletionGracePeriodSeconds, 5, 'a shorter grace period replaces the longer one');
        assert.ok((await h.client.pods.get(name)).metadata!.deletionTimestamp);
        await h.client.pods.delete(name, { gracePeriodSeconds: 0 });
        assert.equal((await errorOf(() => h.client.pods.get(name))).code, Status.NOT_FOUND);
      });

      it('uses the pod\'s terminationGracePeriodSeconds', async () => {
        const name = uniqueName('tgps');
        await h.client.pods.create(pod(name, { spec: { terminationGracePeriodSeconds: 7 } }));
        await h.client.pods.bind(name, 'node-a');
        assert.equal((await h.client.pods.delete(name)).metadata!.deletionGracePeriodSeconds, 7);
        await h.client.pods.delete(name, { gracePeriodSeconds: 0 });
      });
    });

    describe('subresources', () => {
      it('binds a pod once: nodeName and PodScheduled, a second bind is ABORTED', async () => {
        const name = uniqueName('bind');
        const created = await h.client.pods.create(pod(name));
        assert.equal(await h.client.pods.bind(name, 'node-1'), undefined, "the reply's pod is not decoded (client-go's Bind returns only an error)");
        const bound = await h.client.pods.get(name);
        assert.equal(bound.spec!.nodeName, 'node-1');
        const cond = bound.status!.conditions.find((c) => c.type === 'PodScheduled');
        assert.equal(cond?.status, 'True');
        assert.ok(Number(bound.metadata!.resourceVersion) > Number(created.metadata!.resourceVersion));
        const again = await errorOf(() => h.client.pods.bind(name, 'node-2'));
        assert.equal(again.code, Status.ABORTED);
        assert.match(again.message, /already assigned to node "node-1"/);
        assert.equal((await h.client.pods.get(name)).spec!.nodeName, 'node-1');
      });

      it("binds only the pod of the binding's UID (a pod created again under the name is refused)", async () => {
        const name = uniqueName('bind-uid');
        const first = await h.client.pods.create(pod(name));
        await h.client.pods.delete(name, { gracePeriodSeconds: 0 });
        await h.client.pods.create(pod(name));
        const stale = await errorOf(() => h.client.pods.bind(name, 'node-1', undefined, first.metadata!.uid));
        assert.equal(stale.code, Status.ABORTED);
        assert.match(stale.message, /Precondition failed: UID in precondition/);
        assert.equal((await h.client.pods.get(name)).spec!.nodeName, '');
      });

      it('reads and writes replicas through the scale subresource', async () => {
        const name = uniqueName('scale');
        await h.client.deployments.create(deployment(name, { app: name, tier: 'web' }));
        const s = await h.client.deployments.getScale(name);
        assert.equal(s.spec!.replicas, 2);
        assert.equal(s.status!.selector, `app=${name},tier=web`);
        const out = await h.client.deployments.updateScale(name, 6);
        assert.equal(out.spec!.replicas, 6);
        const d = await h.client.deployments.get(name);
        assert.equal(d.spec!.replicas, 6);
        assert.equal(d.metadata!.generation, 2);
        const neg = await errorOf(() => h.client.deployments.updateScale(name, -1));
        assert.equal(neg.code, Status.INVALID_ARGUMENT);
        assert.equal((await errorOf(() => h.client.replicaSets.getScale(uniqueName('nope')))).code, Status.NOT_FOUND);
      });

      it('applies JSON merge patches and JSON patches', async () => {
        const name = uniqueName('patch');
        await h.client.deployments.create(deployment(name));
        const merged = await h.client.deployments.patch(name, { metadata: { labels: { a: '1' } }, spec: { replicas: 3 } });
        assert.deepEqual(merged.metadata!.labels, { a: '1' });
        assert.equal(merged.spec!.replicas, 3);
        assert.equal(merged.metadata!.generation, 2);
        const removed = await h.client.deployments.patch(name, { metadata: { labels: { a: null, b: '2' } } });
        assert.deepEqual(removed.metadata!.labels, { b: '2' });
        const jp = await h.client.deployments.patch(
          name,
          [
            { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:1.23' },
            { op: 'add', path: '/metadata/annotations', value: { x: 'y' } },
          ],
          { type: 'json' },
        );
        assert.equal(jp.spec!.template!.spec!.containers[0].image, 'nginx:1.23');
        assert.deepEqual(jp.metadata!.annotations, { x: 'y' });
        const status = await h.client.deployments.patch(name, { status: { replicas: 3 } }, { subresource: 'status' });
        assert.equal(status.status!.replicas, 3);
        assert.equal(status.spec!.replicas, 3);
        const failedTest = await errorOf(() => h.client.deployments.patch(name, [{ op: 'test', path: '/spec/replicas', value: 99 }], { type: 'json' }));
        // Kubernetes answers a failed "test" operation with 422 Unprocessable Entity, not a conflict.
        assert.equal(failedTest.code, Status.INVALID_ARGUMENT);
        assert.match(failedTest.message, /JSON patch test failed at "\/spec\/replicas"/);
        const badPath = await errorOf(() => h.client.deployments.patch(name, [{ op: 'replace', path: '/spec/nope/x', value: 1 }], { type: 'json' }));
        assert.equal(badPath.code, Status.INVALID_ARGUMENT);
        const invalid = await errorOf(() => h.client.deployments.patch(name, { spec: { replicas: -2 } }));
        assert.equal(invalid.code, Status.INVALID_ARGUMENT);
        assert.equal((await h.client.deployments.get(name)).spec!.replicas, 3);
      });

      it('patches the scale subresource (kubectl scale): the patch applies to the Scale, the reply is the object', async () => {
        const name = uniqueName('scalepatch');
        await h.client.deployments.create(deployment(name));
        const scaled = await h.client.deployments.patch(name, { spec: { replicas: 4 } }, { subresource: 'scale' });
        assert.equal(scaled.spec!.replicas, 4);
        assert.equal((await h.client.deployments.getScale(name)).spec!.replicas, 4);
        const dry = await h.client.deployments.call<typeof scaled>('patch', { namespace: 'default', name, patchType: 'application/merge-patch+json', patch: '{"spec":{"replicas":9}}', dryRun: ['All'], subresource: 'scale' });
        assert.equal(dry.spec!.replicas, 9);
        assert.equal((await h.client.deployments.get(name)).spec!.replicas, 4);
        const negative = await errorOf(() => h.client.deployments.patch(name, [{ op: 'replace', path: '/spec/replicas', value: -1 }], { type: 'json', subresource: 'scale' }));
        assert.equal(negative.code, Status.INVALID_ARGUMENT);
      });

      it('answers a dry-run patch (dryRun=All) with the patched object and writes nothing, status included', async () => {
        const name = uniqueName('drypatch');
        const created = await h.client.deployments.create(deployment(name));
        const patch = (body: unknown, subresource = '') =>
          h.client.deployments.call<typeof created>('patch', { namespace: 'default', name, patchType: 'application/merge-patch+json', patch: JSON.stringify(body), dryRun: ['All'], subresource });
        assert.equal((await patch({ spec: { replicas: 7 } })).spec!.replicas, 7);
        assert.equal((await patch({ status: { replicas: 9 } }, 'status')).status!.replicas, 9);
        const after = await h.client.deployments.get(name);
        assert.equal(after.spec!.replicas, created.spec!.replicas);
        assert.equal(after.status!.replicas, created.status!.replicas);
        assert.equal(after.metadata!.resourceVersion, created.metadata!.resourceVersion);
      });
    });
  });
}
