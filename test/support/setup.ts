// Loaded by mocha before any test: components log nothing unless KITE_LOG_LEVEL asks for it, and
// no test (or program a test starts) reads or writes the user's ~/.kite/config.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.KITE_LOG_LEVEL ??= 'silent';

if (!process.env.KITECONFIG) {
  const dir = mkdtempSync(join(tmpdir(), 'kite-test-config-'));
  process.env.KITECONFIG = join(dir, 'config');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
}
