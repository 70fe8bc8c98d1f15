// Acknowledged writes survive the apiserver being killed without any shutdown: a child process
// writes until SIGKILL, then the store is reopened and every acknowledged write must be there.
// (A process kill keeps the OS page cache, so this catches acknowledging before commit; power
// loss is what synchronous=FULL is for, and a test cannot pull the plug.)
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SqliteStorage } from '../../../services/apiserver/storage/sqlite';

interface Ack {
  key: string;
  revision: number;
  value: string;
}

describe('SqliteStorage durability', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kite-durability-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write after SIGKILL', async function () {
    this.timeout(20_000);
    const path = join(dir, 'data', 'kite.db');
    const acks = await writeUntilKilled(path, 400);
    assert.ok(acks.length >= 400);

    const s = new SqliteStorage({ path });
    try {
      const lastByKey = new Map<string, Ack>();
      for (const ack of acks) lastByKey.set(ack.key, ack);
      for (const ack of lastByKey.values()) {
        const kv = await s.get(ack.key);
        assert.ok(kv, `acknowledged ${ack.key}@${ack.revision} is missing`);
        if (ack.key === '/d/counter') {
          // The child may have committed one more increment than it got to print.
          assert.ok(kv.modRevision >= ack.revision, `counter went back to ${kv.modRevision}`);
          assert.ok(Number(Buffer.from(kv.value).toString()) >= Number(ack.value));
        } else {
          assert.equal(kv.modRevision, ack.revision);
          assert.equal(Buffer.from(kv.value).toString(), ack.value);
        }
      }
      const last = Math.max(...acks.map((a) => a.revision));
      assert.ok((await s.currentRevision()) >= last);
      assert.ok((await s.create('/d/after-restart', Buffer.from('x'))).modRevision > last);
    } finally {
      await s.close();
    }
  });
});

/** Runs the writer child, SIGKILLs it right after its n-th acknowledgement, returns what it acknowledged. */
async function writeUntilKilled(path: string, n: number): Promise<Ack[]> {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), join(__dirname, 'fixtures', 'write-until-killed.ts'), path], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KITE_LOG_LEVEL: 'silent' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const acks: Ack[] = [];
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const [word, key, revision, value] = line.split(' ');
      if (word !== 'ack') continue;
      acks.push({ key, revision: Number(revision), value });
      if (acks.length === n) child.kill('SIGKILL');
    }
  } finally {
    child.kill('SIGKILL');
  }
  const how = await exited;
  assert.equal(how, 'SIGKILL', `writer ended by ${String(how)} before being killed: ${stderr}`);
  return acks;
}
