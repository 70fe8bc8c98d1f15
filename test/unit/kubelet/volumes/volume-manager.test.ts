import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigMap, Container, PersistentVolume, PersistentVolumeClaim, Pod, type Volume } from '../../../../lib/gen/kite/core/v1/types';
import { RuntimeError } from '../../../../services/kubelet/runtime/errors';
import { expandSubPathExpr } from '../../../../services/kubelet/volumes/subpath';
import { VolumeManager } from '../../../../services/kubelet/volumes/volume-manager';

describe('kubelet/volumes VolumeManager', () => {
  let root: string;
  let configMaps: Map<string, ConfigMap>;
  let manager: VolumeManager;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kite-volumes-'));
    configMaps = new Map();
    manager = new VolumeManager({
      rootDir: root,
      objects: { getConfigMap: async (ns, name) => configMaps.get(`${ns}/${name}`), getSecret: async () => undefined },
      nodeAllocatable: () => ({}),
    });
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  function podWith(volumes: Volume[]): Pod {
    return Pod.fromPartial({ metadata: { uid: 'uid-1', name: 'p', namespace: 'default' }, spec: { volumes } });
  }

  function mounting(...mounts: Array<{ name: string; mountPath: string; readOnly?: boolean; subPath?: string; subPathExpr?: string }>): Container {
    return Container.fromPartial({ name: 'c', volumeMounts: mounts });
  }

  const setConfigMap = (data: Record<string, string>) => configMaps.set('default/app', ConfigMap.fromPartial({ metadata: { name: 'app', namespace: 'default' }, data }));
  const configDir = () => join(root, 'pods', 'uid-1', 'volumes', 'kubernetes.io~configmap', 'config');

  it('creates world-writable emptyDirs under the pod dir, with subPaths', async () => {
    const pod = podWith([{ name: 'scratch', emptyDir: { medium: '', sizeLimit: '' } }]);
    assert.deepEqual(await manager.setUpPod(pod), { ready: true, errors: [] });
    const dir = join(root, 'pods', 'uid-1', 'volumes', 'kubernetes.io~empty-dir', 'scratch');
    const binds = await manager.containerMounts(pod, mounting({ name: 'scratch', mountPath: '/a' }, { name: 'scratch', mountPath: '/b', subPath: 'sub/dir', readOnly: true }), []);
    assert.deepEqual(binds, [
      { hostPath: dir, containerPath: '/a', readOnly: false },
      { hostPath: join(dir, 'sub', 'dir'), containerPath: '/b', readOnly: true },
    ]);
    assert.equal(statSync(dir).mode & 0o777, 0o777);
    assert.equal(statSync(join(dir, 'sub', 'dir')).mode & 0o777, 0o777);
  });

  it("resolves a persistentVolumeClaim volume to its bound volume's local path, with Kubernetes' reasons while it cannot", async () => {
    const claims = new Map<string, PersistentVolumeClaim>();
    const pvs = new Map<string, PersistentVolume>();
    manager = new VolumeManager({
      rootDir: root,
      claims: { getClaim: async (ns, name) => claims.get(`${ns}/${name}`), getVolume: async (name) => pvs.get(name) },
      nodeAllocatable: () => ({}),
    });
    const pod = podWith([{ name: 'data', persistentVolumeClaim: { claimName: 'db', readOnly: false } }]);
    const reason = async () => (await manager.setUpPod(pod)).errors.map((e) => e.reason);
    assert.deepEqual(await reason(), ['error processing PVC default/db: failed to fetch PVC from API server: persistentvolumeclaims "db" not found']);
    const claim = PersistentVolumeClaim.fromPartial({ metadata: { name: 'db', namespace: 'default', uid: 'c1' }, spec: { volumeName: 'pv1' }, status: { phase: 'Bound' } });
    claims.set('default/db', claim);
    assert.deepEqual(await reason(), ['error processing PVC default/db: failed to fetch PV pv1 from API server: persistentvolumes "pv1" not found']);
    const local = join(root, 'disk');
    pvs.set('pv1', PersistentVolume.fromPartial({ metadata: { name: 'pv1' }, spec: { local: { path: local }, claimRef: { namespace: 'default', name: 'db', uid: 'other' } } }));
    assert.deepEqual(await reason(), ['error processing PVC default/db: found PV object pv1 but its pv.Spec.ClaimRef.UID (other) does not point to claim.UID (c1)']);
    pvs.get('pv1')!.spec!.claimRef!.uid = 'c1';
    assert.deepEqual(await reason(), [`path "${local}" does not exist`]);
    mkdirSync(local);
    assert.deepEqual(await manager.setUpPod(pod), { ready: true, errors: [] });
    assert.deepEqual(await manager.containerMounts(pod, mounting({ name: 'data', mountPath: '/var/lib/db', readOnly: true }), []), [
      { hostPath: local, containerPath: '/var/lib/db', readOnly: true },
    ]);
    await manager.removePod('uid-1');
    assert.ok(existsSync(local), 'the volume outlives the pod');

    claims.set('default/db', { ...claim, metadata: { ...claim.metadata!, deletionTimestamp: '2026-01-01T00:00:00Z' } });
    assert.deepEqual(await reason(), ["can't start pod because PVC default/db is being deleted"]);
  });

  it('checks hostPath types as Kubernetes does, reporting a failure as FailedMount', async () => {
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    const setUp = (path: string, type: string) => manager.setUpPod(podWith([{ name: 'h', hostPath: { path, type } }]));
    assert.deepEqual(await setUp(file, 'File'), { ready: true, errors: [] });
    manager = new VolumeManager({ rootDir: root, nodeAllocatable: () => ({}) });
    const failed = await setUp(file, 'Directory');
    assert.equal(failed.ready, false);
    assert.deepEqual(failed.errors.map((e) => e.message), [`MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${file} is not a directory`]);
    await manager.setUpPod(podWith([{ name: 'h2', hostPath: { path: join(root, 'made', 'dir'), type: 'DirectoryOrCreate' } }]));
    assert.ok(statSync(join(root, 'made', 'dir')).isDirectory());
    await manager.setUpPod(podWith([{ name: 'h3', hostPath: { path: join(root, 'made', 'f'), type: 'FileOrCreate' } }]));
    assert.ok(statSync(join(root, 'made', 'f')).isFile());
    const binds = await manager.containerMounts(podWith([{ name: 'h', hostPath: { path: file, type: 'File' } }]), mounting({ name: 'h', mountPath: '/h' }), []);
    assert.deepEqual(binds, [{ hostPath: file, containerPath: '/h', readOnly: false }]);
  });

  it('holds a pod back while a configMap is missing, then writes it; mounts it read-only', async () => {
    const pod = podWith([{ name: 'config', configMap: { name: 'app', items: [] } }]);
    const missing = await manager.setUpPod(pod);
    assert.equal(missing.ready, false);
    assert.deepEqual(missing.errors.map((e) => e.message), ['MountVolume.SetUp failed for volume "config" : configmap "app" not found']);
    setConfigMap({ 'app.conf': 'v1' });
    assert.deepEqual(await manager.setUpPod(pod), { ready: true, errors: [] });
    assert.equal(readFileSync(join(configDir(), 'app.conf'), 'utf8'), 'v1');
    assert.deepEqual(await manager.containerMounts(pod, mounting({ name: 'config', mountPath: '/etc/app' }), []), [{ hostPath: configDir(), containerPath: '/etc/app', readOnly: true }]);
  });

  it('refreshes a configMap volume on later passes; a subPath bound earlier keeps the file of its version', async () => {
    const pod = podWith([{ name: 'config', configMap: { name: 'app', items: [] } }]);
    setConfigMap({ 'app.conf': 'v1' });
    await manager.setUpPod(pod);
    const [sub] = await manager.containerMounts(pod, mounting({ name: 'config', mountPath: '/etc/app.conf', subPath: 'app.conf' }), []);
    assert.match(sub.hostPath, /\/config\/\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+\/app\.conf$/, 'the subPath is resolved to the file of this version');
    setConfigMap({ 'app.conf': 'v2' });
    assert.deepEqual(await manager.setUpPod(pod), { ready: true, errors: [] });
    assert.equal(readFileSync(join(configDir(), 'app.conf'), 'utf8'), 'v2');
    assert.ok(!existsSync(sub.hostPath), 'the old version is removed from the volume (a bind of it keeps its file)');
  });

  it('keeps the last content of a volume set up before when a refresh fails, reporting the failure', async () => {
    const pod = podWith([{ name: 'config', configMap: { name: 'app', items: [] } }]);
    setConfigMap({ 'app.conf': 'v1' });
    await manager.setUpPod(pod);
    configMaps.clear();
    const result = await manager.setUpPod(pod);
    assert.equal(result.ready, true);
    assert.deepEqual(result.errors.map((e) => e.volumeName), ['config']);
    assert.equal(readFileSync(join(configDir(), 'app.conf'), 'utf8'), 'v1');
  });

  it('expands subPathExpr from the container env, mutually exclusive with subPath by validation', async () => {
    const pod = podWith([{ name: 'scratch', emptyDir: { medium: '', sizeLimit: '' } }]);
    await manager.setUpPod(pod);
    const [bind] = await manager.containerMounts(pod, mounting({ name: 'scratch', mountPath: '/logs', subPathExpr: 'logs/$(POD_NAME)' }), [{ name: 'POD_NAME', value: 'web-1' }]);
    assert.equal(bind.hostPath, join(root, 'pods', 'uid-1', 'volumes', 'kubernetes.io~empty-dir', 'scratch', 'logs', 'web-1'));
    await assert.rejects(
      manager.containerMounts(pod, mounting({ name: 'scratch', mountPath: '/x', subPathExpr: '$(B)/$(A)' }), []),
      (e: unknown) => e instanceof RuntimeError && e.reason === 'CreateContainerConfigError' && e.message === 'missing value for A, B',
    );
    assert.equal(expandSubPathExpr('$$(X)/$(X)/$Y/$(', [{ name: 'X', value: 'x' }]), '$(X)/x/$Y/$(');
  });

  it('refuses unknown volumes and subPaths that are absolute, go up, or lead out of the volume through a symlink', async () => {
    const pod = podWith([{ name: 'scratch', emptyDir: { medium: '', sizeLimit: '' } }]);
    await manager.setUpPod(pod);
    const refused = (mount: { name: string; mountPath: string; subPath?: string; subPathExpr?: string }, message: string) =>
      assert.rejects(manager.containerMounts(pod, mounting(mount), [{ name: 'UP', value: '../..' }]), (e: unknown) => e instanceof RuntimeError && e.reason === 'CreateContainerConfigError' && e.message === message);
    await refused({ name: 'other', mountPath: '/x' }, 'cannot find volume "other" to mount into container "c"');
    await refused({ name: 'scratch', mountPath: '/x', subPath: '/etc' }, 'error SubPath `/etc` must not be an absolute path');
    await refused({ name: 'scratch', mountPath: '/x', subPath: 'a/../../etc' }, "unable to provision SubPath `a/../../etc`: must not contain '..'");
    await refused({ name: 'scratch', mountPath: '/x', subPathExpr: '$(UP)' }, "unable to provision SubPath `../..`: must not contain '..'");
    const dir = join(root, 'pods', 'uid-1', 'volumes', 'kubernetes.io~empty-dir', 'scratch');
    mkdirSync(join(root, 'outside'));
    symlinkSync(join(root, 'outside'), join(dir, 'escape'));
    await assert.rejects(manager.containerMounts(pod, mounting({ name: 'scratch', mountPath: '/x', subPath: 'escape' }), []), /outside of volume "scratch"/);
  });

  it("reads every volume's objects at once: a slow token request holds back neither its projected volume's ConfigMap nor another volume", async () => {
    const asked: string[] = [];
    let issue!: () => void;
    const issued = new Promise<void>((r) => (issue = r));
    manager = new VolumeManager({
      rootDir: root,
      objects: {
        getConfigMap: async (ns, name) => {
          asked.push(`configmap ${name}`);
          return configMaps.get(`${ns}/${name}`);
        },
        getSecret: async () => undefined,
      },
      tokens: {
        getToken: async () => {
          asked.push('token');
          await issued;
          return { token: 'jwt', expirationTimestamp: '2026-12-05T10:00:00Z' };
        },
        forgetPod: () => undefined,
      },
      nodeAllocatable: () => ({}),
    });
    setConfigMap({ 'ca.crt': 'pem' });
    const pod = podWith([
      { name: 'api', projected: { sources: [{ serviceAccountToken: { audience: '', expirationSeconds: 3600, path: 'token' } }, { configMap: { name: 'app', items: [] } }] } },
      { name: 'config', configMap: { name: 'app', items: [] } },
    ]);
    const setUp = manager.setUpPod(pod);
    for (const deadline = Date.now() + 2_000; asked.length < 3 && Date.now() < deadline; ) await new Promise((r) => setImmediate(r));
    assert.deepEqual([...asked].sort(), ['configmap app', 'configmap app', 'token'], 'all three read while the token is being issued');
    issue();
    assert.deepEqual(await setUp, { ready: true, errors: [] });
    const projected = join(root, 'pods', 'uid-1', 'volumes', 'kubernetes.io~projected', 'api');
    assert.equal(readFileSync(join(projected, 'token'), 'utf8'), 'jwt');
    assert.equal(readFileSync(join(projected, 'ca.crt'), 'utf8'), 'pem');
  });

  it('removes the pod volumes with the pod', async () => {
    const pod = podWith([{ name: 'scratch', emptyDir: { medium: '', sizeLimit: '' } }]);
    await manager.setUpPod(pod);
    await manager.removePod('uid-1');
    assert.ok(!existsSync(join(root, 'pods', 'uid-1', 'volumes')));
  });
});
