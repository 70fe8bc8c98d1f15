// The scheduler's VolumeBinding plugin against a real apiserver and hollow nodes: a pod whose
// claim is bound to a local volume with node affinity goes to that volume's node; a pod with a
// WaitForFirstConsumer claim of a provisioning class gets volume.kubernetes.io/selected-node set
// on its claim and is bound once the claim is (the test plays the provisioner and PV controller);
// a static Available volume is pre-bound to a WaitForFirstConsumer claim (claimRef) and the pod
// lands on its node; a missing claim leaves the pod unschedulable with Kubernetes' message.
import { strict as assert } from 'node:assert';
import { PersistentVolume, PersistentVolumeClaim, Pod } from '../../../lib/gen/kite/core/v1/types';
import { StorageClass } from '../../../lib/gen/kite/storage/v1/types';
import type { Clientset } from '../../../lib/client/clientset';
import { HollowNodes } from '../../../services/kubelet/hollow/hollow-nodes';
import { runScheduler } from '../../../services/scheduler/app';
import { startTestApiserver, type TestApiserver } from '../../support/apiserver';
import { waitFor } from '../../support/wait';

const HOSTNAME = 'kubernetes.io/hostname';

function localVolume(name: string, node: string, o: { class?: string; claim?: PersistentVolumeClaim } = {}): PersistentVolume {
  const m = o.claim?.metadata;
  return PersistentVolume.fromPartial({
    metadata: { name },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: o.class ?? '',
      local: { path: `/mnt/disks/${name}` },
      claimRef: m ? { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: m.namespace, name: m.name, uid: m.uid } : undefined,
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME, operator: 'In', values: [node] }] }] } },
    },
  });
}

function claim(name: string, o: { class?: string; volumeName?: string } = {}): PersistentVolumeClaim {
  return PersistentVolumeClaim.fromPartial({
    metadata: { name },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: o.class ?? '', volumeName: o.volumeName ?? '' },
  });
}

function podWithClaim(name: string, claimName: string): Pod {
  return Pod.fromPartial({
    metadata: { name },
    spec: {
      containers: [{ name: 'c', image: 'nginx:1.22', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
    },
  });
}

/** What the PV controller does once a volume is chosen for a claim: the claim's volumeName, bind-completed, Bound. */
async function completeBinding(c: Clientset, claimName: string, pvName: string): Promise<void> {
  const pvc = await c.persistentVolumeClaims.get(claimName);
  pvc.spec!.volumeName = pvName;
  pvc.metadata!.annotations['pv.kubernetes.io/bind-completed'] = 'yes';
  const updated = await c.persistentVolumeClaims.update(pvc);
  updated.status = { ...updated.status!, phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } };
  await c.persistentVolumeClaims.updateStatus(updated);
}

async function setAvailable(c: Clientset, name: string): Promise<void> {
  const pv = await c.persistentVolumes.get(name);
  pv.status = { ...pv.status!, phase: 'Available' };
  await c.persistentVolumes.updateStatus(pv);
}

describe('scheduler VolumeBinding with hollow nodes (against a real apiserver)', () => {
  let api: TestApiserver;
  let c: Clientset;
  const ac = new AbortController();
  const runs: Promise<void>[] = [];

  before(async () => {
    api = await startTestApiserver();
    c = api.client();
    const hollow = new HollowNodes(c, { count: 3, namePrefix: 'vb-', capacity: { cpu: '2', memory: '4Gi', pods: '110' } });
    runs.push(hollow.run(ac.signal));
    await waitFor('3 nodes', async () => (await c.nodes.list()).items.length === 3);
    runs.push(runScheduler(c, { event: () => undefined }, ac.signal, { initialBackoffMs: 100, maxBackoffMs: 500 }));
  });

  after(async () => {
    ac.abort();
    await Promise.all(runs);
    await api.stop();
  });

  it('schedules a pod whose claim is bound to a local volume onto the node the volume has affinity for', async () => {
    const pvc = await c.persistentVolumeClaims.create(claim('bound-data', { volumeName: 'pv-bound' }));
    await c.persistentVolumes.create(localVolume('pv-bound', 'vb-2', { claim: pvc }));
    for (let i = 0; i < 3; i++) await c.pods.create(podWithClaim(`bound-${i}`, 'bound-data'));
    for (let i = 0; i < 3; i++) await waitFor(`bound-${i} on vb-2`, async () => (await c.pods.get(`bound-${i}`)).spec!.nodeName === 'vb-2');
  });

  it('sets selected-node on a WaitForFirstConsumer claim to provision, and binds the pod once the claim is bound', async () => {
    await c.storageClasses.create(StorageClass.fromPartial({ metadata: { name: 'vb-wffc' }, provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' }));
    await c.persistentVolumeClaims.create(claim('wffc-data', { class: 'vb-wffc' }));
    await c.pods.create(podWithClaim('wffc', 'wffc-data'));
    const node = await waitFor('selected-node', async () => (await c.persistentVolumeClaims.get('wffc-data')).metadata!.annotations['volume.kubernetes.io/selected-node']);
    assert.match(node, /^vb-[012]$/);
    assert.equal((await c.pods.get('wffc')).spec!.nodeName, '', 'the pod waits for its claim');
    // The provisioner makes a volume on that node; the PV controller binds it.
    const pvc = await c.persistentVolumeClaims.get('wffc-data');
    await c.persistentVolumes.create(localVolume('pv-provisioned', node, { class: 'vb-wffc', claim: pvc }));
    await completeBinding(c, 'wffc-data', 'pv-provisioned');
    await waitFor('pod bound to the selected node', async () => (await c.pods.get('wffc')).spec!.nodeName === node);
  });

  it('pre-binds a static volume to a WaitForFirstConsumer claim and places the pod on its node', async () => {
    await c.storageClasses.create(StorageClass.fromPartial({ metadata: { name: 'vb-local' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' }));
    await c.persistentVolumes.create(localVolume('pv-static', 'vb-1', { class: 'vb-local' }));
    await setAvailable(c, 'pv-static');
    await c.persistentVolumeClaims.create(claim('static-data', { class: 'vb-local' }));
    await c.pods.create(podWithClaim('static', 'static-data'));
    const pv = await waitFor('claimRef on the volume', async () => {
      const v = await c.persistentVolumes.get('pv-static');
      return v.spec!.claimRef ? v : undefined;
    });
    assert.equal(`${pv.spec!.claimRef!.namespace}/${pv.spec!.claimRef!.name}`, 'default/static-data');
    assert.equal(pv.metadata!.annotations['pv.kubernetes.io/bound-by-controller'], 'yes');
    await completeBinding(c, 'static-data', 'pv-static');
    await waitFor('pod bound to vb-1', async () => (await c.pods.get('static')).spec!.nodeName === 'vb-1');
  });

  it("leaves a pod whose claim does not exist unschedulable with Kubernetes' message", async () => {
    await c.pods.create(podWithClaim('orphan', 'nowhere'));
    const cond = await waitFor('PodScheduled=False', async () => (await c.pods.get('orphan')).status!.conditions.find((k) => k.type === 'PodScheduled' && k.status === 'False'));
    assert.equal(cond.message, '0/3 nodes are available: persistentvolumeclaim "nowhere" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..');
  });
});
