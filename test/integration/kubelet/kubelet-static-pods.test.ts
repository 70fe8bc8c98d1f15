// Static pods on a real kubelet, apiserver and Docker Engine: a manifest in --pod-manifest-path
// starts a container and a mirror pod named <name>-<node> with Kubernetes' annotations, owned by
// the Node, showing the static pod's status; editing the file restarts the pod under a new hash;
// deleting the mirror pod brings a new one while the container keeps running; removing the file
// stops the container and deletes the mirror pod; and with the apiserver unreachable the kubelet
// still starts its static pods.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clientset } from '../../../lib/client/clientset';
import { NO_RETRY } from '../../../lib/client/retry';
import type { Pod } from '../../../lib/gen/kite/core/v1/types';
import { Kubelet } from '../../../services/kubelet/kubelet';
import { LABEL } from '../../../services/kubelet/runtime/labels';
import { IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { waitFor } from '../../support/wait';
import { condition, kubeletFixture, type KubeletFixture } from './kubelet-fixture';

function manifest(command: string): string {
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: static-web',
    '  labels: {tier: control-plane}',
    'spec:',
    '  hostNetwork: true',
    '  terminationGracePeriodSeconds: 1',
    '  containers:',
    '  - name: main',
    `    image: ${TEST_IMAGES.busybox}`,
    `    command: ["sh", "-c", "${command}"]`,
    '',
  ].join('\n');
}

describe('kubelet static pods on Docker', function () {
  this.timeout(90_000);
  let fx: KubeletFixture;
  let manifests: string;

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    manifests = mkdtempSync(join(tmpdir(), 'ksp-manifests-'));
    writeFileSync(join(manifests, '.hidden.yaml'), manifest('sleep 3600').replace('static-web', 'hidden'));
    writeFileSync(join(manifests, 'web.yaml'), manifest('sleep 3600'));
    // The periodic re-list is long: changes must be noticed through the directory watch.
    fx = await kubeletFixture('ksp', { staticPodPath: manifests, fileCheckFrequencyMs: 600_000 });
    await fx.startKubelet();
  });

  after(async () => {
    await fx?.cleanup();
    rmSync(manifests, { recursive: true, force: true });
  });

  const mirrorName = () => `static-web-${fx.node}`;

  /** The running app containers of the node's pods named `name`, as Docker has them. */
  async function running(name: string) {
    const list = await fx.docker.listContainers({ filters: { label: [`${LABEL.node}=${fx.node}`, `${LABEL.podName}=${name}`, `${LABEL.containerName}=main`] } });
    return list.map((c) => ({ id: c.Id, uid: c.Labels[LABEL.podUid] }));
  }

  function mirror(what: string, pred: (p: Pod) => boolean): Promise<Pod> {
    return waitFor(`mirror pod ${what}`, async () => {
      const p = await fx.client.pods.get(mirrorName()).catch(() => undefined);
      return p && pred(p) ? p : undefined;
    }, 30_000, 100);
  }

  it('runs the manifest and publishes a mirror pod with the static pod\'s annotations, owner and status', async () => {
    const [container] = await waitFor('the static pod\'s container', async () => ((await running(mirrorName())).length === 1 ? running(mirrorName()) : undefined), 30_000, 100);
    const pod = await mirror('Ready', (p) => condition(p, 'Ready') === 'True');
    const a = pod.metadata!.annotations;
    assert.equal(pod.metadata!.namespace, 'default');
    assert.equal(a['kubernetes.io/config.source'], 'file');
    assert.match(a['kubernetes.io/config.hash'], /^[0-9a-f]{32}$/);
    assert.equal(a['kubernetes.io/config.mirror'], a['kubernetes.io/config.hash']);
    assert.ok(!Number.isNaN(Date.parse(a['kubernetes.io/config.seen'])), 'config.seen is a time');
    // The static pod's uid is its hash; the mirror pod has the apiserver's own.
    assert.equal(container.uid, a['kubernetes.io/config.hash']);
    assert.notEqual(pod.metadata!.uid, container.uid);
    assert.equal(pod.spec!.nodeName, fx.node);
    assert.equal(pod.spec!.restartPolicy, 'Always');
    assert.equal(pod.metadata!.labels.tier, 'control-plane');
    const node = await fx.client.nodes.get(fx.node);
    assert.deepEqual(
      pod.metadata!.ownerReferences.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.name, uid: o.uid, controller: o.controller })),
      [{ apiVersion: 'v1', kind: 'Node', name: fx.node, uid: node.metadata!.uid, controller: true }],
    );
    assert.equal(pod.status!.containerStatuses[0]?.containerID, `docker://${container.id}`);
    assert.deepEqual(await running('hidden-' + fx.node), [], 'files starting with "." are skipped');
  });

  it('deleting the mirror pod brings a new one; the static pod keeps running', async () => {
    const [before] = await running(mirrorName());
    const old = await fx.client.pods.get(mirrorName());
    await fx.client.pods.delete(mirrorName());
    const fresh = await mirror('made again', (p) => p.metadata!.uid !== old.metadata!.uid && !p.metadata!.deletionTimestamp && condition(p, 'Ready') === 'True');
    assert.equal(fresh.metadata!.annotations['kubernetes.io/config.mirror'], old.metadata!.annotations['kubernetes.io/config.mirror']);
    assert.deepEqual(await running(mirrorName()), [before], 'the same container still runs');
  });

  it('editing the manifest restarts the pod under a new hash', async () => {
    const [before] = await running(mirrorName());
    writeFileSync(join(manifests, 'web.yaml'), manifest('sleep 3601'));
    const pod = await mirror('of the new hash', (p) => p.metadata!.annotations['kubernetes.io/config.hash'] !== before.uid && condition(p, 'Ready') === 'True');
    const hash = pod.metadata!.annotations['kubernetes.io/config.hash'];
    assert.equal(pod.metadata!.annotations['kubernetes.io/config.mirror'], hash);
    assert.deepEqual(pod.spec!.containers[0].command, ['sh', '-c', 'sleep 3601']);
    const after = await waitFor('only the new container running', async () => {
      const now = await running(mirrorName());
      return now.length === 1 && now[0].uid === hash ? now[0] : undefined;
    }, 30_000, 100);
    assert.notEqual(after.id, before.id);
  });

  it('removing the manifest stops the pod and deletes its mirror pod', async () => {
    unlinkSync(join(manifests, 'web.yaml'));
    await waitFor('the container stopped', async () => (await running(mirrorName())).length === 0, 30_000, 100);
    await waitFor('the mirror pod deleted', async () => fx.client.pods.get(mirrorName()).then(() => false, () => true), 30_000, 100);
  });
});

describe('kubelet static pods without an apiserver', function () {
  this.timeout(90_000);
  let fx: KubeletFixture;
  let manifests: string;
  let kubelet: Kubelet | undefined;
  let client: Clientset | undefined;

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    manifests = mkdtempSync(join(tmpdir(), 'ksp-down-manifests-'));
    writeFileSync(join(manifests, 'web.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'alone', namespace: 'kube-system' }, spec: { hostNetwork: true, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: TEST_IMAGES.busybox, command: ['sleep', '3600'] }] } }));
    fx = await kubeletFixture('kspd', { staticPodPath: manifests });
  });

  after(async () => {
    await kubelet?.stop();
    client?.close();
    await fx?.cleanup();
    rmSync(manifests, { recursive: true, force: true });
  });

  it('starts its static pods while the apiserver is unreachable', async () => {
    const address = fx.api.address;
    await fx.api.stop();
    client = new Clientset({ address, tls: false, namespace: 'default', source: 'test' }, { retry: NO_RETRY, timeoutMs: 2_000 });
    kubelet = new Kubelet(fx.config, { client, runtime: fx.runtime });
    // start() goes on retrying the registration; the static pod must not wait for it.
    void kubelet.start();
    const name = `alone-${fx.node}`;
    const list = await waitFor('the static pod\'s container running', async () => {
      const found = await fx.docker.listContainers({ filters: { label: [`${LABEL.node}=${fx.node}`, `${LABEL.podName}=${name}`, `${LABEL.podNamespace}=kube-system`, `${LABEL.containerName}=main`] } });
      return found.length === 1 ? found : undefined;
    }, 60_000, 200);
    assert.equal(list[0].State, 'running');
  });
});
