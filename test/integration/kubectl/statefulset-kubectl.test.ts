// The real kubectl on StatefulSets against a dev apiserver with the StatefulSet controller (a
// stand-in kubelet makes the pods Running and Ready): `apply` with Kubernetes' defaults read back,
// `get statefulsets` from the server's Table and kitectl printing the same columns, `scale
// statefulset` through the scale subresource (kubectl and kitectl), `describe statefulset` printed
// by kitectl as kubectl prints it, `rollout status|history|undo` reading the controller's status
// and ControllerRevisions (the undo reuses the first revision), and an update outside the mutable
// fields refused with Kubernetes' message.
import { strict as assert } from 'node:assert';
import { waitFor } from '../../support/wait';
import { installedKubectl, startKubectlHarness, type KubectlHarness } from './kubectl-harness';

describe('kubectl apply, get, scale, describe statefulset (HTTPS front door)', function () {
  this.timeout(120_000);
  let h: KubectlHarness;

  before(async function () {
    if (!installedKubectl()) this.skip();
    h = await startKubectlHarness();
  });
  after(async () => h?.stop());

  const manifest = (serviceName: string) =>
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web' },
      spec: {
        serviceName,
        replicas: 2,
        selector: { matchLabels: { app: 'nginx' } },
        template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });
  const ready = (n: number) =>
    waitFor(`${n} ready`, async () => {
      const s = await h.admin.statefulSets.get('web', h.namespace);
      return s.status?.readyReplicas === n && s.status.replicas === n ? s : undefined;
    }, 60_000);

  it('runs a StatefulSet as kubectl sees it', async () => {
    assert.equal(await h.ok(['apply', '-f', '-'], { stdin: manifest('nginx') }), 'statefulset.apps/web created\n');
    await ready(2);
    const set = JSON.parse(await h.ok(['get', 'statefulset', 'web', '-o', 'json']));
    assert.equal(set.spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(set.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(set.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(set.spec.revisionHistoryLimit, 10);
    assert.equal(set.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
    assert.equal(set.spec.volumeClaimTemplates[0].status.phase, 'Pending');
    assert.match(set.status.currentRevision, /^web-[0-9a-z]+$/);

    // kubectl's status viewer reads the controller's status and revisions.
    // (RollingUpdate with the defaulted partition 0: kubectl's partitioned message, as on a real cluster.)
    assert.equal(await h.ok(['rollout', 'status', 'statefulset/web', '--timeout=30s']), 'partitioned roll out complete: 2 new pods have been updated...\n');
    assert.match(await h.ok(['rollout', 'history', 'statefulset/web']), /^statefulset.apps\/web \nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n\n$/);

    const table = await h.ok(['get', 'statefulsets', '-o', 'wide']);
    assert.match(table, /^NAME\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\nweb\s+2\/2\s+\d+s\s+nginx\s+nginx:1.25\n$/);
    const cells = (s: string) => s.split('\n').map((l) => l.split(/\s{2,}/).filter((c) => !/^\d+s$/.test(c)));
    assert.deepEqual(cells((await h.kitectl(['get', 'statefulsets', '-o', 'wide'])).out), cells(table));
    const pods = await h.ok(['get', 'pods', '-l', 'app=nginx', '-o', 'custom-columns=NAME:.metadata.name,HOST:.spec.hostname,SUB:.spec.subdomain,CLAIM:.spec.volumes[0].persistentVolumeClaim.claimName']);
    assert.deepEqual(pods.trim().split('\n').map((l) => l.split(/\s+/)), [['NAME', 'HOST', 'SUB', 'CLAIM'], ['web-0', 'web-0', 'nginx', 'www-web-0'], ['web-1', 'web-1', 'nginx', 'www-web-1']]);

    assert.equal(await h.ok(['scale', 'statefulset', 'web', '--replicas', '3']), 'statefulset.apps/web scaled\n');
    await ready(3);
    assert.equal((await h.kitectl(['scale', 'statefulset/web', '--replicas', '2'])).out, 'statefulset.apps/web scaled\n');
    await ready(2);
    // The scale-down's event written, nothing else changes between the two describes.
    await waitFor('the SuccessfulDelete event', async () =>
      (await h.admin.events.list({ namespace: h.namespace })).items.some((e) => e.reason === 'SuccessfulDelete' && e.message === 'delete Pod web-2 in StatefulSet web successful'), 60_000);

    // describe statefulset: kitectl prints kubectl's describeStatefulSet (ages aside).
    const ages = (s: string) => s.replace(/\b\d+s\b/g, 'Ns').replace(/ +/g, ' ');
    const described = await h.ok(['describe', 'statefulset', 'web']);
    assert.match(described, /\nReplicas:\s+2 desired \| 2 total\n/);
    assert.match(described, /\nVolume Claims:\n\s+Name:\s+www\n/);
    assert.equal(ages((await h.kitectl(['describe', 'statefulset', 'web'])).out), ages(described));

    // A rolling update and its undo: the rollback reuses revision 1's ControllerRevision as revision 3.
    assert.equal(await h.ok(['set', 'image', 'statefulset/web', 'nginx=nginx:1.26']), 'statefulset.apps/web image updated\n');
    assert.match(await h.ok(['rollout', 'status', 'statefulset/web', '--timeout=60s']), /partitioned roll out complete: 2 new pods have been updated...\n$/);
    const images = async () => (await h.admin.pods.list({ namespace: h.namespace, labelSelector: 'app=nginx' })).items.map((p) => p.spec!.containers[0].image).sort();
    await waitFor('both pods at nginx:1.26', async () => (await images()).every((i) => i === 'nginx:1.26') && (await images()).length === 2, 60_000);
    assert.match(await h.ok(['rollout', 'history', 'statefulset/web']), /\n1\s+<none>\n2\s+<none>\n\n$/);
    assert.equal(await h.ok(['rollout', 'undo', 'statefulset/web']), 'statefulset.apps/web rolled back\n');
    await waitFor('both pods back at nginx:1.25', async () => (await images()).every((i) => i === 'nginx:1.25') && (await images()).length === 2, 60_000);
    await waitFor('the rollout finished', async () => {
      const s = await h.admin.statefulSets.get('web', h.namespace);
      return s.status?.updatedReplicas === 2 && s.status.readyReplicas === 2 && s.status.currentRevision === s.status.updateRevision ? s : undefined;
    }, 60_000);
    const revisions = (await h.admin.controllerRevisions.list({ namespace: h.namespace })).items.map((r) => [r.metadata!.name, r.revision]);
    assert.equal(revisions.length, 2);
    assert.deepEqual(revisions.find(([name]) => name === set.status.currentRevision), [set.status.currentRevision, 3]);

    const refused = await h.kubectl(['apply', '-f', '-'], { stdin: manifest('other') });
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.err,
      /spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden/,
    );
  });
});
