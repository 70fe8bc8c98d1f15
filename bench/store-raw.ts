// Raw storage throughput, below the API: creates then updates through each backend, with a
// number of writes in flight, so API throughput can later be read as a ratio of these figures.
// Usage: npx tsx bench/store-raw.ts [--count N] [--inflight N] [--value-bytes N] [--backend sqlite|etcd]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import type { Storage } from '../services/apiserver/storage/interface';
import { EtcdStorage } from '../services/apiserver/storage/etcd';
import { SqliteStorage } from '../services/apiserver/storage/sqlite';
import { startEtcd } from '../test/support/etcd';

interface Options {
  count: number;
  inflight: number;
  valueBytes: number;
  backend?: string;
}

async function run(storage: Storage, opts: Options): Promise<void> {
  const value = Buffer.alloc(opts.valueBytes, 'x');
  const revisions = new Array<number>(opts.count);
  const phase = async (label: string, op: (i: number) => Promise<number>): Promise<void> => {
    let next = 0;
    const started = process.hrtime.bigint();
    const worker = async (): Promise<void> => {
      while (next < opts.count) {
        const i = next++;
        revisions[i] = await op(i);
      }
    };
    await Promise.all(Array.from({ length: opts.inflight }, worker));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    process.stdout.write(`${storage.name.padEnd(6)} ${label.padEnd(7)} ${opts.count} ops, ${opts.inflight} in flight: ${(opts.count / (ms / 1000)).toFixed(0)} ops/s (${ms.toFixed(0)} ms)\n`);
  };
  await phase('create', async (i) => (await storage.create(`/registry/pods/bench/p${i}`, value)).modRevision);
  await phase('update', async (i) => (await storage.update(`/registry/pods/bench/p${i}`, value, revisions[i])).modRevision);
  const started = process.hrtime.bigint();
  const listed = await storage.list('/registry/pods/bench/');
  process.stdout.write(`${storage.name.padEnd(6)} list    ${listed.items.length} items: ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)} ms\n`);
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--count <n>', 'writes per phase', Number, 2000)
    .option('--inflight <n>', 'concurrent writes', Number, 50)
    .option('--value-bytes <n>', 'value size', Number, 1024)
    .option('--backend <name>', 'only this backend (sqlite|etcd)')
    .parse()
    .opts<Options>();
  if (opts.backend !== 'etcd') {
    const dir = mkdtempSync(join(tmpdir(), 'kite-bench-sqlite-'));
    const s = new SqliteStorage({ path: join(dir, 'kite.db') });
    try {
      await run(s, opts);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (opts.backend !== 'sqlite') {
    // On disk, not tmpfs: etcd pays its fsyncs as SQLite does.
    const etcd = await startEtcd({ tmpfs: false });
    const s = new EtcdStorage({ endpoints: [etcd.endpoint] });
    try {
      await run(s, opts);
    } finally {
      await s.close();
      await etcd.stop();
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
