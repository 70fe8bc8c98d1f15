// A pod's emptyDir and hostPath volumes as bind mounts. emptyDirs live under the kubelet's root
// directory (<root>/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>, as Kubernetes lays them out),
// shared by every container of the pod and removed with it. Paths are the engine's view of the
// filesystem: the kubelet must see its root dir and hostPaths at the same paths as the engine.
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import type { Container, Pod, Volume } from '../../../lib/gen/kite/core/v1/types';
import { RuntimeError } from './errors';
import type { BindMount } from './types';

export function podDir(rootDir: string, podUid: string): string {
  return join(rootDir, 'pods', podUid);
}

export function emptyDirPath(rootDir: string, podUid: string, volumeName: string): string {
  return join(podDir(rootDir, podUid), 'volumes', 'kubernetes.io~empty-dir', volumeName);
}

/** World-writable as in Kubernetes (whatever the umask), so containers running as any user can share it. */
async function sharedDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
  await chmod(path, 0o777);
}

async function checkHostPath(path: string, type: string): Promise<void> {
  const fail = (what: string): never => {
    throw new RuntimeError('CreateContainerError', `hostPath type check failed: ${path} is not a ${what}`);
  };
  const info = await stat(path).catch(() => undefined);
  switch (type) {
    case '':
      return;
    case 'DirectoryOrCreate':
      if (!info) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!info.isDirectory()) fail('directory');
      return;
    case 'FileOrCreate':
      if (!info) {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, '', { mode: 0o644 });
      } else if (!info.isFile()) fail('file');
      return;
    case 'Directory':
      if (!info?.isDirectory()) fail('directory');
      return;
    case 'File':
      if (!info?.isFile()) fail('file');
      return;
    case 'Socket':
      if (!info?.isSocket()) fail('socket');
      return;
    case 'CharDevice':
      if (!info?.isCharacterDevice()) fail('character device');
      return;
    case 'BlockDevice':
      if (!info?.isBlockDevice()) fail('block device');
      return;
    default:
      throw new RuntimeError('CreateContainerError', `hostPath ${path}: unknown type "${type}"`);
  }
}

async function volumeSource(rootDir: string, podUid: string, volume: Volume): Promise<string> {
  if (volume.emptyDir) {
    const path = emptyDirPath(rootDir, podUid, volume.name);
    await sharedDir(path);
    return path;
  }
  if (volume.hostPath) {
    await checkHostPath(volume.hostPath.path, volume.hostPath.type);
    return volume.hostPath.path;
  }
  throw new RuntimeError('CreateContainerError', `volume "${volume.name}": only emptyDir and hostPath are supported`);
}

/** The binds for one container's volumeMounts (directories created as needed). */
export async function containerBinds(rootDir: string, pod: Pod, container: Container): Promise<BindMount[]> {
  const podUid = pod.metadata?.uid ?? '';
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const binds: BindMount[] = [];
  for (const mount of container.volumeMounts) {
    const volume = volumes.get(mount.name);
    if (!volume) {
      throw new RuntimeError('CreateContainerError', `volumeMount "${mount.name}": no volume of that name in the pod`);
    }
    let hostPath = await volumeSource(rootDir, podUid, volume);
    if (mount.subPath) {
      if (isAbsolute(mount.subPath) || mount.subPath.split('/').includes('..')) {
        throw new RuntimeError('CreateContainerError', `volumeMount "${mount.name}": subPath must be relative and stay inside the volume`);
      }
      hostPath = join(hostPath, mount.subPath);
      if (volume.emptyDir) await sharedDir(hostPath);
    }
    binds.push({ hostPath, containerPath: mount.mountPath, readOnly: mount.readOnly });
  }
  return binds;
}

/** Docker's "-v" form: missing sources become directories, as Kubernetes' unchecked hostPath does. */
export function bindSpec(bind: BindMount): string {
  return `${bind.hostPath}:${bind.containerPath}${bind.readOnly ? ':ro' : ''}`;
}
