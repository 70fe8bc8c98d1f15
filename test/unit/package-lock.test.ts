// The committed lock is complete and agrees with package.json, so `npm ci` (setup, CI) installs
// exactly what was tested and never rewrites the lock.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as LockEntry;
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { lockfileVersion: number; packages: Record<string, LockEntry> };

/** Where npm resolves `name` required by the package at `from`: nested first, then hoisted. */
function resolve(from: string, name: string): string | undefined {
  for (let dir = from; ; ) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

describe('package-lock.json', () => {
  it('is a v3 lock whose root entry states exactly package.json dependencies', () => {
    assert.equal(lock.lockfileVersion, 3);
    assert.deepEqual(lock.packages['']?.dependencies ?? {}, pkg.dependencies ?? {});
    assert.deepEqual(lock.packages['']?.devDependencies ?? {}, pkg.devDependencies ?? {});
  });

  it('locks every dependency and optional (per-platform) dependency of every locked package', () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const wanted = { ...entry.dependencies, ...entry.optionalDependencies, ...(path === '' ? entry.devDependencies : {}) };
      for (const name of Object.keys(wanted)) {
        if (!resolve(path, name)) missing.push(`${path || '(root)'} -> ${name}`);
      }
    }
    assert.deepEqual(missing, [], 'npm ci refuses a lock missing these entries: run `npm install` and commit package-lock.json');
  });
});
