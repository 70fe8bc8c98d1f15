// The real kubectl and kitectl describing the same objects against one apiserver (kubectl over the
// HTTPS front door, kitectl over gRPC): a StorageClass with parameters, mount options and allowed
// topologies, a hostPath PersistentVolume bound by claimRef, a local PersistentVolume with node
// affinity, a claim used by a pod, a CronJob and a PodDisruptionBudget the disruption controller
// counts, over a Deployment's pod: `kitectl describe pv|pvc|storageclass|cronjob|pdb` prints what kubectl's describers print.
import { strict as assert } from 'node:assert';
import { waitFor } from '../../support/wait';
import { installedKubectl, startKubectlHarness, type KubectlHarness } from './kubectl-harness';

describe('kubectl and kitectl describe pv, pvc, storageclass, cronjob, pdb (HTTPS front door)', function () {
  this.timeout(120_000);
  let h: KubectlHarness;
  let sc: string;

  before(async function () {
    if (!installedKubectl()) this.skip();
    h = await startKubectlHarness();
    sc = `fast-${h.namespace}`;
  });
  after(async () => h?.stop());

  const ages = (s: string) => s.replace(/\b\d+[smhd]\b/g, 'N').replace(/ +/g, ' ');
  async function same(args: string[]): Promise<string> {
    const theirs = await h.ok(args);
    const mine = await h.kitectl(args);
    assert.equal(mine.err, '', `kitectl ${args.join(' ')}`);
    // Without events nothing ages: the outputs match to the space (the tab writer's alignment too).
    if (/\nEvents:\s+<none>\n$/.test(theirs) && !theirs.includes('\n\n')) assert.equal(mine.out, theirs, `kitectl ${args.join(' ')}`);
    else assert.equal(ages(mine.out), ages(theirs), `kitectl ${args.join(' ')}`);
    return theirs;
  }

  it('describes storage classes, volumes and claims as kubectl does', async () => {
    const ns = h.namespace;
    const objects = [
      {
        apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: sc, annotations: { team: 'storage' } },
        provisioner: 'kubernetes.io/no-provisioner', parameters: { type: 'ssd', zone: 'a' }, reclaimPolicy: 'Retain',
        volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true, mountOptions: ['ro', 'noatime'],
        allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: ['a', 'b'] }] }],
      },
      {
        apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `host-${ns}`, labels: { disk: 'host' } },
        spec: {
          capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], hostPath: { path: '/tmp/data', type: 'DirectoryOrCreate' },
          storageClassName: sc, claimRef: { namespace: ns, name: 'data' },
        },
      },
      {
        apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `local-${ns}` },
        spec: {
          capacity: { storage: '500Mi' }, accessModes: ['ReadWriteOncePod'], volumeMode: 'Filesystem', local: { path: '/mnt/disks/ssd1' },
          nodeAffinity: { required: { nodeSelectorTerms: [
            { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1', 'node-2'] }, { key: 'disk', operator: 'Exists' }] },
            { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['c'] }] },
          ] } },
        },
      },
      {
        apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: ns, labels: { app: 'db' } },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: sc, volumeName: `host-${ns}` },
      },
      {
        apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'spare', namespace: ns },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, storageClassName: sc },
      },
      {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db-0', namespace: ns, labels: { app: 'db' } },
        spec: { containers: [{ name: 'db', image: 'busybox' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] },
      },
    ];
    for (const o of objects) await h.ok(['create', '-f', '-'], { stdin: JSON.stringify(o) });

    const scOut = await same(['describe', 'storageclass', sc]);
    assert.match(scOut, /\nIsDefaultClass:\s+No\nAnnotations:\s+team=storage\nProvisioner:\s+kubernetes.io\/no-provisioner\nParameters:\s+type=ssd,zone=a\nAllowVolumeExpansion:\s+True\nMountOptions:\n\s+ro\n\s+noatime\nReclaimPolicy:\s+Retain\nVolumeBindingMode:\s+WaitForFirstConsumer\nAllowedTopologies:\s*\n\s+Term 0:\s+topology.kubernetes.io\/zone in \[a, b\]\n/);
    const hostPV = await same(['describe', 'pv', `host-${ns}`]);
    assert.match(hostPV, new RegExp(`\\nClaim:\\s+${ns}/data\\n`));
    assert.match(hostPV, /\nSource:\n\s+Type:\s+HostPath \(bare host directory volume\)\n\s+Path:\s+\/tmp\/data\n\s+HostPathType:\s+DirectoryOrCreate\n/);
    const localPV = await same(['describe', 'persistentvolume', `local-${ns}`]);
    assert.match(localPV, /\nNode Affinity:\s*\n\s+Required Terms:\s*\n\s+Term 0:\s+kubernetes.io\/hostname in \[node-1, node-2\]\n\s+disk exists\n\s+Term 1:\s+zone notin \[c\]\n/);
    assert.match(localPV, /\nAccess Modes:\s+RWOP\n/);
    const claim = await same(['describe', 'pvc', 'data']);
    assert.match(claim, /\nUsed By:\s+db-0\n/);
    assert.match(claim, /\nFinalizers:\s+\[kubernetes.io\/pvc-protection\]\n/);
    await same(['describe', 'pvc']);
    await same(['describe', 'pv', `host-${ns}`, `local-${ns}`]);
  });

  it('describes CronJobs and PodDisruptionBudgets as kubectl does', async () => {
    const cronJob = {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly', labels: { tier: 'batch' }, annotations: { owner: 'ops' } },
      spec: {
        schedule: '0 3 * * *', startingDeadlineSeconds: 200, concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 5,
        jobTemplate: { spec: { parallelism: 2, activeDeadlineSeconds: 60, template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox', command: ['date'] }] } } } },
      },
    };
    await h.ok(['create', '-f', '-'], { stdin: JSON.stringify(cronJob) });
    await h.ok(['create', 'cronjob', 'hello', '--image=busybox', '--schedule=*/5 * * * *']);
    const cj = await same(['describe', 'cronjob', 'nightly']);
    assert.match(cj, /\nSchedule:\s+0 3 \* \* \*\nConcurrency Policy:\s+Forbid\nSuspend:\s+False\nSuccessful Job History Limit:\s+5\nFailed Job History Limit:\s+1\nStarting Deadline Seconds:\s+200s\nSelector:\s+<unset>\nParallelism:\s+2\nCompletions:\s+<unset>\nActive Deadline Seconds:\s+60s\nPod Template:\n/);
    assert.match(cj, /\nLast Schedule Time:\s+<unset>\nActive Jobs:\s+<none>\nEvents:\s+<none>\n$/);
    await same(['describe', 'cj']);

    await h.ok(['create', 'poddisruptionbudget', 'web', '--selector=app=web', '--min-available=1']);
    await h.ok(['create', 'pdb', 'web-pct', '--selector=app=web', '--max-unavailable=50%']);
    await h.ok(['create', 'deployment', 'web', '--image=nginx']);
    await waitFor('both budgets counting the ready pod', async () => {
      const items = (await h.admin.podDisruptionBudgets.list({ namespace: h.namespace })).items;
      return items.length === 2 && items.every((b) => b.status?.currentHealthy === 1 && b.status.expectedPods === 1);
    }, 60_000);
    const pdb = await same(['describe', 'pdb', 'web']);
    assert.match(pdb, /^Name:\s+web\nNamespace:\s+\S+\nMin available:\s+1\nSelector:\s+app=web\nStatus:\n\s+Allowed disruptions:\s+0\n\s+Current:\s+1\n\s+Desired:\s+1\n\s+Total:\s+1\n/);
    assert.match(await same(['describe', 'pdb', 'web-pct']), /\nMax unavailable:\s+50%\n/);
  });
});
