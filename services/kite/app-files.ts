// The Kite application as node images carry it: the sources the components run from (tsx
// compiles them at start) and the runtime part of node_modules. Its content hash names the node
// image, so a rebuild happens exactly when something the components run has changed.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Repository paths the components need at run time. */
export const APP_PATHS = ['package.json', 'tsconfig.json', 'bin', 'lib', 'services', 'proto'];

/** node_modules entries only development needs (compilers, test tools, the buf CLI): left out of images. */
export const DEV_ONLY_MODULES = [
  '@bufbuild/buf', '@bufbuild/buf-linux-x64', '@typescript', 'typescript', 'dprint-node', '@types', 'mocha', 'fast-check', 'nodemon', 'ts-proto',
  'ts-proto-descriptors', '.cache',
];

function walk(root: string, dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(root, path, out);
    else if (entry.isFile()) out.push(relative(root, path));
  }
}

/** The application's files (relative to the repository root), sorted. */
export function appFiles(repo: string): string[] {
  const out: string[] = [];
  for (const p of APP_PATHS) {
    const full = join(repo, p);
    if (!existsSync(full)) continue;
    if (statSync(full).isDirectory()) walk(repo, full, out);
    else out.push(p);
  }
  return out.sort();
}

/** A short hash of the application files' names and contents and of the installed dependencies. */
export function appHash(repo: string, extra: string): string {
  const h = createHash('sha256');
  h.update(extra);
  for (const f of appFiles(repo)) {
    h.update(`\0${f}\0`);
    h.update(readFileSync(join(repo, f)));
  }
  for (const lock of ['package-lock.json', 'node_modules/.package-lock.json']) {
    if (existsSync(join(repo, lock))) h.update(readFileSync(join(repo, lock)));
  }
  return h.digest('hex').slice(0, 12);
}
