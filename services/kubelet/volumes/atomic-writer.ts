// Kubernetes' AtomicWriter (pkg/volume/util/atomic_writer.go): writes a volume's whole payload so
// that a container never sees half of an update. The files live in a timestamped directory
// "..<UTC time>.<random>"; "..data" is a symlink to it, and each user-visible top-level entry is a
// symlink into "..data/". An update writes a new timestamped directory, points a temporary
// "..data_tmp" symlink at it and renames that over "..data" (rename is atomic), then removes the
// user-visible entries no longer in the payload and the old directory. An unchanged payload
// writes nothing.
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readFile, readdir, readlink, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';

export const DATA_DIR_NAME = '..data';
const NEW_DATA_DIR_NAME = '..data_tmp';
const MAX_PATH_LENGTH = 4096;
const MAX_FILE_NAME_LENGTH = 255;

/** One file of a volume: its content and mode (permission bits). */
export interface FileProjection {
  data: Buffer;
  mode: number;
}

/** Paths relative to the volume's directory. */
export type Payload = Map<string, FileProjection>;

/** Kubernetes' validatePath: relative, no "..", not starting with "..", bounded lengths. */
export function validatePayloadPath(path: string): void {
  if (path === '') throw new Error(`invalid path: must not be empty: "${path}"`);
  if (path.startsWith('/')) throw new Error(`invalid path: must be relative path: ${path}`);
  if (path.length > MAX_PATH_LENGTH) throw new Error(`invalid path: must be less than or equal to ${MAX_PATH_LENGTH} characters`);
  const items = path.split('/');
  for (const item of items) {
    if (item === '..') throw new Error(`invalid path: must not contain '..': ${path}`);
    if (item.length > MAX_FILE_NAME_LENGTH) throw new Error(`invalid path: filenames must be less than or equal to ${MAX_FILE_NAME_LENGTH} characters`);
  }
  if (items[0].startsWith('..') && items[0].length > 2) throw new Error(`invalid path: must not start with '..': ${path}`);
}

function cleanPayload(payload: Payload): Payload {
  const clean: Payload = new Map();
  for (const [path, file] of payload) {
    validatePayloadPath(path);
    clean.set(normalize(path).replace(/\/$/, ''), file);
  }
  return clean;
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Every path (files and directories) under dir, relative to it. */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    out.push(rel);
    if (entry.isDirectory()) out.push(...(await walk(dir, rel)));
  }
  return out;
}

/** The paths of the old version that the new payload no longer has (its files' parent directories stay). */
async function pathsToRemove(payload: Payload, oldTsPath: string): Promise<Set<string>> {
  const old = await walk(oldTsPath).catch((err: unknown) => {
    if (isNotFound(err)) return [];
    throw err;
  });
  const kept = new Set<string>();
  for (const file of payload.keys()) {
    for (let p = file; p !== '.' && p !== ''; p = dirname(p)) kept.add(p);
  }
  return new Set(old.filter((p) => !kept.has(p)));
}

/** Whether any file's content differs from (or is missing in) the old version, as Kubernetes' shouldWritePayload. */
async function shouldWritePayload(payload: Payload, oldTsPath: string): Promise<boolean> {
  for (const [path, file] of payload) {
    const current = await readFile(join(oldTsPath, path)).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (!current || !current.equals(file.data)) return true;
  }
  return false;
}

/** "..2006_01_02_15_04_05.<random>", as Go's MkdirTemp with Kubernetes' time layout names it. */
function timestampDirName(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const ts = `${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}`;
  return `..${ts}.${randomBytes(5).readUInt32BE(0)}`;
}

async function writePayloadToDir(payload: Payload, dir: string): Promise<void> {
  for (const [path, file] of payload) {
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true, mode: 0o755 });
    await writeFile(full, file.data, { mode: file.mode });
    // writeFile's mode is masked by the umask; the volume's mode is not.
    await chmod(full, file.mode);
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    (err: unknown) => {
      if (isNotFound(err)) return false;
      throw err;
    },
  );
}

/**
 * Writes `payload` into `targetDir` (created if missing) atomically. Resolves true when something
 * was written, false when the directory already held exactly this payload.
 */
export async function writeAtomically(targetDir: string, payload: Payload, now = new Date()): Promise<boolean> {
  const clean = cleanPayload(payload);
  await mkdir(targetDir, { recursive: true, mode: 0o755 });
  const dataDirPath = join(targetDir, DATA_DIR_NAME);
  const oldTsDir = await readlink(dataDirPath).catch((err: unknown) => {
    if (isNotFound(err)) return '';
    throw err;
  });
  const oldTsPath = join(targetDir, oldTsDir);
  let removals = new Set<string>();
  if (oldTsDir) {
    removals = await pathsToRemove(clean, oldTsPath);
    if (removals.size === 0 && !(await shouldWritePayload(clean, oldTsPath))) return false;
  }

  const tsDirName = timestampDirName(now);
  const tsDir = join(targetDir, tsDirName);
  await mkdir(tsDir);
  // Group and others must be able to walk into it whatever the umask.
  await chmod(tsDir, 0o755);
  try {
    await writePayloadToDir(clean, tsDir);
  } catch (err) {
    await rm(tsDir, { recursive: true, force: true });
    throw err;
  }

  for (const path of clean.keys()) {
    const top = path.split('/')[0];
    const visible = join(targetDir, top);
    if (!(await exists(visible))) await symlink(join(DATA_DIR_NAME, top), visible);
  }

  const newDataDirPath = join(targetDir, NEW_DATA_DIR_NAME);
  await rm(newDataDirPath, { force: true });
  try {
    await symlink(tsDirName, newDataDirPath);
    await rename(newDataDirPath, dataDirPath);
  } catch (err) {
    await rm(newDataDirPath, { force: true });
    await rm(tsDir, { recursive: true, force: true });
    throw err;
  }

  // Only the top-level symlinks are user-visible; deeper paths went with the old directory.
  for (const path of removals) {
    if (!path.includes('/')) await unlink(join(targetDir, path)).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
  }
  if (oldTsDir) await rm(oldTsPath, { recursive: true, force: true });
  return true;
}
