import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA_DIR_NAME, writeAtomically, type Payload } from '../../../../services/kubelet/volumes/atomic-writer';

function payload(files: Record<string, string | [string, number]>): Payload {
  return new Map(Object.entries(files).map(([path, f]) => [path, typeof f === 'string' ? { data: Buffer.from(f), mode: 0o644 } : { data: Buffer.from(f[0]), mode: f[1] }]));
}

describe('kubelet/volumes atomic writer', () => {
  let dir: string;

  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'kite-atomic-')), 'vol');
  });

  afterEach(() => {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  const read = (path: string) => readFileSync(join(dir, path), 'utf8');
  const tsDirs = () => readdirSync(dir).filter((n) => n.startsWith('..') && n !== DATA_DIR_NAME);

  it('writes the payload into a timestamped directory behind ..data, user-visible entries being symlinks into ..data/', async () => {
    assert.equal(await writeAtomically(dir, payload({ 'app.conf': 'a=1', 'nested/deep/file': 'deep' }), new Date('2026-12-04T21:05:09Z')), true);
    const ts = readlinkSync(join(dir, DATA_DIR_NAME));
    assert.match(ts, /^\.\.2026_12_04_21_05_09\.\d+$/);
    assert.deepEqual(tsDirs(), [ts]);
    assert.equal(readlinkSync(join(dir, 'app.conf')), '..data/app.conf');
    assert.equal(readlinkSync(join(dir, 'nested')), '..data/nested');
    assert.equal(read('app.conf'), 'a=1');
    assert.equal(read('nested/deep/file'), 'deep');
    assert.equal(statSync(join(dir, ts)).mode & 0o777, 0o755);
    assert.deepEqual(readdirSync(dir).sort(), [DATA_DIR_NAME, ts, 'app.conf', 'nested'].sort());
  });

  it('writes each file with its mode, whatever the umask', async () => {
    const old = process.umask(0o077);
    try {
      await writeAtomically(dir, payload({ open: ['x', 0o644], secret: ['y', 0o400], exec: ['z', 0o755] }));
    } finally {
      process.umask(old);
    }
    assert.equal(statSync(join(dir, 'open')).mode & 0o777, 0o644);
    assert.equal(statSync(join(dir, 'secret')).mode & 0o777, 0o400);
    assert.equal(statSync(join(dir, 'exec')).mode & 0o777, 0o755);
  });

  it('swaps ..data to a new directory on an update and removes the old one', async () => {
    await writeAtomically(dir, payload({ 'app.conf': 'v1', keep: 'same' }));
    const first = readlinkSync(join(dir, DATA_DIR_NAME));
    assert.equal(await writeAtomically(dir, payload({ 'app.conf': 'v2', keep: 'same' })), true);
    const second = readlinkSync(join(dir, DATA_DIR_NAME));
    assert.notEqual(second, first);
    assert.deepEqual(tsDirs(), [second]);
    assert.equal(read('app.conf'), 'v2');
    assert.equal(read('keep'), 'same');
    assert.ok(lstatSync(join(dir, DATA_DIR_NAME)).isSymbolicLink());
    assert.ok(!existsSync(join(dir, '..data_tmp')));
  });

  it('removes the user-visible entries of keys that are gone, and deeper paths with the old directory', async () => {
    await writeAtomically(dir, payload({ a: '1', b: '2', 'sub/x': 'x', 'sub/y': 'y' }));
    await writeAtomically(dir, payload({ a: '1', 'sub/x': 'x' }));
    assert.deepEqual(readdirSync(dir).filter((n) => !n.startsWith('..')).sort(), ['a', 'sub']);
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['x']);
    await writeAtomically(dir, payload({}));
    assert.deepEqual(readdirSync(dir).filter((n) => !n.startsWith('..')), []);
  });

  it('writes nothing when the payload is unchanged', async () => {
    await writeAtomically(dir, payload({ a: '1', 'sub/x': 'x' }));
    const ts = readlinkSync(join(dir, DATA_DIR_NAME));
    assert.equal(await writeAtomically(dir, payload({ a: '1', 'sub/x': 'x' })), false);
    assert.equal(readlinkSync(join(dir, DATA_DIR_NAME)), ts);
    assert.deepEqual(tsDirs(), [ts]);
  });

  it('refuses paths that are absolute, contain "..", or start with ".."', async () => {
    await assert.rejects(writeAtomically(dir, payload({ '/etc/passwd': 'x' })), /invalid path: must be relative path: \/etc\/passwd/);
    await assert.rejects(writeAtomically(dir, payload({ 'a/../../b': 'x' })), /invalid path: must not contain '\.\.': a\/\.\.\/\.\.\/b/);
    await assert.rejects(writeAtomically(dir, payload({ '..data': 'x' })), /invalid path: must not start with '\.\.': \.\.data/);
    await assert.rejects(writeAtomically(dir, payload({ '': 'x' })), /invalid path: must not be empty/);
  });
});
