// kill -9 of the apiserver under write load, as a separate process (bin/kite-apiserver) on a
// SQLite data dir: after a restart on the same dir every acknowledged write is there, and a
// watcher resumes from the last resourceVersion it saw with every later event, in order, once.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNotFound } from '../../../lib/api/errors';
import { Clientset } from '../../../lib/client/clientset';
import { NO_RETRY } from '../../../lib/client/retry';
import { freePort } from '../../../lib/util/net';
import { Namespace } from '../../../lib/gen/kite/core/v1/types';
import { testAdmissionFlags } from '../../support/admission';
import { waitFor } from '../../support/wait';
import { pod } from '../../support/builders';
import { Recorders } from './harness';

const ROOT = join(__dirname, '..', '..', '..');
const WRITERS = 4;
const KEYS_PER_WRITER = 10;
const WRITES_BEFORE_KILL = 150;

interface Child {
  proc: ChildProcess;
  stderr: () => string;
  exited: Promise<void>;
}

function startApiserver(port: number, dataDir: string): Child {
  const proc = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'kite-apiserver'), '--port', String(port), '--bind-address', '127.0.0.1', '--data-dir', dataDir, '--compaction-interval', '0', ...testAdmissionFlags([])],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, KITE_LOG_LEVEL: 'warn' } },
  );
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return { proc, stderr: () => err, exited };
}

async function ready(client: Clientset, child: Child): Promise<void> {
  await waitFor('the apiserver to serve', async () => {
    if (child.proc.exitCode !== null) throw new Error(`apiserver exited: ${child.stderr()}`);
    return (await client.namespaces.get('default').then(() => true, () => false)) || undefined;
  }, 20_000, 100);
}

describe('apiserver kill -9 under write load (sqlite, separate process)', function () {
  this.timeout(90_000);
  let dataDir: string;
  const children: Child[] = [];
  const clients: Clientset[] = [];
  const recorders = new Recorders();

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'kite-kill9-'));
  });
  afterEach(async () => {
    await recorders.stopAll();
    clients.splice(0).forEach((c) => c.close());
    for (const c of children.splice(0)) {
      c.proc.kill('SIGKILL');
      await c.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write and lets a watcher resume without gaps', async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const client = new Clientset({ address, tls: false, namespace: 'default', source: 'test' }, { retry: NO_RETRY, timeoutMs: 5000 });
    clients.push(client);
    const first = startApiserver(port, dataDir);
    children.push(first);
    await ready(client, first);
    const ns = 'kill9';
    await client.namespaces.create(Namespace.fromPartial({ metadata: { name: ns } }));
    const watch1 = recorders.watch(client.pods, { namespace: ns, resourceVersion: '' });

    // Writers create their keys, then update them round-robin; each acknowledgement is recorded.
    const acked = new Map<string, number>();
    let ackCount = 0;
    let stop = false;
    const writer = async (w: number, from = 0) => {
      for (let i = from; !stop; i++) {
        const name = `w${w}-k${i % KEYS_PER_WRITER}`;
        try {
          const out = i < KEYS_PER_WRITER
            ? await client.pods.create(pod(name, { namespace: ns }))
            : await client.pods.patch(name, { metadata: { annotations: { n: String(i) } } }, { namespace: ns });
          acked.set(name, Number(out.metadata!.resourceVersion));
          ackCount++;
        } catch {
          return; // the server is gone
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    await waitFor(`${WRITES_BEFORE_KILL} acknowledged writes`, () => ackCount >= WRITES_BEFORE_KILL, 30_000, 5);
    first.proc.kill('SIGKILL');
    await first.exited;
    stop = true;
    await Promise.all(writers);
    await watch1.untilEnded();
    const seenBefore = watch1.events.map((e) => ({ name: e.object!.metadata!.name, rv: Number(e.object!.metadata!.resourceVersion) }));
    assert.ok(seenBefore.length > 0, 'the watcher saw events before the kill');

    const second = startApiserver(port, dataDir);
    children.push(second);
    await ready(client, second);

    for (const [name, rv] of acked) {
      const got = await client.pods.get(name, ns).catch((err: unknown) => {
        if (isNotFound(err)) assert.fail(`acknowledged ${name}@${rv} is missing after kill -9`);
        throw err;
      });
      // A write that was in flight at the kill may have committed after the acknowledged one.
      assert.ok(Number(got.metadata!.resourceVersion) >= rv, `${name} went back from ${rv} to ${got.metadata!.resourceVersion}`);
    }

    const lastSeen = seenBefore[seenBefore.length - 1].rv;
    const watch2 = recorders.watch(client.pods, { namespace: ns, resourceVersion: String(lastSeen) });
    // More writes after the restart, so the resumed stream has live events too.
    stop = false;
    ackCount = 0;
    const after = Array.from({ length: WRITERS }, (_, w) => writer(w, KEYS_PER_WRITER));
    await waitFor('writes after the restart', () => ackCount >= 40, 30_000, 5);
    stop = true;
    await Promise.all(after);
    const finalList = await client.pods.list({ namespace: ns });
    const finalRV = Math.max(...finalList.items.map((p) => Number(p.metadata!.resourceVersion)));
    await watch2.until(`the resumed watch to reach ${finalRV}`, (evs) => evs.some((e) => Number(e.object!.metadata!.resourceVersion) >= finalRV), 15_000);
    assert.equal(watch2.error, undefined);

    const seen = [...seenBefore, ...watch2.events.map((e) => ({ name: e.object!.metadata!.name, rv: Number(e.object!.metadata!.resourceVersion) }))];
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i].rv > seen[i - 1].rv, `events out of order or repeated at ${seen[i - 1].rv} -> ${seen[i].rv}`);
    const seenRVs = new Set(seen.map((s) => s.rv));
    for (const [name, rv] of acked) assert.ok(seenRVs.has(rv), `the watcher never saw acknowledged ${name}@${rv}`);
    const lastByName = new Map(seen.map((s) => [s.name, s.rv]));
    for (const p of finalList.items) {
      assert.equal(lastByName.get(p.metadata!.name), Number(p.metadata!.resourceVersion), `the watcher's last event for ${p.metadata!.name} is not the stored state`);
    }
  });
});
