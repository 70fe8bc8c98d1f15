// The store's owner-only files: a new directory is 0700 and files 0600; an existing directory
// open to others is kept and warned about with etcd's wording.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../../../lib/log';
import { ensurePrivateDir, ensurePrivateFile } from '../../../../services/apiserver/storage/private-files';

function recorder(): { log: Logger; warnings: string[] } {
  const warnings: string[] = [];
  return { log: { warn: (_fields: unknown, msg: string) => warnings.push(msg) } as unknown as Logger, warnings };
}

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('storage private files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-private-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates missing directories 0700 without a warning', () => {
    const { log, warnings } = recorder();
    const target = join(dir, 'a', 'b');
    ensurePrivateDir(target, log);
    assert.equal(modeOf(target), 0o700);
    assert.equal(modeOf(join(dir, 'a')), 0o700);
    assert.deepEqual(warnings, []);
  });

  it('warns about an existing directory open to others and leaves its mode', () => {
    const { log, warnings } = recorder();
    const target = join(dir, 'shared');
    mkdirSync(target);
    chmodSync(target, 0o755);
    ensurePrivateDir(target, log);
    assert.equal(modeOf(target), 0o755);
    assert.deepEqual(warnings, [
      `directory "${target}" exists, but its permission is 0755. The recommended permission is 0700 to prevent possible unprivileged access to the data`,
    ]);
  });

  it('creates files 0600 and tightens existing ones', () => {
    const path = join(dir, 'f');
    ensurePrivateFile(path);
    assert.equal(modeOf(path), 0o600);
    chmodSync(path, 0o644);
    ensurePrivateFile(path);
    assert.equal(modeOf(path), 0o600);
  });
});
