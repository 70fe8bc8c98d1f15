// The pods/eviction subresource (Kubernetes' EvictionREST) and deletecollection on a real secure
// apiserver, over gRPC (PodService/EvictPod, <Kind>Service/DeleteCollection<Plural>) and over the
// HTTP API: authorization as "create pods/eviction" and "deletecollection", the eviction's
// DeleteOptions passed to the delete, the DisruptionTarget condition, dry runs, 404, the 201
// Status Kubernetes answers, protobuf bodies, and admission of each object a deletecollection deletes.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { ForbiddenError, NotFoundError } from '../../../lib/api/errors';
import { encodeProtobuf, PROTOBUF_MEDIA_TYPE } from '../../../lib/api/k8s-protobuf';
import type { Clientset } from '../../../lib/client/clientset';
import { ConfigMap, Namespace, Pod } from '../../../lib/gen/kite/core/v1/types';
import { Role, RoleBinding } from '../../../lib/gen/kite/rbac/v1/types';
import { httpsRequest } from '../../support/https-request';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';
import { startSecureApiserver, type SecureApiserver } from './secure-apiserver';

describe('pods/eviction and deletecollection', function () {
  this.timeout(60_000);
  let s: SecureApiserver;
  let admin: Clientset;
  const ns = uniqueName('evict');

  /** An HTTPS request as the admin; `body` a JSON value or protobuf bytes. */
  const http = (method: string, path: string, body?: object) =>
    httpsRequest({ port: s.server.securePort!, ca: s.ca.cert, cert: readFileSync(s.pki.admin.cert), key: readFileSync(s.pki.admin.key) }, method, path, body, Buffer.isBuffer(body) ? { 'content-type': PROTOBUF_MEDIA_TYPE } : {});

  /** A pod on a node, Running: its deletion waits for the grace period. */
  const runningPod = async (name: string): Promise<Pod> => {
    const created = await admin.pods.create(Pod.fromPartial({ metadata: { name, namespace: ns }, spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'nginx' }] } }));
    return admin.pods.updateStatus({ ...created, status: { ...created.status!, phase: 'Running' } });
  };

  const eviction = (name: string, extra: Record<string, unknown> = {}, apiVersion = 'policy/v1') => ({ apiVersion, kind: 'Eviction', metadata: { name, namespace: ns }, ...extra });

  before(async () => {
    s = await startSecureApiserver({ config: { securePort: 0 } });
    admin = await s.admin();
    await admin.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
  });
  after(async () => {
    await s?.stop();
  });

  describe('over gRPC (PodService/EvictPod)', () => {
    it('deletes a running pod with its grace period, marked as the eviction\'s target', async () => {
      await runningPod('run1');
      const evicted = await admin.pods.evict('run1', { namespace: ns });
      assert.ok(evicted.metadata!.deletionTimestamp, 'the pod is being deleted');
      assert.equal(evicted.metadata!.deletionGracePeriodSeconds, 30);
      const cond = evicted.status!.conditions.find((c) => c.type === 'DisruptionTarget');
      assert.deepEqual([cond?.status, cond?.reason, cond?.message], ['True', 'EvictionByEvictionAPI', 'Eviction API: evicting']);
    });

    it("passes the eviction's grace period to the delete", async () => {
      await runningPod('run2');
      const evicted = await admin.pods.evict('run2', { namespace: ns, gracePeriodSeconds: 5 });
      assert.equal(evicted.metadata!.deletionGracePeriodSeconds, 5);
    });

    it('deletes a pending unscheduled pod at once', async () => {
      await admin.pods.create(Pod.fromPartial({ metadata: { name: 'pending1', namespace: ns }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }));
      await admin.pods.evict('pending1', { namespace: ns });
      await assert.rejects(admin.pods.get('pending1', ns), NotFoundError);
    });

    it('leaves the pod as it was on a dry run', async () => {
      const before = await runningPod('dry1');
      const answered = await admin.pods.evict('dry1', { namespace: ns, dryRun: true });
      assert.ok(answered.metadata!.deletionTimestamp, 'the answer shows the deletion that would happen');
      const after = await admin.pods.get('dry1', ns);
      assert.equal(after.metadata!.resourceVersion, before.metadata!.resourceVersion);
      assert.equal(after.metadata!.deletionTimestamp, '');
      assert.equal(after.status!.conditions.some((c) => c.type === 'DisruptionTarget'), false);
    });

    it('refuses a stale resourceVersion precondition with a conflict', async () => {
      const pod = await runningPod('pre1');
      await assert.rejects(admin.pods.evict('pre1', { namespace: ns, preconditions: { resourceVersion: String(Number(pod.metadata!.resourceVersion) - 1) } }), /Operation cannot be fulfilled on Pod "pre1"/);
      assert.equal((await admin.pods.get('pre1', ns)).metadata!.deletionTimestamp, '');
    });

    it('answers NotFound for a missing pod', async () => {
      await assert.rejects(admin.pods.evict('nope', { namespace: ns }), (err: Error) => err instanceof NotFoundError && err.message === 'pods "nope" not found');
    });

    it('needs create on pods/eviction, which the edit role has', async () => {
      await runningPod('rbac1');
      const alice = await s.client({ user: 'alice' });
      await assert.rejects(
        alice.pods.evict('rbac1', { namespace: ns }),
        (err: Error) => err instanceof ForbiddenError && err.message === `pods "rbac1" is forbidden: User "alice" cannot create resource "pods/eviction" in API group "" in the namespace "${ns}"`,
      );
      await admin.roleBindings.create(
        RoleBinding.fromPartial({
          metadata: { name: 'alice-edit', namespace: ns },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
          subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }],
        }),
      );
      await waitFor('alice may evict', async () => {
        try {
          await alice.pods.evict('rbac1', { namespace: ns });
          return true;
        } catch (err) {
          if (err instanceof ForbiddenError) return false;
          throw err;
        }
      }, 5000);
      assert.ok((await admin.pods.get('rbac1', ns)).metadata!.deletionTimestamp);
    });
  });

  describe('over HTTP (POST .../pods/<name>/eviction)', () => {
    it('answers 201 with a Status Success for a policy/v1 and a policy/v1beta1 Eviction', async () => {
      await runningPod('h1');
      await runningPod('h2');
      const r = await http('POST', `/api/v1/namespaces/${ns}/pods/h1/eviction`, eviction('h1', { deleteOptions: { gracePeriodSeconds: 7 } }));
      assert.equal(r.status, 201);
      assert.deepEqual(r.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
      assert.equal((await admin.pods.get('h1', ns)).metadata!.deletionGracePeriodSeconds, 7);
      const beta = await http('POST', `/api/v1/namespaces/${ns}/pods/h2/eviction`, eviction('h2', {}, 'policy/v1beta1'));
      assert.equal(beta.status, 201);
      assert.ok((await admin.pods.get('h2', ns)).metadata!.deletionTimestamp);
    });

    it('reads a protobuf Eviction, as typed clients send it', async () => {
      await runningPod('h3');
      const r = await http('POST', `/api/v1/namespaces/${ns}/pods/h3/eviction`, encodeProtobuf(eviction('h3', { deleteOptions: { gracePeriodSeconds: 3 } })));
      assert.equal(r.status, 201, JSON.stringify(r.json));
      assert.equal((await admin.pods.get('h3', ns)).metadata!.deletionGracePeriodSeconds, 3);
    });

    it('takes dryRun from the query, and leaves the pod', async () => {
      const pod = await runningPod('h4');
      const r = await http('POST', `/api/v1/namespaces/${ns}/pods/h4/eviction?dryRun=All`, eviction('h4'));
      assert.equal(r.status, 201);
      assert.equal((await admin.pods.get('h4', ns)).metadata!.resourceVersion, pod.metadata!.resourceVersion);
    });

    it('answers 404 for a missing pod and 400 for an Eviction naming another pod', async () => {
      const missing = await http('POST', `/api/v1/namespaces/${ns}/pods/gone/eviction`, eviction('gone'));
      assert.equal(missing.status, 404);
      assert.equal(missing.json.reason, 'NotFound');
      assert.equal(missing.json.message, 'pods "gone" not found');
      const other = await http('POST', `/api/v1/namespaces/${ns}/pods/h4/eviction`, eviction('h5'));
      assert.equal(other.status, 400);
      assert.equal(other.json.message, 'name in URL does not match name in Eviction object');
    });
  });

  describe('deletecollection', () => {
    const configMap = (name: string, labels: Record<string, string>) => ConfigMap.fromPartial({ metadata: { name, namespace: ns, labels }, data: { k: 'v' } });

    it('deletes what the selector matches over gRPC and returns it', async () => {
      await Promise.all([admin.configMaps.create(configMap('g1', { set: 'a' })), admin.configMaps.create(configMap('g2', { set: 'a' })), admin.configMaps.create(configMap('g3', { set: 'b' }))]);
      const deleted = await admin.configMaps.deleteCollection({ namespace: ns, labelSelector: 'set=a' });
      assert.deepEqual(deleted.items.map((c) => c.metadata!.name).sort(), ['g1', 'g2']);
      const left = await admin.configMaps.list({ namespace: ns, labelSelector: 'set' });
      assert.deepEqual(left.items.map((c) => c.metadata!.name), ['g3']);
    });

    it('deletes nothing on a dry run', async () => {
      await admin.configMaps.create(configMap('d1', { set: 'dry' }));
      const answered = await admin.configMaps.deleteCollection({ namespace: ns, labelSelector: 'set=dry', dryRun: true });
      assert.equal(answered.items.length, 1);
      await admin.configMaps.get('d1', ns);
    });

    it('needs the deletecollection verb; delete alone is not enough', async () => {
      await admin.configMaps.create(configMap('r1', { set: 'rbac' }));
      await admin.roles.create(Role.fromPartial({ metadata: { name: 'cm-deleter', namespace: ns }, rules: [{ verbs: ['delete', 'list'], apiGroups: [''], resources: ['configmaps'] }] }));
      await admin.roleBindings.create(
        RoleBinding.fromPartial({
          metadata: { name: 'bob-cm', namespace: ns },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-deleter' },
          subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }],
        }),
      );
      const bob = await s.client({ user: 'bob' });
      await waitFor('bob may delete', async () => {
        try {
          await bob.configMaps.delete('absent', { namespace: ns });
          return true;
        } catch (err) {
          return !(err instanceof ForbiddenError);
        }
      }, 5000);
      await assert.rejects(
        bob.configMaps.deleteCollection({ namespace: ns, labelSelector: 'set=rbac' }),
        (err: Error) => err instanceof ForbiddenError && err.message === `configmaps is forbidden: User "bob" cannot deletecollection resource "configmaps" in API group "" in the namespace "${ns}"`,
      );
      await admin.configMaps.get('r1', ns);
    });

    it('admits each delete: NamespaceLifecycle refuses deleting the default namespace', async () => {
      const mark = uniqueName('mark');
      await admin.namespaces.patch('default', { metadata: { labels: { [mark]: 'x' } } });
      await assert.rejects(admin.namespaces.deleteCollection({ labelSelector: `${mark}=x` }), (err: Error) => err instanceof ForbiddenError && err.message === 'namespaces "default" is forbidden: this namespace may not be deleted');
      await admin.namespaces.get('default');
    });

    it('over HTTP: DELETE on a namespace\'s collection answers the deleted list; across namespaces it is not allowed', async () => {
      await Promise.all([admin.configMaps.create(configMap('x1', { set: 'http' })), admin.configMaps.create(configMap('x2', { set: 'other' }))]);
      const r = await http('DELETE', `/api/v1/namespaces/${ns}/configmaps?labelSelector=set%3Dhttp`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
      assert.deepEqual([r.status, r.json.kind], [200, 'ConfigMapList'], JSON.stringify(r.json));
      assert.deepEqual(r.json.items.map((c: any) => c.metadata.name), ['x1']);
      await assert.rejects(admin.configMaps.get('x1', ns), NotFoundError);
      await admin.configMaps.get('x2', ns);
      const all = await http('DELETE', '/api/v1/configmaps?labelSelector=set%3Dother');
      assert.equal(all.status, 405);
      await admin.configMaps.get('x2', ns);
    });
  });
});
