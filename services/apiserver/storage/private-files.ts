// Owner-only data: the store's directory is created 0700 and its files 0600 (etcd's
// PrivateDirMode and PrivateFileMode). An existing directory with a looser mode is used as it is,
// with a warning, as etcd does since 3.4.14: the directory may be one the operator chose and
// shares. Files the store owns are tightened, so a store written by an older version is fixed.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import type { Logger } from '../../../lib/log';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates dir (and missing parents) 0700; warns when an existing dir is open to others. */
export function ensurePrivateDir(dir: string, log: Logger): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    return;
  }
  const mode = statSync(dir).mode & 0o777;
  if (mode !== PRIVATE_DIR_MODE) {
    log.warn(
      { dir, mode: octal(mode) },
      `directory "${dir}" exists, but its permission is ${octal(mode)}. The recommended permission is ${octal(PRIVATE_DIR_MODE)} to prevent possible unprivileged access to the data`,
    );
  }
}

/** Creates file empty with mode 0600 if missing; sets an existing file's mode to 0600. */
export function ensurePrivateFile(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  chmodSync(path, PRIVATE_FILE_MODE);
}

/** Sets the mode of file to 0600 if it exists. */
export function tightenIfPresent(path: string): void {
  if (existsSync(path)) chmodSync(path, PRIVATE_FILE_MODE);
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}
