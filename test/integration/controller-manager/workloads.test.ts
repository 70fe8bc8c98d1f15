import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import type { Clientset } from '../../../lib/client/clientset';
import { Deployment, ReplicaSet } from '../../../lib/gen/kite/apps/v1/types';
import { Namespace, Pod, Service } from '../../../lib/gen/kite/core/v1/types';
import { startControllerManager, type ControllerManager } from '../../../services/controller-manager/manager';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';
import { startFakeKubelet, type FakeKubelet } from './support/fake-kubelet';

const REVISION = 'deployment.kubernetes.io/revision';

describe('controller-manager workloads (against a real apiserver)', function () {
  this.timeout(60_000);
  let api: TestApiserver;
  let client: Clientset;
  let stop: AbortController;
  let cm: ControllerManager;
  let ns: string;
  let kubelet: FakeKubelet;

  before(async () => {
    api = await startTestApiserver();
    client = api.client();
    stop = new AbortController();
    cm = startControllerManager({
      clientset: api.client(),
      controllers: ['replicaset', 'deployment', 'endpoint', 'namespace', 'garbagecollector'],
      options: { namespace: { recheckMs: 200 } },
      signal: stop.signal,
    });
    assert.equal(await cm.synced, true);
  });

  after(async () => {
    stop?.abort();
    await cm?.done;
    await kubelet?.stopped;
    await api?.stop();
  });

  beforeEach(async () => {
    ns = `cm-${randomBytes(3).toString('hex')}`;
    await client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
    kubelet = startFakeKubelet(client, ns, stop.signal);
  });

  const template = (image: string) => ({
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image, ports: [{ name: 'http', containerPort: 8080 }] }] },
  });
  const podsOf = async (selector = 'app=web') => (await client.pods.list({ namespace: ns, labelSelector: selector })).items;
  const rssOf = async () => (await client.replicaSets.list({ namespace: ns })).items;

  it('a 3-replica Deployment creates a ReplicaSet and 3 pods, and becomes Available', async () => {
    await client.deployments.create(
      Deployment.fromPartial({ metadata: { name: 'web', namespace: ns }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template('nginx:1') } }),
    );
    const d = await waitFor('deployment available', async () => {
      const x = await client.deployments.get('web', ns);
      return x.status?.availableReplicas === 3 && x.status.conditions.some((c) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable') ? x : undefined;
    });
    const rss = await rssOf();
    assert.equal(rss.length, 1);
    const rs = rss[0];
    const hash = rs.metadata!.labels['pod-template-hash'];
    assert.equal(rs.metadata!.name, `web-${hash}`);
    assert.equal(rs.metadata!.annotations[REVISION], '1');
    assert.equal(rs.metadata!.ownerReferences[0].uid, d.metadata!.uid);
    const pods = await podsOf();
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.match(p.metadata!.name, new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
      assert.equal(p.metadata!.ownerReferences[0].uid, rs.metadata!.uid);
      assert.equal(p.metadata!.labels['pod-template-hash'], hash);
    }
    assert.deepEqual(
      d.status!.conditions.map((c) => `${c.type}=${c.status}`).sort(),
      ['Available=True', 'Progressing=True'],
    );
    assert.equal(d.status!.observedGeneration, d.metadata!.generation);
  });

  it('rolls an update within maxSurge/maxUnavailable, and rolls back to the old ReplicaSet', async () => {
    await client.deployments.create(
      Deployment.fromPartial({
        metadata: { name: 'web', namespace: ns },
        spec: {
          replicas: 4,
          selector: { matchLabels: { app: 'web' } },
          template: template('nginx:1'),
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
        },
      }),
    );
    await waitFor('first rollout', async () => (await client.deployments.get('web', ns)).status?.availableReplicas === 4);
    const [v1] = await rssOf();
    // Watch the rollout: never more than 4+1 pods, never fewer than 4-1 ready.
    let maxPods = 0;
    let minReady = Infinity;
    const observing = new AbortController();
    const observer = (async () => {
      while (!observing.signal.aborted) {
        const live = (await podsOf()).filter((p) => !p.metadata!.deletionTimestamp);
        maxPods = Math.max(maxPods, live.length);
        minReady = Math.min(minReady, live.filter((p) => p.status!.conditions.some((c) => c.type === 'Ready' && c.status === 'True')).length);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const d = await client.deployments.get('web', ns);
    d.spec!.template = { ...d.spec!.template!, spec: { ...d.spec!.template!.spec!, containers: [{ ...d.spec!.template!.spec!.containers[0], image: 'nginx:2' }] } };
    await client.deployments.update(d);
    await waitFor('rollout to nginx:2', async () => {
      const x = await client.deployments.get('web', ns);
      const pods = await podsOf();
      return x.status?.updatedReplicas === 4 && x.status.availableReplicas === 4 && x.status.replicas === 4 && pods.length === 4 && pods.every((p) => p.spec!.containers[0].image === 'nginx:2');
    });
    observing.abort();
    await observer;
    assert.ok(maxPods <= 5, `at most 5 pods at once, saw ${maxPods}`);
    assert.ok(minReady >= 3, `at least 3 ready at all times, saw ${minReady}`);
    const rss = await rssOf();
    assert.equal(rss.length, 2);
    const v2 = rss.find((r) => r.metadata!.uid !== v1.metadata!.uid)!;
    assert.equal(v2.metadata!.annotations[REVISION], '2');
    assert.equal((await client.replicaSets.get(v1.metadata!.name, ns)).spec!.replicas, 0);

    // kitectl rollout undo: the old ReplicaSet's template goes back into the Deployment.
    const cur = await client.deployments.get('web', ns);
    const old = await client.replicaSets.get(v1.metadata!.name, ns);
    const back = structuredClone(old.spec!.template!);
    delete back.metadata!.labels['pod-template-hash'];
    cur.spec!.template = back;
    await client.deployments.update(cur);
    await waitFor('rolled back', async () => {
      const r = await client.replicaSets.get(v1.metadata!.name, ns);
      return r.spec!.replicas === 4 && r.metadata!.annotations[REVISION] === '3' && r.status!.availableReplicas === 4;
    });
    assert.equal((await rssOf()).length, 2, 'no third ReplicaSet');
    const reused = await client.replicaSets.get(v1.metadata!.name, ns);
    assert.equal(reused.metadata!.annotations['deployment.kubernetes.io/revision-history'], '1');
    await waitFor('deployment revision 3', async () => (await client.deployments.get('web', ns)).metadata!.annotations[REVISION] === '3');
  });

  it('adopts a matching orphan, and replaces a deleted pod', async () => {
    await client.pods.create(Pod.fromPartial({ metadata: { name: 'stray', namespace: ns, labels: { app: 'web' } }, spec: template('nginx:1').spec }));
    const rs = await client.replicaSets.create(
      ReplicaSet.fromPartial({ metadata: { name: 'rs', namespace: ns }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template('nginx:1') } }),
    );
    await waitFor('stray adopted', async () => {
      const p = await client.pods.get('stray', ns);
      return p.metadata!.ownerReferences.some((r) => r.uid === rs.metadata!.uid && r.controller);
    });
    const pods = await waitFor('2 ready replicas', async () => ((await client.replicaSets.get('rs', ns)).status?.readyReplicas === 2 ? podsOf() : undefined));
    assert.equal(pods.length, 2, 'the orphan counted: one pod created, not two');
    await client.pods.delete('stray', { namespace: ns });
    await waitFor('replacement', async () => {
      const now = await podsOf();
      return now.length === 2 && !now.some((p) => p.metadata!.name === 'stray');
    });
  });

  describe('garbage collection', () => {
    async function rsWithPods(name: string): Promise<ReplicaSet> {
      const rs = await client.replicaSets.create(
        ReplicaSet.fromPartial({
          metadata: { name, namespace: ns },
          spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { ...template('nginx:1'), metadata: { labels: { app: name } } } },
        }),
      );
      await waitFor(`pods of ${name}`, async () => (await podsOf(`app=${name}`)).length === 2);
      return rs;
    }

    it('deletes the pods of a deleted ReplicaSet (background)', async () => {
      await rsWithPods('bg');
      await client.replicaSets.delete('bg', { namespace: ns });
      await waitFor('pods collected', async () => (await podsOf('app=bg')).length === 0);
    });

    it('foreground: the ReplicaSet stays until its pods are gone', async () => {
      await rsWithPods('fg');
      // Kubernetes answers a foreground delete with the object, now terminating and held by the finalizer.
      const deleting = await client.replicaSets.delete('fg', { namespace: ns, propagationPolicy: 'Foreground' });
      assert.ok(deleting.metadata!.deletionTimestamp);
      assert.ok(deleting.metadata!.finalizers.includes('foregroundDeletion'));
      await waitFor('pods and ReplicaSet gone', async () => {
        const pods = await podsOf('app=fg');
        const rs = await client.replicaSets.get('fg', ns).catch(() => undefined);
        return pods.length === 0 && !rs;
      });
    });

    it('orphan: the pods stay, without the reference', async () => {
      const rs = await rsWithPods('or');
      await client.replicaSets.delete('or', { namespace: ns, propagationPolicy: 'Orphan' });
      await waitFor('ReplicaSet gone', async () => !(await client.replicaSets.get('or', ns).catch(() => undefined)));
      const pods = await podsOf('app=or');
      assert.equal(pods.length, 2);
      for (const p of pods) assert.ok(!p.metadata!.ownerReferences.some((r) => r.uid === rs.metadata!.uid));
    });

    it('deleting a Deployment takes its ReplicaSets and pods along', async () => {
      await client.deployments.create(
        Deployment.fromPartial({ metadata: { name: 'gone', namespace: ns }, spec: { replicas: 2, selector: { matchLabels: { app: 'gone' } }, template: { ...template('nginx:1'), metadata: { labels: { app: 'gone' } } } } }),
      );
      await waitFor('2 pods', async () => (await podsOf('app=gone')).length === 2);
      await client.deployments.delete('gone', { namespace: ns });
      await waitFor('all collected', async () => (await rssOf()).length === 0 && (await podsOf('app=gone')).length === 0);
    });
  });

  it('deleting a namespace removes its contents, then the namespace', async () => {
    await client.deployments.create(
      Deployment.fromPartial({ metadata: { name: 'web', namespace: ns }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template('nginx:1') } }),
    );
    await client.services.create(Service.fromPartial({ metadata: { name: 'web', namespace: ns }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } }));
    await waitFor('2 pods', async () => (await podsOf()).length === 2);
    await client.namespaces.delete(ns);
    assert.equal((await client.namespaces.get(ns)).status!.phase, 'Terminating');
    await waitFor('namespace emptied', async () => {
      for (const r of [client.pods, client.replicaSets, client.deployments, client.services, client.endpoints]) {
        if ((await r.list({ namespace: ns })).items.length > 0) return false;
      }
      return true;
    });
    await waitFor('namespace gone', async () => !(await client.namespaces.get(ns).catch(() => undefined)), 10_000);
  });

  it('Endpoints follow pod readiness, with named target ports resolved', async () => {
    await client.services.create(
      Service.fromPartial({ metadata: { name: 'web', namespace: ns }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } }),
    );
    await client.replicaSets.create(
      ReplicaSet.fromPartial({ metadata: { name: 'rs', namespace: ns }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template('nginx:1') } }),
    );
    const endpoints = async () => (await client.endpoints.get('web', ns).catch(() => undefined))?.subsets ?? [];
    const ready = await waitFor('2 ready addresses', async () => {
      const s = await endpoints();
      return s.length === 1 && s[0].addresses.length === 2 ? s[0] : undefined;
    });
    assert.deepEqual(ready.ports.map((p) => `${p.name}:${p.port}/${p.protocol}`), ['http:8080/TCP']);
    const pods = await podsOf();
    const byIP = new Map(pods.map((p) => [p.status!.podIP, p.metadata!.name]));
    assert.deepEqual(ready.addresses.map((a) => byIP.get(a.ip)).sort(), pods.map((p) => p.metadata!.name).sort());
    assert.ok(ready.addresses.every((a) => a.targetRef?.kind === 'Pod'));

    await kubelet.setReady(pods[0], false);
    await waitFor('one not ready', async () => {
      const s = await endpoints();
      return s.length === 1 && s[0].addresses.length === 1 && s[0].notReadyAddresses.length === 1 && s[0].notReadyAddresses[0].ip === pods[0].status!.podIP;
    });
    await client.services.delete('web', { namespace: ns });
    await waitFor('Endpoints removed with the Service', async () => !(await client.endpoints.get('web', ns).catch(() => undefined)));
  });
});
