// Kubernetes' hostPath type checks (pkg/volume/hostpath): DirectoryOrCreate and FileOrCreate
// create what is missing; the other types only check what is there; "" checks nothing.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { VolumeSetupError } from './errors';

export async function checkHostPath(volumeName: string, path: string, type: string): Promise<void> {
  const fail = (what: string): never => {
    throw new VolumeSetupError(volumeName, `hostPath type check failed: ${path} is not a ${what}`);
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
      throw new VolumeSetupError(volumeName, `hostPath ${path}: unknown type "${type}"`);
  }
}
