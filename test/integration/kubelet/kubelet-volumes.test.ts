// The kubelet's configMap and secret volumes against a real apiserver and the real Docker Engine:
// files a container reads, a mounted ConfigMap following an update (the atomic writer's swap) while
// a subPath mount of the same key keeps its content, a pod whose ConfigMap is missing waiting in
// ContainerCreating with its FailedMount event until the ConfigMap is created, and a hostPath
// PersistentVolume mounted through its claim keeping what one pod wrote for the next.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { ConfigMap, PersistentVolume, PersistentVolumeClaim, Secret, type Pod } from '../../../lib/gen/kite/core/v1/types';
import { IMAGE_BUILD_TIMEOUT_MS, TEST_IMAGES } from '../../support/images';
import { readAll } from '../../support/streams';
import { uniqueName } from '../../support/names';
import { waitFor } from '../../support/wait';
import { containerStatus, kubeletFixture, type KubeletFixture } from './kubelet-fixture';

const BUSYBOX = TEST_IMAGES.busybox;

describe('kubelet volumes on Docker', function () {
  this.timeout(90_000);
  let fx: KubeletFixture;

  before(async function () {
    this.timeout(IMAGE_BUILD_TIMEOUT_MS);
    fx = await kubeletFixture('klv');
    await fx.startKubelet();
  });

  after(async () => {
    await fx?.cleanup();
  });

  /** The output of `cat path` in the pod's container "c". */
  async function cat(pod: Pod, path: string): Promise<string> {
    const id = containerStatus(pod, 'c')!.containerID.slice('docker://'.length);
    const session = await fx.runtime.exec(id, ['cat', path]);
    const [out] = await Promise.all([readAll(session.stdout), readAll(session.stderr), session.exitCode]);
    return out;
  }

  const running = (p: Pod) => containerStatus(p, 'c')?.state?.running !== undefined;

  it('mounts a ConfigMap and a Secret; the volume follows an update of the ConfigMap, a subPath mount of the same key does not', async () => {
    const cm = uniqueName('app');
    const secret = uniqueName('creds');
    await fx.client.configMaps.create(ConfigMap.fromPartial({ metadata: { name: cm, namespace: 'default' }, data: { 'app.conf': 'color=blue\n' } }));
    await fx.client.secrets.create(Secret.fromPartial({ metadata: { name: secret, namespace: 'default' }, data: { password: Buffer.from('s3cr3t') } }));
    await fx.createPod(
      'reader',
      [
        {
          name: 'c',
          image: BUSYBOX,
          command: ['sleep', '1000'],
          volumeMounts: [
            { name: 'config', mountPath: '/etc/app' },
            { name: 'config', mountPath: '/etc/pinned.conf', subPath: 'app.conf' },
            { name: 'creds', mountPath: '/etc/creds' },
          ],
        },
      ],
      {
        terminationGracePeriodSeconds: 0,
        volumes: [
          { name: 'config', configMap: { name: cm } },
          { name: 'creds', secret: { secretName: secret, items: [{ key: 'password', path: 'db/password', mode: 0o400 }] } },
        ],
      },
    );
    const pod = await fx.waitForPod('reader', 'running', running, 60_000);
    assert.equal(await cat(pod, '/etc/app/app.conf'), 'color=blue\n');
    assert.equal(await cat(pod, '/etc/pinned.conf'), 'color=blue\n');
    assert.equal(await cat(pod, '/etc/creds/db/password'), 's3cr3t');

    const current = await fx.client.configMaps.get(cm);
    await fx.client.configMaps.update({ ...current, data: { 'app.conf': 'color=green\n' } });
    await waitFor('the mounted ConfigMap to follow the update', async () => ((await cat(pod, '/etc/app/app.conf')) === 'color=green\n' ? true : undefined), 60_000, 250);
    assert.equal(await cat(pod, '/etc/pinned.conf'), 'color=blue\n', 'a subPath mount keeps the content it started with');
    await fx.client.pods.delete('reader', { namespace: 'default', gracePeriodSeconds: 0 });
  });

  it('holds a pod whose ConfigMap is missing in ContainerCreating with a FailedMount event, and starts it once the ConfigMap exists', async () => {
    const cm = uniqueName('late');
    await fx.createPod('waiter', [{ name: 'c', image: BUSYBOX, command: ['sleep', '1000'], volumeMounts: [{ name: 'cfg', mountPath: '/etc/late' }] }], {
      terminationGracePeriodSeconds: 0,
      volumes: [{ name: 'cfg', configMap: { name: cm } }],
    });
    const event = await waitFor('the FailedMount event', async () => (await fx.events('waiter')).find((e) => e.reason === 'FailedMount'), 30_000, 200);
    assert.equal(event.type, 'Warning');
    assert.equal(event.message, `MountVolume.SetUp failed for volume "cfg" : configmap "${cm}" not found`);
    const waiting = await fx.client.pods.get('waiter');
    assert.equal(waiting.status?.phase, 'Pending');
    assert.equal(containerStatus(waiting, 'c')?.state?.waiting?.reason, 'ContainerCreating');

    await fx.client.configMaps.create(ConfigMap.fromPartial({ metadata: { name: cm, namespace: 'default' }, data: { greeting: 'hello' } }));
    const pod = await fx.waitForPod('waiter', 'running once its ConfigMap exists', running, 60_000);
    assert.equal(await cat(pod, '/etc/late/greeting'), 'hello');
    await fx.client.pods.delete('waiter', { namespace: 'default', gracePeriodSeconds: 0 });
  });

  it('waits for a claim to be bound, then mounts its hostPath volume; a file one pod wrote is there for the next pod of the claim', async () => {
    const claimName = uniqueName('data');
    const pvName = uniqueName('pv');
    const path = join(fx.config.rootDir, 'local-path-provisioner', `${pvName}_default_${claimName}`);
    const claim = await fx.client.persistentVolumeClaims.create(
      PersistentVolumeClaim.fromPartial({ metadata: { name: claimName, namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '' } }),
    );
    const volumes = [{ name: 'data', persistentVolumeClaim: { claimName } }];
    await fx.createPod('writer', [{ name: 'c', image: BUSYBOX, command: ['sh', '-c', 'echo kept > /data/file'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }], {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      volumes,
    });
    const event = await waitFor('the FailedMount event', async () => (await fx.events('writer')).find((e) => e.reason === 'FailedMount'), 30_000, 200);
    assert.equal(event.message, `MountVolume.SetUp failed for volume "data" : error processing PVC default/${claimName}: PVC is not bound`);

    // What the provisioner and the PV controller do: a hostPath volume for the claim, the claim Bound to it.
    await fx.client.persistentVolumes.create(
      PersistentVolume.fromPartial({
        metadata: { name: pvName },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Delete',
          hostPath: { path, type: 'DirectoryOrCreate' },
          claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'default', name: claimName, uid: claim.metadata!.uid },
        },
      }),
    );
    const bound = await fx.client.persistentVolumeClaims.update({ ...claim, spec: { ...claim.spec!, volumeName: pvName } });
    await fx.client.persistentVolumeClaims.updateStatus({ ...bound, status: { ...bound.status!, phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } });
    await fx.waitForPod('writer', 'Succeeded', (p) => p.status?.phase === 'Succeeded', 60_000);
    await fx.client.pods.delete('writer', { namespace: 'default', gracePeriodSeconds: 0 });

    await fx.createPod('reader-2', [{ name: 'c', image: BUSYBOX, command: ['sleep', '1000'], volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }] }], {
      terminationGracePeriodSeconds: 0,
      volumes,
    });
    const pod = await fx.waitForPod('reader-2', 'running', running, 60_000);
    assert.equal(await cat(pod, '/data/file'), 'kept\n');
    const id = containerStatus(pod, 'c')!.containerID.slice('docker://'.length);
    const session = await fx.runtime.exec(id, ['touch', '/data/other']);
    const [, err, code] = await Promise.all([readAll(session.stdout), readAll(session.stderr), session.exitCode]);
    assert.notEqual(code, 0, 'a readOnly mount refuses writes');
    assert.match(err, /Read-only file system/);
    await fx.client.pods.delete('reader-2', { namespace: 'default', gracePeriodSeconds: 0 });
  });
});
