// The StatefulSet controller against a real apiserver and hollow nodes (the pod template names
// the node, so no scheduler runs; hollow kubelets run the pods to Running and Ready and finish
// their deletion): OrderedReady creation and scale-down order as a watch sees them, Parallel,
// a partitioned rolling update, the claims of each ordinal kept when its pod is deleted, and the
// scale subresource.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { Pods } from '../../../lib/api/kinds';
import type { Clientset } from '../../../lib/client/clientset';
import { StatefulSet } from '../../../lib/gen/kite/apps/v1/types';
import { Namespace, PersistentVolumeClaim, type Pod } from '../../../lib/gen/kite/core/v1/types';
import { InformerFactory } from '../../../lib/informer';
import { isPodReady } from '../../../lib/api/pods';
import { startControllerManager, type ControllerManager } from '../../../services/controller-manager/manager';
import { HollowNodes } from '../../../services/kubelet/hollow/hollow-nodes';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';

const NODE = 'sts-node-0';

describe('StatefulSet controller (against a real apiserver and hollow nodes)', function () {
  this.timeout(60_000);
  let api: TestApiserver;
  let client: Clientset;
  const stop = new AbortController();
  let cm: ControllerManager;
  let nodes: Promise<void>;
  let ns: string;
  let watching: AbortController;
  /** What a watch of the namespace's pods saw, in order: "added web-0", "ready web-0", "terminating web-2", "deleted web-2". */
  let seen: string[];

  before(async () => {
    api = await startTestApiserver();
    client = api.client();
    nodes = new HollowNodes(api.client(), { count: 1, namePrefix: 'sts-node-', leaseRenewIntervalMs: 500 }).run(stop.signal);
    await waitFor('the node', async () => (await client.nodes.list()).items.length === 1);
    cm = startControllerManager({
      clientset: api.client(),
      controllers: ['statefulset', 'garbagecollector', 'pvc-protection'],
      options: { statefulset: { resyncPeriodMs: 300 } },
      signal: stop.signal,
    });
    assert.equal(await cm.synced, true);
  });

  after(async () => {
    watching?.abort();
    stop.abort();
    await cm?.done;
    await nodes;
    await api?.stop();
  });

  beforeEach(async () => {
    ns = `sts-${randomBytes(3).toString('hex')}`;
    await client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
    seen = [];
    watching = new AbortController();
    const factory = new InformerFactory((kind, scope) => client.resource(kind).listerWatcher(scope));
    const ready = new Set<string>();
    const observe = (p: Pod) => {
      const name = p.metadata!.name;
      if (isPodReady(p) && !ready.has(p.metadata!.uid)) {
        ready.add(p.metadata!.uid);
        seen.push(`ready ${name}`);
      }
    };
    factory.forKind(Pods, { namespace: ns }).addEventHandler({
      onAdd: (p) => {
        seen.push(`added ${p.metadata!.name}`);
        observe(p);
      },
      onUpdate: (old, p) => {
        if (!old.metadata!.deletionTimestamp && p.metadata!.deletionTimestamp) seen.push(`terminating ${p.metadata!.name}`);
        observe(p);
      },
      onDelete: (p) => seen.push(`deleted ${p.metadata!.name}`),
    });
    factory.start(watching.signal);
    await factory.waitForCacheSync(watching.signal);
  });

  afterEach(() => watching.abort());

  const createSet = (spec: Record<string, unknown>) =>
    client.statefulSets.create(
      StatefulSet.fromPartial({
        metadata: { name: 'web', namespace: ns },
        spec: {
          serviceName: 'nginx',
          selector: { matchLabels: { app: 'nginx' } },
          template: { metadata: { labels: { app: 'nginx' } }, spec: { nodeName: NODE, containers: [{ name: 'nginx', image: 'nginx:1' }] } },
          ...spec,
        },
      } as unknown as Parameters<typeof StatefulSet.fromPartial>[0]),
    );
  const podsByName = async () => new Map((await client.pods.list({ namespace: ns })).items.map((p) => [p.metadata!.name, p]));
  const waitStatus = (what: string, ok: (s: NonNullable<StatefulSet['status']>) => boolean) =>
    waitFor(what, async () => {
      const set = await client.statefulSets.get('web', ns);
      return set.status && set.status.observedGeneration === set.metadata!.generation && ok(set.status) ? set : undefined;
    }, 30_000);
  const setReplicas = async (replicas: number) => {
    const set = await client.statefulSets.get('web', ns);
    set.spec!.replicas = replicas;
    await client.statefulSets.update(set);
  };

  it('OrderedReady: creates web-0, web-1, web-2 each after the one before is ready, and scales down from the highest ordinal', async () => {
    await createSet({ replicas: 3 });
    const set = await waitStatus('3 ready', (s) => s.readyReplicas === 3 && s.replicas === 3);
    assert.equal(set.status!.currentRevision, set.status!.updateRevision);
    assert.equal(set.status!.currentReplicas, 3);
    await waitFor('the watch saw web-2 ready', async () => seen.includes('ready web-2'));
    assert.deepEqual(seen, ['added web-0', 'ready web-0', 'added web-1', 'ready web-1', 'added web-2', 'ready web-2']);
    const pods = await podsByName();
    for (const [name, p] of pods) {
      assert.equal(p.spec!.hostname, name);
      assert.equal(p.spec!.subdomain, 'nginx');
      assert.equal(p.metadata!.labels['statefulset.kubernetes.io/pod-name'], name);
      assert.equal(p.metadata!.labels['apps.kubernetes.io/pod-index'], name.slice('web-'.length));
      assert.equal(p.metadata!.labels['controller-revision-hash'], set.status!.updateRevision);
    }
    const created = async () => (await client.events.list({ namespace: ns })).items.filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message).sort();
    await waitFor('3 SuccessfulCreate events', async () => (await created()).length === 3);
    assert.deepEqual(await created(), ['create Pod web-0 in StatefulSet web successful', 'create Pod web-1 in StatefulSet web successful', 'create Pod web-2 in StatefulSet web successful']);

    seen.length = 0;
    await setReplicas(1);
    await waitStatus('1 replica', (s) => s.replicas === 1 && s.readyReplicas === 1);
    await waitFor('web-1 gone', async () => seen.includes('deleted web-1'));
    assert.deepEqual(seen.filter((s) => !s.startsWith('ready')), ['terminating web-2', 'deleted web-2', 'terminating web-1', 'deleted web-1']);
    assert.deepEqual([...(await podsByName()).keys()], ['web-0']);
  });

  it('Parallel: creates every pod without waiting for any to run', async () => {
    // Bound to a node that does not exist, the pods stay Pending.
    const nowhere = { metadata: { labels: { app: 'nginx' } }, spec: { nodeName: 'nowhere', containers: [{ name: 'nginx', image: 'nginx:1' }] } };
    await createSet({ replicas: 3, podManagementPolicy: 'Parallel', template: nowhere });
    await waitStatus('3 pods', (s) => s.replicas === 3);
    const pods = await podsByName();
    assert.deepEqual([...pods.keys()].sort(), ['web-0', 'web-1', 'web-2']);
    assert.ok([...pods.values()].every((p) => p.status!.phase === 'Pending'));
  });

  it('a partitioned rolling update replaces pods from the highest ordinal down to the partition', async () => {
    await createSet({ replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } });
    const v1 = await waitStatus('3 ready', (s) => s.readyReplicas === 3 && s.currentReplicas === 3);
    const oldRevision = v1.status!.currentRevision;
    const set = await client.statefulSets.get('web', ns);
    set.spec!.template!.spec!.containers[0].image = 'nginx:2';
    await client.statefulSets.update(set);
    const rolled = await waitStatus('2 updated', (s) => s.updatedReplicas === 2 && s.readyReplicas === 3 && s.updateRevision !== oldRevision);
    assert.equal(rolled.status!.currentRevision, oldRevision);
    assert.equal(rolled.status!.currentReplicas, 1);
    const pods = await podsByName();
    assert.equal(pods.get('web-0')!.spec!.containers[0].image, 'nginx:1');
    assert.equal(pods.get('web-1')!.spec!.containers[0].image, 'nginx:2');
    assert.equal(pods.get('web-2')!.spec!.containers[0].image, 'nginx:2');
    await waitFor('the watch saw web-1 replaced', async () => seen.includes('terminating web-1'));
    assert.ok(seen.indexOf('terminating web-2') < seen.indexOf('terminating web-1'));
    assert.ok(!seen.includes('terminating web-0'));
    const revisions = (await client.controllerRevisions.list({ namespace: ns })).items.map((r) => [r.metadata!.name, r.revision]).sort();
    assert.deepEqual(revisions, [[oldRevision, 1], [rolled.status!.updateRevision, 2]].sort());

    // Partition 0: web-0 follows and the update revision becomes current.
    const cur = await client.statefulSets.get('web', ns);
    cur.spec!.updateStrategy!.rollingUpdate!.partition = 0;
    await client.statefulSets.update(cur);
    const done = await waitStatus('all updated', (s) => s.updatedReplicas === 3 && s.readyReplicas === 3 && s.currentRevision === s.updateRevision);
    assert.equal(done.status!.currentReplicas, 3);
    assert.equal((await podsByName()).get('web-0')!.spec!.containers[0].image, 'nginx:2');
  });

  it('makes a claim per template and ordinal before the pod, and keeps it when the pod is deleted', async () => {
    await createSet({
      replicas: 2,
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    });
    await waitStatus('2 ready', (s) => s.readyReplicas === 2);
    const claims = async () => new Map((await client.persistentVolumeClaims.list({ namespace: ns })).items.map((c) => [c.metadata!.name, c]));
    const before = await claims();
    assert.deepEqual([...before.keys()].sort(), ['www-web-0', 'www-web-1']);
    assert.equal(before.get('www-web-0')!.metadata!.labels.app, 'nginx');
    const web0 = (await podsByName()).get('web-0')!;
    assert.deepEqual(web0.spec!.volumes.map((v) => [v.name, v.persistentVolumeClaim?.claimName]), [['www', 'www-web-0']]);

    await client.pods.delete('web-0', { namespace: ns });
    const again = await waitFor('web-0 made again', async () => {
      const p = (await podsByName()).get('web-0');
      return p && p.metadata!.uid !== web0.metadata!.uid && isPodReady(p) ? p : undefined;
    });
    assert.equal(again.spec!.volumes[0].persistentVolumeClaim?.claimName, 'www-web-0');
    const after = await claims();
    assert.equal(after.get('www-web-0')!.metadata!.uid, before.get('www-web-0')!.metadata!.uid);
    assert.equal(after.size, 2);
  });

  it('a failed pod is deleted and made again under its name', async () => {
    await createSet({ replicas: 1 });
    await waitStatus('1 ready', (s) => s.readyReplicas === 1);
    const web0 = (await podsByName()).get('web-0')!;
    web0.status = { ...web0.status!, phase: 'Failed', conditions: [] };
    await client.pods.updateStatus(web0);
    await waitFor('web-0 made again', async () => {
      const p = (await podsByName()).get('web-0');
      return p && p.metadata!.uid !== web0.metadata!.uid && isPodReady(p) ? p : undefined;
    });
    const deleted = await waitFor('the SuccessfulDelete event', async () =>
      (await client.events.list({ namespace: ns })).items.find((e) => e.reason === 'SuccessfulDelete'));
    assert.equal(deleted.message, 'delete Pod web-0 in StatefulSet web successful');
  });

  it('whenScaled Delete: the claim of a scaled-down ordinal goes with its pod; whenDeleted Retain keeps the others', async () => {
    await createSet({
      replicas: 2,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    });
    await waitStatus('2 ready', (s) => s.readyReplicas === 2);
    await setReplicas(1);
    // Owned by its pod, the claim is collected once the pod is gone (or waits on its protection finalizer).
    const claim = await waitFor('data-web-1 deleted', async () => {
      const c = (await client.persistentVolumeClaims.list({ namespace: ns })).items.find((x) => x.metadata!.name === 'data-web-1');
      return !c ? 'gone' : c.metadata!.deletionTimestamp ? 'terminating' : undefined;
    });
    assert.ok(claim);
    const kept = await client.persistentVolumeClaims.get('data-web-0', ns);
    assert.deepEqual(kept.metadata!.ownerReferences, []);
  });

  it('whenScaled Delete: a claim left owned by an earlier pod of the name holds the pod until it is collected, which the resync notices', async () => {
    const stale = { apiVersion: 'v1', kind: 'Pod', name: 'web-0', uid: 'an-earlier-web-0' };
    await client.persistentVolumeClaims.create(PersistentVolumeClaim.fromPartial({
      metadata: { name: 'data-web-0', namespace: ns, labels: { app: 'nginx' }, ownerReferences: [stale], finalizers: ['example.com/hold'] },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    }));
    const old = await client.persistentVolumeClaims.get('data-web-0', ns);
    await createSet({
      replicas: 1,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    });
    // The garbage collector deletes the claim of the gone pod; the test's finalizer holds it until
    // the controller has synced and is waiting for it. Its going is no event to the controller.
    await waitStatus('synced, no pod', (s) => s.replicas === 0 && !!s.updateRevision);
    const held = await waitFor('the stale claim deleted', async () => {
      const c = await client.persistentVolumeClaims.get('data-web-0', ns);
      return c.metadata!.deletionTimestamp ? c : undefined;
    });
    assert.deepEqual((await podsByName()).size, 0);
    await client.persistentVolumeClaims.update(Object.assign(held, { metadata: { ...held.metadata!, finalizers: held.metadata!.finalizers.filter((f) => f !== 'example.com/hold') } }));
    await waitStatus('1 ready', (s) => s.readyReplicas === 1);
    const claim = await client.persistentVolumeClaims.get('data-web-0', ns);
    assert.notEqual(claim.metadata!.uid, old.metadata!.uid);
    assert.deepEqual(claim.metadata!.ownerReferences, []);
  });

  it('scales through the scale subresource, whose status carries the selector', async () => {
    await createSet({ replicas: 1 });
    await waitStatus('1 ready', (s) => s.readyReplicas === 1);
    const scale = await client.statefulSets.getScale('web', ns);
    assert.deepEqual([scale.spec?.replicas, scale.status?.replicas, scale.status?.selector], [1, 1, 'app=nginx']);
    await client.statefulSets.updateScale('web', 2, ns);
    await waitStatus('2 ready', (s) => s.readyReplicas === 2);
    assert.deepEqual([...(await podsByName()).keys()].sort(), ['web-0', 'web-1']);
  });
});
