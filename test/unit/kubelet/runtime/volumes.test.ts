import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Container, Pod, type Volume } from '../../../../lib/gen/kite/core/v1/types';
import { RuntimeError } from '../../../../services/kubelet/runtime/errors';
import { bindSpec, containerBinds, emptyDirPath } from '../../../../services/kubelet/runtime/volumes';

describe('kubelet/runtime volumes', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kite-volumes-'));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  function podWith(volumes: Volume[]): Pod {
    return Pod.fromPartial({ metadata: { uid: 'uid-1' }, spec: { volumes } });
  }

  function mounting(...mounts: Array<{ name: string; mountPath: string; readOnly?: boolean; subPath?: string }>): Container {
    return Container.fromPartial({ name: 'c', volumeMounts: mounts });
  }

  it('creates world-writable emptyDirs under the pod dir, with subPaths', async () => {
    const pod = podWith([{ name: 'scratch', emptyDir: { medium: '', sizeLimit: '' } }]);
    const binds = await containerBinds(root, pod, mounting({ name: 'scratch', mountPath: '/a' }, { name: 'scratch', mountPath: '/b', subPath: 'sub/dir', readOnly: true }));
    const dir = emptyDirPath(root, 'uid-1', 'scratch');
    assert.equal(dir, join(root, 'pods', 'uid-1', 'volumes', 'kubernetes.io~empty-dir', 'scratch'));
    assert.deepEqual(binds.map(bindSpec), [`${dir}:/a`, `${dir}/sub/dir:/b:ro`]);
    assert.equal(statSync(dir).mode & 0o777, 0o777);
    assert.ok(statSync(join(dir, 'sub', 'dir')).isDirectory());
  });

  it('checks hostPath types as Kubernetes does', async () => {
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    const check = (path: string, type: string) => containerBinds(root, podWith([{ name: 'h', hostPath: { path, type } }]), mounting({ name: 'h', mountPath: '/h' }));
    assert.equal((await check(file, 'File'))[0].hostPath, file);
    assert.equal((await check(join(root, 'nope'), ''))[0].hostPath, join(root, 'nope'));
    await assert.rejects(check(file, 'Directory'), /is not a directory/);
    await assert.rejects(check(join(root, 'missing'), 'File'), /is not a file/);
    await check(join(root, 'made', 'dir'), 'DirectoryOrCreate');
    assert.ok(statSync(join(root, 'made', 'dir')).isDirectory());
    await check(join(root, 'made', 'f'), 'FileOrCreate');
    assert.ok(statSync(join(root, 'made', 'f')).isFile());
  });

  it('rejects unknown volumes and escaping subPaths', async () => {
    const pod = podWith([{ name: 'scratch', emptyDir: { medium: '', sizeLimit: '' } }]);
    await assert.rejects(containerBinds(root, pod, mounting({ name: 'other', mountPath: '/x' })), (e: unknown) => e instanceof RuntimeError && e.reason === 'CreateContainerError' && /no volume of that name/.test(e.message));
    await assert.rejects(containerBinds(root, pod, mounting({ name: 'scratch', mountPath: '/x', subPath: '../../etc' })), /stay inside/);
  });
});
