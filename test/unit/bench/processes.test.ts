// The benchmarks' child processes (bench/lib/processes.ts): a child that exits before the
// benchmark stops it fails what the benchmark awaits at once, with the child's last log lines,
// and every child reads config files of the benchmark's own, never the user's ~/.kite/config.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Processes = typeof import('../../../bench/lib/processes');

const ROOT = join(__dirname, '..', '..', '..');

/** A user's ~/.kite/config whose context names a TLS server (a CA), as after `kite create cluster`. */
function userHomeWithTlsContext(home: string): string {
  const path = join(home, '.kite', 'config');
  mkdirSync(join(home, '.kite'));
  writeFileSync(path, [
    'apiVersion: v1', 'kind: Config', 'current-context: kite-tls',
    'clusters: [{ name: tls, cluster: { server: "https://127.0.0.1:6443", certificate-authority-data: "Q0EgUEVN" } }]',
    'users: [{ name: admin, user: {} }]',
    'contexts: [{ name: kite-tls, context: { cluster: tls, user: admin } }]', '',
  ].join('\n'));
  return path;
}

describe('bench: child processes', () => {
  const saved = { HOME: process.env.HOME, KITECONFIG: process.env.KITECONFIG, KUBECONFIG: process.env.KUBECONFIG };
  let home: string;
  let userConfig: string;
  let processes: Processes;

  before(() => {
    // As a user's shell would have it: a TLS context in ~/.kite/config, named by $KITECONFIG too.
    home = mkdtempSync(join(tmpdir(), 'kite-bench-home-'));
    userConfig = userHomeWithTlsContext(home);
    Object.assign(process.env, { HOME: home, KITECONFIG: userConfig });
    // Loaded here, not at the top: its own config files replace the environment's from then on.
    processes = require('../../../bench/lib/processes') as Processes;
  });
  after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('rejects what the benchmark awaits as soon as a child exits on its own, with its last log lines', async () => {
    const child = processes.startProcess('failing-child', process.execPath, ['-e', 'console.error("connecting"); console.error("Error: 14 UNAVAILABLE: SSL routines::wrong version number"); process.exit(3)']);
    try {
      // Work that never ends on its own: only the child's exit can settle it.
      const never = new Promise<void>(() => undefined);
      await assert.rejects(processes.whileRunning(never), (err: Error) => {
        assert.match(err.message, /^failing-child exited \(code 3\) before the benchmark stopped it; its last log lines:\nconnecting\nError: 14 UNAVAILABLE: SSL routines::wrong version number$/);
        return true;
      });
      // Later waits fail at once too, until the benchmark stops the child.
      await assert.rejects(processes.whileRunning(Promise.resolve()), /failing-child exited/);
    } finally {
      await processes.stopProgram(child);
    }
    assert.equal(await processes.whileRunning(Promise.resolve('done')), 'done');
  });

  it('shows at most the last 20 lines of a failed child, each cut at 300 characters', () => {
    const text = ['first', ...Array.from({ length: 19 }, (_, i) => `line ${i}`), 'x'.repeat(1000), ''].join('\n');
    const shown = processes.lastLines(text).split('\n');
    assert.equal(shown.length, 20);
    assert.equal(shown[0], 'line 0');
    assert.equal(shown[19], `${'x'.repeat(300)}...`);
  });

  it('lets a child the benchmark stops exit without failing anything', async () => {
    const child = processes.startProcess('sleeper', process.execPath, ['-e', 'setTimeout(() => undefined, 60_000)']);
    const stopped = processes.stopProgram(child);
    assert.equal(await processes.whileRunning(stopped.then(() => 'stopped')), 'stopped');
  });

  it("gives the benchmark and its children config files of their own: a plaintext --server stays plaintext whatever the user's config says", async () => {
    assert.notEqual(process.env.KITECONFIG, userConfig);
    // What every component does with `--server host:port` (lib/client/kubeconfig.ts).
    const script = `const { loadConnectionConfig } = require(${JSON.stringify(join(ROOT, 'lib', 'client', 'kubeconfig.ts'))});
      const cfg = loadConnectionConfig({ server: '127.0.0.1:1' });
      console.error(JSON.stringify({ tls: cfg.tls, KITECONFIG: process.env.KITECONFIG, KUBECONFIG: process.env.KUBECONFIG }));`;
    const child = processes.startProcess('config-reader', process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script]);
    await new Promise((r) => child.once('close', r));
    await processes.stopProgram(child);
    const seen = JSON.parse(processes.lastLines(child.stderrText(), 1)) as { tls: boolean; KITECONFIG: string; KUBECONFIG: string };
    assert.equal(seen.tls, false);
    assert.equal(seen.KITECONFIG, process.env.KITECONFIG);
    assert.ok(!seen.KITECONFIG.startsWith(home) && !seen.KUBECONFIG.startsWith(home), `${JSON.stringify(seen)} is under the user's home ${home}`);
  });
});
